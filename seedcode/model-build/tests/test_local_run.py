"""run-pipeline --local end to end: real preprocessing, training and evaluation; the
model registered into moto's SageMaker with its metrics."""

import json

import boto3

from abalone_pipeline import cli
from abalone_pipeline.settings import DEFAULT_MSE_THRESHOLD
from conftest import BUCKET, GROUP, KWARGS


def run_local(tmp_path, *extra):
    return cli.run_pipeline(["--local", "--work-dir", str(tmp_path / "run"), "--kwargs", json.dumps(KWARGS), *extra])


def _mse(tmp_path):
    return json.loads((tmp_path / "run" / "evaluation" / "evaluation.json").read_text())["regression_metrics"]["mse"]["value"]


def test_local_run_registers_a_pending_model_with_its_metrics(aws, tmp_path, capsys):
    assert run_local(tmp_path) == 0
    out = capsys.readouterr().out
    for number, step in enumerate(["Preprocess", "Train", "Evaluate", "CheckMSE", "RegisterModel"], start=1):
        assert f"{number}/5 {step}" in out
    mse = _mse(tmp_path)
    assert mse < DEFAULT_MSE_THRESHOLD
    assert f"test MSE {mse:.4f}" in out
    sagemaker = boto3.client("sagemaker")
    (package,) = sagemaker.list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"]
    assert package["ModelApprovalStatus"] == "PendingManualApproval"
    described = sagemaker.describe_model_package(ModelPackageName=package["ModelPackageArn"])
    metrics_uri = described["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"]
    bucket, key = metrics_uri.removeprefix("s3://").split("/", 1)
    assert bucket == BUCKET
    stored = json.loads(boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
    assert stored["regression_metrics"]["mse"]["value"] == mse
    model_uri = described["InferenceSpecification"]["Containers"][0]["ModelDataUrl"]
    assert boto3.client("s3").head_object(Bucket=BUCKET, Key=model_uri.split(BUCKET + "/")[1])["ContentLength"] > 0


def test_local_run_is_deterministic(tmp_path):
    assert run_local(tmp_path, "--no-register") == 0
    first = (_mse(tmp_path), (tmp_path / "run" / "model" / "model.tar.gz").read_bytes())
    assert run_local(tmp_path, "--no-register") == 0
    assert (_mse(tmp_path), (tmp_path / "run" / "model" / "model.tar.gz").read_bytes()) == first


def test_no_register_writes_the_would_be_registration(tmp_path):
    assert run_local(tmp_path, "--no-register") == 0
    request = json.loads((tmp_path / "run" / "registration.json").read_text())
    assert request["ModelPackageGroupName"] == GROUP
    assert request["ModelApprovalStatus"] == "PendingManualApproval"
    assert request["InferenceSpecification"]["Containers"][0]["Image"].endswith("/sagemaker-xgboost:1.7-1")


def test_mse_above_threshold_fails_like_the_fail_step(aws, tmp_path, capsys):
    assert run_local(tmp_path, "--mse-threshold", "1.0") == 1
    assert "CheckMSE: the model's test MSE" in capsys.readouterr().err
    assert boto3.client("sagemaker").list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"] == []


def test_missing_data_file_fails_clearly(tmp_path, capsys):
    assert run_local(tmp_path, "--no-register", "--data", str(tmp_path / "nope.csv")) == 1
    error = capsys.readouterr().err
    assert "Preprocess: input data" in error and "not found" in error


def test_malformed_data_fails_clearly(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("M,0.4,0.3\n")
    assert run_local(tmp_path, "--no-register", "--data", str(bad)) == 1
    assert "Preprocess:" in capsys.readouterr().err


def test_missing_group_fails_at_registration(tmp_path, capsys):
    from moto import mock_aws

    with mock_aws():
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        assert run_local(tmp_path) == 1
    assert "RegisterModel" in capsys.readouterr().err


def test_refuses_to_empty_a_folder_it_did_not_make(tmp_path, capsys):
    precious = tmp_path / "run"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    assert run_local(tmp_path, "--no-register") == 1
    assert "was not made by a local run" in capsys.readouterr().err
    assert (precious / "notes.txt").read_text() == "keep me"
