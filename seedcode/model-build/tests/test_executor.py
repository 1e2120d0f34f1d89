"""pipeline_executor on small hand-written definitions: expressions, ordering, conditions, failures."""

import json

import boto3
import pytest
from moto import mock_aws

from pipeline_executor import StepContext, execute
from pipeline_executor.archive import deterministic_tar_gz
from pipeline_executor.properties import lookup, parse_path

REGION = "us-east-1"


@pytest.fixture
def context(tmp_path):
    with mock_aws():
        yield StepContext(boto3.client("s3", region_name=REGION), boto3.client("sagemaker", region_name=REGION),
                          REGION, "123456789012", "exec1", tmp_path, lambda _line: None)


def _definition(*steps, parameters=()):
    return json.dumps({"Version": "2020-12-01", "Parameters": list(parameters), "Steps": list(steps)})


def test_a_step_type_it_cannot_run_fails_the_run_before_any_step(context):
    definition = _definition({"Name": "Fine", "Type": "Fail", "Arguments": {"ErrorMessage": "x"}},
                             {"Name": "Tune", "Type": "Tuning", "Arguments": {}})
    result = execute(definition, {}, context, "p")
    assert result.status == "Failed" and result.steps == []
    assert "step Tune: step type 'Tuning' cannot run locally" in result.failure_reason


def test_condition_picks_a_branch_and_the_other_never_runs(context):
    threshold = {"Name": "Threshold", "Type": "Float", "DefaultValue": 2.0}
    definition = _definition({
        "Name": "Check", "Type": "Condition", "Arguments": {
            "Conditions": [{"Type": "GreaterThan", "LeftValue": {"Get": "Parameters.Threshold"}, "RightValue": 1}],
            "IfSteps": [{"Name": "Stop", "Type": "Fail", "Arguments": {"ErrorMessage": {"Std:Join": {
                "On": " ", "Values": ["threshold", {"Get": "Parameters.Threshold"}, "in", {"Get": "Execution.PipelineExecutionId"}]}}}}],
            "ElseSteps": [{"Name": "Other", "Type": "Fail", "Arguments": {"ErrorMessage": "else"}}],
        }}, parameters=[threshold])
    result = execute(definition, {}, context, "p")
    assert [(s.name, s.status) for s in result.steps] == [("Check", "Succeeded"), ("Stop", "Failed")]
    assert result.steps[0].metadata == {"Condition": {"Outcome": "True"}}
    assert result.steps[1].failure_reason == "threshold 2.0 in exec1"
    assert execute(definition, {"Threshold": "0.5"}, context, "p").steps[-1].name == "Other"


def test_steps_run_after_the_steps_they_read_from(context):
    definition = _definition(
        {"Name": "Second", "Type": "Fail", "Arguments": {"ErrorMessage": {"Get": "Steps.First.Outcome"}}},
        {"Name": "First", "Type": "Condition", "Arguments": {"Conditions": [], "IfSteps": [], "ElseSteps": []}},
    )
    result = execute(definition, {}, context, "p")
    assert [s.name for s in result.steps] == ["First", "Second"] and result.steps[1].failure_reason == "True"


def test_a_reference_to_a_missing_step_is_a_definition_error(context):
    definition = _definition({"Name": "A", "Type": "Fail", "Arguments": {"ErrorMessage": {"Get": "Steps.Nope.X"}}})
    assert "refers to step Nope" in execute(definition, {}, context, "p").failure_reason


def test_an_unsupported_function_is_not_passed_through(context):
    definition = _definition({"Name": "A", "Type": "Fail", "Arguments": {"ErrorMessage": {"Std:Unknown": []}}})
    result = execute(definition, {}, context, "p")
    assert "function Std:Unknown is not supported" in result.failure_reason


def test_register_model_arguments_are_validated_against_botocore(context):
    definition = _definition({"Name": "Register", "Type": "RegisterModel", "Arguments": {"ModelPackageGroupName": 7}})
    result = execute(definition, {}, context, "p")
    assert "not a valid CreateModelPackage request" in result.failure_reason


def test_property_paths_index_lists_by_name():
    properties = {"ProcessingOutputConfig": {"Outputs": [{"OutputName": "train", "S3Output": {"S3Uri": "s3://b/t"}}]}}
    assert parse_path("ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri") == [
        "ProcessingOutputConfig", "Outputs", "train", "S3Output", "S3Uri"]
    assert lookup(properties, "ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri", "Steps.P") == "s3://b/t"
    assert lookup(properties, "ProcessingOutputConfig.Outputs[0].OutputName", "Steps.P") == "train"


def test_archive_bytes_do_not_depend_on_the_clock(tmp_path, monkeypatch):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "xgboost-model").write_bytes(b"booster")
    first = deterministic_tar_gz(tmp_path / "model")
    import time

    monkeypatch.setattr(time, "time", lambda: 4_000_000_000.0)
    assert deterministic_tar_gz(tmp_path / "model") == first
    assert first[4:8] == b"\0\0\0\0"  # the gzip header's mtime


def _transform_step(model_name: str, split_type: str = "Line") -> dict:
    return {"Name": "Score", "Type": "Transform", "Arguments": {
        "ModelName": model_name,
        "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://bucket-x/in/"}},
                           "ContentType": "text/csv", "SplitType": split_type},
        "TransformOutput": {"S3OutputPath": "s3://bucket-x/out", "Accept": "text/csv", "AssembleWith": "Line"},
        "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1}}}


def _model(context, image: str) -> str:
    context.sagemaker.create_model(ModelName="m1", ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
                                   PrimaryContainer={"Image": image, "ModelDataUrl": "s3://bucket-x/model.tar.gz"})
    return "m1"


def test_a_transform_with_a_model_image_it_cannot_stand_in_for_fails_naming_the_image(context):
    model = _model(context, "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-own-image:1")
    result = execute(_definition(_transform_step(model)), {}, context, "p")
    assert result.status == "Failed" and "my-own-image:1 has no local runtime" in result.failure_reason


def test_a_transform_option_the_stand_in_does_not_follow_fails_instead_of_running_otherwise(context):
    model = _model(context, "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1")
    result = execute(_definition(_transform_step(model, split_type="RecordIO")), {}, context, "p")
    assert result.status == "Failed" and "SplitType 'RecordIO' cannot run locally" in result.failure_reason


def test_a_container_s_openmp_threads_wait_passively_unless_its_environment_says_otherwise(tmp_path):
    """On a shared machine spinning OpenMP threads slow training many times over (container.py)."""
    from pipeline_executor.container import run_python_entrypoint
    from pipeline_executor.images import IMAGES

    root = tmp_path / "opt-ml"
    root.mkdir()
    (root / "policy.py").write_text("import os\nprint(os.environ.get('OMP_WAIT_POLICY'))\n")
    for environment, expected in (({}, "PASSIVE"), ({"OMP_WAIT_POLICY": "ACTIVE"}, "ACTIVE")):
        lines = []
        run_python_entrypoint(["python3", "/opt/ml/policy.py"], [], IMAGES["sagemaker-scikit-learn"], root,
                              environment, lines.append)
        assert lines == [f"    | {expected}"]
