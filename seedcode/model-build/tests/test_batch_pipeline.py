"""The batch inference pipeline and `run-batch-pipeline`: definition, the latest approved model,
a local run that scores every row, and bad input.

Refresh the golden file after an intended change with:
    UPDATE_GOLDEN=1 python -m pytest tests/test_batch_pipeline.py
"""

import json
from pathlib import Path

import boto3
import pytest

from abalone_pipeline import batch_cli, builders, registry
from conftest import BUCKET, GROUP, KWARGS, PIPELINE_ROLE
from test_pipeline_definition import assert_matches_golden

GOLDEN = Path(__file__).with_name("golden") / "batch-pipeline-definition.json"
BATCH_KWARGS = {**{k: v for k, v in KWARGS.items() if k != "pipeline_name"}, "pipeline_name": f"{KWARGS['pipeline_name']}-batch"}
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"


def _register(status: str, data_url: str = f"s3://{BUCKET}/model/model.tar.gz") -> str:
    return boto3.client("sagemaker").create_model_package(
        ModelPackageGroupName=GROUP, ModelApprovalStatus=status,
        InferenceSpecification={"Containers": [{"Image": IMAGE, "ModelDataUrl": data_url}],
                                "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
    )["ModelPackageArn"]


@pytest.fixture
def definition(aws):
    model = {"image": IMAGE, "model_data_url": f"s3://{BUCKET}/model/model.tar.gz"}
    return json.loads(builders.build_batch_pipeline({**BATCH_KWARGS, "batch_input_url": None}, model).definition())


def test_definition_matches_the_golden_file(definition):
    assert_matches_golden(definition, GOLDEN)


def test_the_model_comes_from_parameters_and_the_output_is_dated_by_batch_time(definition):
    parameters = {p["Name"]: p.get("DefaultValue") for p in definition["Parameters"]}
    assert parameters["ModelImageUri"] == IMAGE and parameters["BatchTime"] == "unscheduled"
    steps = {step["Name"]: step for step in definition["Steps"]}
    assert list(steps) == ["PrepareBatchInput", "CreateModel", "BatchTransform"]
    assert steps["CreateModel"]["Arguments"]["PrimaryContainer"]["ModelDataUrl"] == {"Get": "Parameters.ModelDataUrl"}
    transform = steps["BatchTransform"]["Arguments"]
    assert transform["ModelName"] == {"Get": "Steps.CreateModel.ModelName"}
    assert {"Get": "Parameters.BatchTime"} in transform["TransformOutput"]["S3OutputPath"]["Std:Join"]["Values"]
    assert steps["PrepareBatchInput"]["Arguments"]["AppSpecification"]["ContainerArguments"] == ["--batch"]


def test_latest_approved_model_skips_pending_and_rejected_and_takes_the_newest(aws):
    first = _register("Approved")
    newest = _register("Approved", f"s3://{BUCKET}/model/2/model.tar.gz")
    _register("PendingManualApproval")
    _register("Rejected")
    model = registry.latest_approved_model(boto3.client("sagemaker"), GROUP)
    assert model["arn"] == newest != first and model["model_data_url"].endswith("/2/model.tar.gz")


def test_without_an_approved_model_it_fails_in_one_line_and_upserts_nothing(aws, capsys):
    _register("PendingManualApproval")
    code = batch_cli.run_batch_pipeline(["--role-arn", PIPELINE_ROLE, "--kwargs", json.dumps(BATCH_KWARGS)])
    assert code == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        f"run-batch-pipeline: model package group {GROUP} has no approved model package; "
        "approve one in Studio (Models > Model registry) first"]
    assert boto3.client("sagemaker").list_pipelines()["PipelineSummaries"] == []


def test_upserts_for_the_latest_approved_model_and_starts_a_dated_run(aws, capsys):
    arn = _register("Approved")
    assert batch_cli.run_batch_pipeline(["--role-arn", PIPELINE_ROLE, "--kwargs", json.dumps(BATCH_KWARGS)]) == 0
    sagemaker = boto3.client("sagemaker")
    pipeline = sagemaker.describe_pipeline(PipelineName=BATCH_KWARGS["pipeline_name"])
    assert pipeline["PipelineDescription"] == f"Batch inference with model package {arn}"
    parameters = {p["Name"]: p["DefaultValue"] for p in json.loads(pipeline["PipelineDefinition"])["Parameters"]}
    assert parameters["ModelDataUrl"] == f"s3://{BUCKET}/model/model.tar.gz"
    sample = boto3.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=f"{KWARGS['base_job_prefix']}/batch-input/")
    assert [o["Key"].rsplit("/", 1)[1] for o in sample["Contents"]] == ["abalone.data"]
    assert "was empty: uploaded the bundled data set" in capsys.readouterr().out


def test_an_existing_batch_input_is_left_alone(aws, capsys):
    _register("Approved")
    boto3.client("s3").put_object(Bucket=BUCKET, Key=f"{KWARGS['base_job_prefix']}/batch-input/mine.csv", Body=b"M,1,1,1,1,1,1,1\n")
    assert batch_cli.run_batch_pipeline(["--role-arn", PIPELINE_ROLE, "--kwargs", json.dumps(BATCH_KWARGS)]) == 0
    listed = boto3.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=f"{KWARGS['base_job_prefix']}/batch-input/")
    assert [o["Key"].rsplit("/", 1)[1] for o in listed["Contents"]] == ["mine.csv"]
    assert "uploaded" not in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--kwargs", "{}"], "--role-arn is required"),
    (["--role-arn", PIPELINE_ROLE, "--kwargs", json.dumps({**BATCH_KWARGS, "input_data_url": "s3://x/y"})],
     "unknown key 'input_data_url'"),
    (["--role-arn", PIPELINE_ROLE, "--offline"], "--offline goes with --local"),
])
def test_bad_command_lines_exit_2_with_one_line(argv, message, capsys):
    assert batch_cli.run_batch_pipeline(argv) == 2
    assert message in capsys.readouterr().err


def test_offline_local_run_trains_approves_and_scores_every_row(tmp_path, capsys):
    assert batch_cli.run_batch_pipeline(["--local", "--offline", "--work-dir", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert "approved arn:aws:sagemaker" in out and "BatchTransform succeeded" in out
    steps = tmp_path / "run" / "batch" / "steps"
    (predictions,) = (steps / "BatchTransform" / "opt-ml" / "transform" / "output").iterdir()
    values = [float(line) for line in predictions.read_text().splitlines()]
    assert predictions.name == "abalone.data.out" and len(values) == 4177
    assert 5 < sum(values) / len(values) < 15  # abalone rings average about 10
    request = json.loads((steps / "BatchTransform.json").read_text())
    assert request["TransformOutput"]["S3OutputPath"].split("/batch-transform/")[1].count("/") == 1  # <time>/<execution>
