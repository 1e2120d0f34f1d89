"""The pipeline definition: golden file, stable across runs, the steps and the wiring.

Built under moto: the SDK uploads the step scripts to S3 while building the definition.
Refresh the golden file after an intended change with:
    UPDATE_GOLDEN=1 python -m pytest tests/test_pipeline_definition.py
"""

import json
import os
import re
from pathlib import Path

import pytest

from abalone_pipeline.cli import PIPELINE_ARGUMENTS
from abalone_pipeline.settings import HYPERPARAMETERS
from conftest import KWARGS

GOLDEN = Path(__file__).with_name("golden") / "pipeline-definition.json"


@pytest.fixture
def definition(aws):
    from abalone_pipeline.pipeline import get_pipeline

    return json.loads(get_pipeline(**KWARGS).definition())


def _normalized(definition: dict) -> str:
    """The definition as compared with the golden file.

    The SDK names uploaded step code by a hash that includes the script's absolute path,
    so that one segment differs between checkouts and is masked here.
    """
    text = json.dumps(definition, indent=2, sort_keys=True) + "\n"
    return re.sub(r"/code/[0-9a-f]{64}/", "/code/<hash>/", text)


def assert_matches_golden(definition: dict, golden: Path) -> None:
    """The definition equals the committed file (rewritten instead with UPDATE_GOLDEN=1)."""
    rendered = _normalized(definition)
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(rendered)
    assert rendered == golden.read_text(), f"{golden.name}: definition changed; if intended, refresh with UPDATE_GOLDEN=1"


def test_definition_matches_the_golden_file(definition):
    assert_matches_golden(definition, GOLDEN)


def test_definition_is_stable_and_has_no_timestamps(aws, definition):
    from abalone_pipeline.pipeline import get_pipeline

    assert json.loads(get_pipeline(**KWARGS).definition()) == definition
    text = json.dumps(definition)
    assert "2026" not in text and "2027" not in text


def test_steps_and_condition(definition):
    steps = {step["Name"]: step for step in definition["Steps"]}
    assert list(steps) == ["Preprocess", "DriftBaseline", "Train", "Evaluate", "CheckMSE"]
    check = steps["CheckMSE"]["Arguments"]
    assert [s["Name"] for s in check["IfSteps"]] == ["RegisterModel"]
    assert [s["Name"] for s in check["ElseSteps"]] == ["MSEAboveThreshold"]
    (condition,) = check["Conditions"]
    assert condition["Type"] == "LessThanOrEqualTo"
    assert condition["LeftValue"]["Std:JsonGet"]["Path"] == "regression_metrics.mse.value"
    parameters = {p["Name"]: p.get("DefaultValue") for p in definition["Parameters"]}
    assert parameters["ModelApprovalStatus"] == "PendingManualApproval" and parameters["MseThreshold"] == 6.0
    assert parameters["DriftThreshold"] == 0.2


def test_the_model_is_registered_with_its_drift_baseline(definition):
    register = next(s for s in definition["Steps"] if s["Name"] == "CheckMSE")["Arguments"]["IfSteps"][0]["Arguments"]
    baseline = {"Get": "Steps.DriftBaseline.ProcessingOutputConfig.Outputs['baseline'].S3Output.S3Uri"}
    data_quality = register["DriftCheckBaselines"]["ModelDataQuality"]
    assert data_quality["Statistics"]["S3Uri"] == {"Std:Join": {"On": "/", "Values": [baseline, "statistics.json"]}}
    assert data_quality["Constraints"]["S3Uri"] == {"Std:Join": {"On": "/", "Values": [baseline, "constraints.json"]}}
    assert register["ModelMetrics"]["ModelDataQuality"] == data_quality


def test_training_uses_the_hyperparameters_in_settings(definition):
    train = next(s for s in definition["Steps"] if s["Name"] == "Train")
    assert train["Arguments"]["HyperParameters"] == {k: str(v) for k, v in HYPERPARAMETERS.items()}


def test_cli_knows_get_pipeline_arguments():
    import inspect

    from abalone_pipeline.pipeline import get_pipeline

    assert PIPELINE_ARGUMENTS == [p for p in inspect.signature(get_pipeline).parameters if p != "sagemaker_session"]


def test_the_processing_steps_run_the_image_a_run_names(aws):
    """An image-build project's image replaces SageMaker's scikit-learn image in Preprocess and DriftBaseline
    (the ProcessingImageUri parameter, or its default given to get_pipeline); training keeps XGBoost's."""
    from abalone_pipeline.pipeline import get_pipeline

    image = "111111111111.dkr.ecr.us-east-1.amazonaws.com/sagemaker-project-p-abc123def456:0a1b2c3-7"
    definition = json.loads(get_pipeline(**KWARGS, processing_image_uri=image).definition())
    (parameter,) = [p for p in definition["Parameters"] if p["Name"] == "ProcessingImageUri"]
    assert parameter["DefaultValue"] == image
    images = {step["Name"]: step["Arguments"]["AppSpecification"]["ImageUri"]
              for step in definition["Steps"] if step["Type"] == "Processing"}
    assert images["Preprocess"] == images["DriftBaseline"] == {"Get": "Parameters.ProcessingImageUri"}
    assert "sagemaker-xgboost" in images["Evaluate"]
