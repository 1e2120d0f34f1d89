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


def test_prod_gets_autoscaling_and_guardrail_and_staging_does_not():
    template, _ = decode_str(TEMPLATE.read_text())
    conditional = {k: r.get("Condition") for k, r in template["Resources"].items()}
    assert conditional["ScalableTarget"] == conditional["ScalingPolicy"] == "AutoScaling"
    assert conditional["ServerErrorAlarm"] == "DeploymentGuardrail"
    team = {stage: json.loads((REPO / f"{stage}-config.json").read_text())["Parameters"] for stage in ("staging", "prod")}
    assert (team["staging"]["EnableAutoScaling"], team["prod"]["EnableAutoScaling"]) == (False, True)
    assert (team["staging"]["EnableDeploymentGuardrail"], team["prod"]["EnableDeploymentGuardrail"]) == (False, True)


@pytest.fixture
def deployed(sagemaker, group, tmp_path, monkeypatch):
    """The staging stack, deployed the way the pipeline's DeployStaging action does it."""
    for name in ("staging-config.json", "prod-config.json"):
        shutil.copy(REPO / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
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


def _answer(body: str):
    """Queue the next answer of moto's sagemaker-runtime."""
    requests.post(
        "http://motoapi.amazonaws.com/moto-api/static/sagemaker/endpoint-results",
        json={"results": [{"Body": body, "ContentType": "text/csv"}], "region": "us-east-1"},
    )


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
        "endpoint is InService", "one prediction per row", "predictions in a plausible range",
    ]


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
