"""The drift monitor pipeline and `update-monitor-pipeline`: definition, the model in prod, local runs.

Refresh the golden file after an intended change with:
    UPDATE_GOLDEN=1 python -m pytest tests/test_monitor_pipeline.py
"""

import json
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from abalone_pipeline import monitor_cli
from conftest import BUCKET, GROUP, KWARGS, PIPELINE_ROLE
from test_pipeline_definition import assert_matches_golden

GOLDEN = Path(__file__).with_name("golden") / "monitor-pipeline-definition.json"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
PROD_STACK = "sagemaker-abalone-p-abc123def456-deploy-prod"
MONITOR_KWARGS = {
    **{k: KWARGS[k] for k in ("region", "role", "default_bucket", "base_job_prefix")},
    "pipeline_name": f"{KWARGS['pipeline_name']}-monitor", "prod_stack_name": PROD_STACK,
    "capture_url": f"s3://{BUCKET}/datacapture/prod/",
}
MODEL = {"arn": "arn:package", "baseline_statistics": f"s3://{BUCKET}/b/statistics.json",
         "baseline_constraints": f"s3://{BUCKET}/b/constraints.json"}


@pytest.fixture
def definition(aws):
    return json.loads(monitor_cli.monitor_pipeline(MONITOR_KWARGS, MODEL).definition())


def test_definition_matches_the_golden_file(definition):
    assert_matches_golden(definition, GOLDEN)


def test_drift_fails_the_run_at_drift_detected_with_the_summary(definition):
    steps = {step["Name"]: step for step in definition["Steps"]}
    assert list(steps) == ["DriftCheck", "CheckDrift"]
    (drifted,) = steps["CheckDrift"]["Arguments"]["IfSteps"]
    assert drifted["Name"] == "DriftDetected" and drifted["Type"] == "Fail"
    assert steps["CheckDrift"]["Arguments"]["ElseSteps"] == []
    parameters = {p["Name"]: p.get("DefaultValue") for p in definition["Parameters"]}
    assert parameters["BaselineStatisticsUri"] == MODEL["baseline_statistics"]
    assert parameters["CaptureUri"] == MONITOR_KWARGS["capture_url"] and parameters["MonitorTime"] == "unscheduled"


@pytest.fixture
def prod_stack(monkeypatch):
    """The prod stack's DescribeStacks answer. moto's CloudFormation needs extras this repo does not
    install (it only reads one stack here), so the call is stubbed: botocore's Stubber still checks the
    request and the answer against CloudFormation's API model."""
    client = boto3.client("cloudformation", region_name="us-east-1")
    stub = Stubber(client)
    monkeypatch.setattr(monitor_cli, "cloudformation_client", lambda region, prod_role_arn="": client)

    def answer(package_arn=None, endpoint_type="realtime"):
        if package_arn is None:
            stub.add_client_error("describe_stacks", "ValidationError", f"Stack with id {PROD_STACK} does not exist",
                                  expected_params={"StackName": PROD_STACK})
        else:
            stub.add_response("describe_stacks", {"Stacks": [{
                "StackName": PROD_STACK, "CreationTime": "2026-11-25T00:00:00Z", "StackStatus": "CREATE_COMPLETE",
                "Parameters": [{"ParameterKey": "ModelPackageName", "ParameterValue": package_arn},
                               {"ParameterKey": "EndpointType", "ParameterValue": endpoint_type}]}]},
                {"StackName": PROD_STACK})
    with stub:
        yield answer


