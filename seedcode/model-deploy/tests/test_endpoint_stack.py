"""The endpoint template: cfn-lint clean, deploys from build.py's config, passes the staging test.

moto's CloudFormation creates the SageMaker Model, EndpointConfig and Endpoint but
ignores the CloudWatch alarm and the Application Auto Scaling resources, and names the
endpoint itself; those parts are checked with cfn-lint and by reading the template.
"""

import importlib.util
import json
import shutil

import boto3
import pytest
import requests
from cfnlint.api import lint
from cfnlint.decode import decode_str

import build
from conftest import PROJECT_ARGS, REPO, add_package

TEMPLATE = REPO / "endpoint-config-template.yml"
STACK = "sagemaker-abalone-p-abc123def456-deploy-staging"

# test/test.py, the staging test itself (loaded by path: `test` is also a stdlib package).
_spec = importlib.util.spec_from_file_location("staging_test", REPO / "test" / "test.py")
staging_test = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(staging_test)


def test_template_is_cfn_lint_clean():
    findings = [m for m in lint(TEMPLATE.read_text(), regions=["us-east-1"]) if m.rule.severity in ("error", "warning")]
    assert findings == []


def test_staging_is_serverless_and_prod_realtime_with_autoscaling_and_guardrail():
    template, _ = decode_str(TEMPLATE.read_text())
    conditional = {k: r.get("Condition") for k, r in template["Resources"].items()}
    assert conditional["ScalableTarget"] == conditional["ScalingPolicy"] == "AutoScaling"
    assert conditional["ServerErrorAlarm"] == "DeploymentGuardrail"
    assert conditional["ScaleFromZeroPolicy"] == conditional["BacklogWithoutCapacityAlarm"] == "ScaleFromZero"
    team = {stage: json.loads((REPO / f"{stage}-config.json").read_text())["Parameters"] for stage in ("staging", "prod")}
    assert team["staging"]["EndpointType"] == "serverless"
    assert (team["prod"]["EndpointType"], team["prod"]["EnableAutoScaling"], team["prod"]["EnableDeploymentGuardrail"]) \
        == ("realtime", True, True)


PROD = json.loads((REPO / "prod-config.json").read_text())["Parameters"]
# A staging file per endpoint type: the shipped one (serverless), prod's (realtime), and async scaling to zero.
STAGING_BY_TYPE = {
    "serverless": json.loads((REPO / "staging-config.json").read_text())["Parameters"],
    "realtime": PROD,
    "async": {**{k: v for k, v in PROD.items() if k != "TargetInvocationsPerInstance"},
              "EndpointType": "async", "TargetBacklogPerInstance": 5, "MinCapacity": 0},
}


@pytest.fixture(params=["serverless"])
def deployed(request, sagemaker, group, tmp_path, monkeypatch):
    """The staging stack, deployed the way the pipeline's DeployStaging action does it (serverless, as shipped,
    unless a test asks for another type)."""
    shutil.copy(REPO / "prod-config.json", tmp_path / "prod-config.json")
    (tmp_path / "staging-config.json").write_text(json.dumps({"Parameters": STAGING_BY_TYPE[request.param], "Tags": {}}))
    monkeypatch.chdir(tmp_path)
    boto3.client("s3").create_bucket(Bucket="sagemaker-project-p-abc123def456")  # the project's, for async requests
    package = add_package(sagemaker, group, "Approved")
    assert build.main(PROJECT_ARGS) == 0
    config = json.loads((tmp_path / "staging-config-export.json").read_text())
    cloudformation = boto3.client("cloudformation")
    cloudformation.create_stack(
        StackName=STACK,
        TemplateBody=TEMPLATE.read_text(),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in config["Parameters"].items()],
        Tags=[{"Key": k, "Value": v} for k, v in config["Tags"].items()],
    )
    return package, tmp_path


def test_staging_stack_deploys_the_approved_package(deployed, sagemaker):
    package, _ = deployed
    stack = boto3.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert {"Key": "sagemaker:deployment-stage", "Value": "staging"} in stack["Tags"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    model = sagemaker.describe_model(ModelName=outputs["ModelName"])
    assert model["PrimaryContainer"]["ModelPackageName"] == package
    assert sagemaker.describe_endpoint(EndpointName=outputs["EndpointName"])["EndpointStatus"] == "InService"


@pytest.mark.parametrize("deployed", ["realtime", "serverless", "async"], indirect=True)
def test_each_endpoint_type_gets_what_aws_allows_it(deployed, sagemaker):
    """Serverless: no instances, no data capture (AWS excludes them). Async: its answers under the stage's path.
    Realtime and async: capture to the stage's folder. (Network isolation: moto keeps no model's, so the next test
    reads it from the template.)"""
    _, workdir = deployed
    kind = json.loads((workdir / "staging-config-export.json").read_text())["Parameters"]["EndpointType"]
    outputs = {o["OutputKey"]: o["OutputValue"]
               for o in boto3.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]["Outputs"]}
    assert outputs["EndpointType"] == kind
    config = sagemaker.describe_endpoint_config(
        EndpointConfigName=sagemaker.describe_endpoint(EndpointName=outputs["EndpointName"])["EndpointConfigName"])
    (variant,) = config["ProductionVariants"]
    model = sagemaker.describe_model(ModelName=outputs["ModelName"])
    assert ("ServerlessConfig" in variant, "InstanceType" in variant) == (kind == "serverless", kind != "serverless")
    assert bool(config.get("DataCaptureConfig")) == (kind != "serverless")
    assert model["PrimaryContainer"]["ModelPackageName"].endswith("/1")
    bucket_path = "s3://sagemaker-project-p-abc123def456/async-inference/staging"
    assert config.get("AsyncInferenceConfig", {}).get("OutputConfig") == (
        {"S3OutputPath": f"{bucket_path}/output", "S3FailurePath": f"{bucket_path}/failure"} if kind == "async" else None)


def test_the_model_is_network_isolated_except_where_aws_excludes_it():
    """AWS excludes network isolation from serverless endpoints: the model is isolated on instances only."""
    template, _ = decode_str(TEMPLATE.read_text())
    assert template["Resources"]["Model"]["Properties"]["EnableNetworkIsolation"] == {"Fn::If": ["Serverless", False, True]}


def _answer(body: str):
    """Queue the next answer of moto's sagemaker-runtime."""
    requests.post(
        "http://motoapi.amazonaws.com/moto-api/static/sagemaker/endpoint-results",
        json={"results": [{"Body": body, "ContentType": "text/csv"}], "region": "us-east-1"},
    )


def _answer_async(body: str, failure: bool = False):
    """Queue the next answer of moto's InvokeEndpointAsync (moto writes it to S3 and returns where)."""
    requests.post(
        "http://motoapi.amazonaws.com/moto-api/static/sagemaker/async-endpoint-results",
        json={"results": [{"data": body, "is_failure": failure}], "region": "us-east-1"},
    )


@pytest.mark.parametrize("deployed", ["async"], indirect=True)
def test_the_staging_test_submits_to_an_async_endpoint_and_reads_its_answer(deployed):
    _, workdir = deployed
    _answer_async("9.8\n7.2\n10.1\n6.9\n9.5")
    code, report = _run_staging_test(workdir)
    assert code == 0 and report["passed"] and report["endpoint_type"] == "async", report
    assert report["checks"][1]["detail"].startswith("written to s3://")


@pytest.mark.parametrize("deployed", ["async"], indirect=True)
def test_an_async_failure_fails_the_staging_test_with_where_it_is(deployed):
    _, workdir = deployed
    _answer_async("ModelError: bad input", failure=True)
    code, report = _run_staging_test(workdir)
    assert code == 1
    assert report["checks"][-1]["name"] == "endpoint answered" and report["checks"][-1]["detail"].startswith("failed, see s3://")


def _run_staging_test(workdir):
    report = workdir / "test-results.json"
    code = staging_test.main([
        "--stack-name", STACK,
        "--import-build-config", str(workdir / "staging-config-export.json"),
        "--export-test-results", str(report),
    ])
    return code, json.loads(report.read_text())


def test_staging_test_passes_on_plausible_predictions(deployed):
    _, workdir = deployed
    _answer("9.8\n7.2\n10.1\n6.9\n9.5")
    code, report = _run_staging_test(workdir)
    assert code == 0 and report["passed"], report
    assert [c["name"] for c in report["checks"]] == [
        "endpoint is InService", "endpoint answered", "one prediction per row", "predictions in a plausible range",
    ]
    assert report["endpoint_type"] == "serverless"


@pytest.mark.parametrize(
    "answer, failing",
    [("9.8\n7.2\n-4\n6.9\n9.5", "predictions in a plausible range"),
     ("9.8\n7.2", "one prediction per row"),
     ("<html>error</html>", "predictions are numbers")],
)
def test_staging_test_fails_on_bad_predictions(deployed, answer, failing):
    _, workdir = deployed
    _answer(answer)
    code, report = _run_staging_test(workdir)
    assert code == 1 and not report["passed"]
    assert [c["name"] for c in report["checks"] if not c["passed"]] == [failing]


def test_staging_test_fails_when_the_stack_is_missing(aws, tmp_path):
    config = tmp_path / "staging-config-export.json"
    config.write_text(json.dumps({"Parameters": {"ModelPackageName": "arn:aws:sagemaker:us-east-1:123456789012:model-package/g/1"}}))
    report = tmp_path / "report.json"
    code = staging_test.main(["--stack-name", STACK, "--import-build-config", str(config), "--export-test-results", str(report)])
    assert code == 1
    assert json.loads(report.read_text())["checks"][0]["name"] == "staging stack has an endpoint"


def test_with_a_role_the_test_reaches_staging_as_that_role(aws_credentials):
    """Staging in an account of its own: the test assumes that account's deploy role first."""
    from moto import mock_aws

    role = "arn:aws:iam::210987654321:role/service-role/AmazonSageMakerProjectsDeployRole"
    with mock_aws():
        identity = staging_test.staging_session(role).client("sts").get_caller_identity()
        assert identity["Arn"].startswith("arn:aws:sts::210987654321:assumed-role/AmazonSageMakerProjectsDeployRole/")
        assert staging_test.staging_session("").client("sts").get_caller_identity()["Account"] == "123456789012"