def _package(baselines: bool) -> str:
    request = {"ModelPackageGroupName": GROUP, "ModelApprovalStatus": "Approved",
               "InferenceSpecification": {"Containers": [{"Image": IMAGE, "ModelDataUrl": f"s3://{BUCKET}/m.tar.gz"}],
                                          "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]}}
    if baselines:
        request["DriftCheckBaselines"] = {"ModelDataQuality": {
            "Statistics": {"ContentType": "application/json", "S3Uri": MODEL["baseline_statistics"]},
            "Constraints": {"ContentType": "application/json", "S3Uri": MODEL["baseline_constraints"]}}}
    return boto3.client("sagemaker").create_model_package(**request)["ModelPackageArn"]


def _update():
    return monitor_cli.update_monitor_pipeline(["--role-arn", PIPELINE_ROLE, "--kwargs", json.dumps(MONITOR_KWARGS)])


def test_upserts_for_the_model_the_prod_stack_runs_not_the_newest_approved(aws, prod_stack, capsys):
    in_prod = _package(baselines=True)
    _package(baselines=True)  # approved later, not yet in prod
    prod_stack(in_prod)
    assert _update() == 0
    pipeline = boto3.client("sagemaker").describe_pipeline(PipelineName=MONITOR_KWARGS["pipeline_name"])
    assert pipeline["PipelineDescription"] == f"Drift monitor for model package {in_prod}"
    assert f"model in prod: {in_prod}" in capsys.readouterr().out


def test_nothing_in_prod_or_no_baseline_fails_in_one_line(aws, prod_stack, capsys):
    prod_stack(None)
    assert _update() == 1
    assert capsys.readouterr().err.strip() == f"update-monitor-pipeline: stack {PROD_STACK} does not exist: nothing is in prod yet"
    prod_stack(_package(baselines=False))
    assert _update() == 1
    assert "has no drift baseline" in capsys.readouterr().err
    assert boto3.client("sagemaker").list_pipelines()["PipelineSummaries"] == []


def test_a_serverless_prod_is_refused_in_one_line_saying_why(aws, prod_stack, capsys):
    """AWS captures no requests of a serverless endpoint: a monitor of one would never see any."""
    prod_stack(_package(baselines=True), endpoint_type="serverless")
    assert _update() == 1
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "serves prod serverless" in error and "EndpointType to realtime or async" in error
    assert boto3.client("sagemaker").list_pipelines()["PipelineSummaries"] == []


@pytest.mark.parametrize("argv, message", [
    (["--kwargs", "{}"], "--role-arn is required"),
    (["--local"], "--local and --offline go together"),
    (["--simulate-drift", "--role-arn", PIPELINE_ROLE], "--simulate-drift goes with --local --offline"),
])
def test_bad_command_lines_exit_2(argv, message, capsys):
    assert monitor_cli.update_monitor_pipeline(argv) == 2
    assert message in capsys.readouterr().err


def test_offline_local_runs_pass_on_unseen_rows_and_fail_at_drift_detected_on_drifted_ones(tmp_path, capsys):
    assert monitor_cli.update_monitor_pipeline(["--local", "--offline", "--work-dir", str(tmp_path / "a")]) == 0
    assert "drift check: no drift in 628 captured rows" in capsys.readouterr().out
    assert monitor_cli.update_monitor_pipeline(
        ["--local", "--offline", "--simulate-drift", "--work-dir", str(tmp_path / "b")]) == 1
    err = capsys.readouterr().err
    assert "Step failure: DriftDetected: Data drift: length PSI" in err or "DriftDetected: Data drift: diameter PSI" in err


def test_prod_in_another_account_is_read_through_the_role_given(aws):
    """STS is stubbed (Stubber checks the request against its API model): the client it yields carries the
    role's credentials, and no role means this account's own client."""
    sts = boto3.client("sts", region_name="us-east-1")
    role = "arn:aws:iam::333333333333:role/service-role/AmazonSageMakerProjectsDeployRole"
    with Stubber(sts) as stub:
        stub.add_response("assume_role", {"Credentials": {
            "AccessKeyId": "ASIAPRODACCOUNTKEY01", "SecretAccessKey": "secret", "SessionToken": "token",
            "Expiration": "2026-11-25T01:00:00Z"}}, {"RoleArn": role, "RoleSessionName": "drift-monitor"})
        client = monitor_cli.cloudformation_client("us-east-1", role, sts=sts)
    assert client._request_signer._credentials.access_key == "ASIAPRODACCOUNTKEY01"
    assert monitor_cli.cloudformation_client("us-east-1")._request_signer._credentials.access_key != "ASIAPRODACCOUNTKEY01"
