"""build-train-deploy-monitor(-git): the drift loop, checked end to end on the resolved templates.

A failed monitor run's status-change event (documented shape) goes through the project's rules
on moto's bus; the retrain function then decides with moto's CodePipeline. moto has no
ListPipelineExecutionSteps, so that call is stubbed (botocore's Stubber still validates the
request and response against SageMaker's API model).
"""

import json
import re
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from products.local_aws.event_shapes import codepipeline_execution_event, sagemaker_pipeline_execution_event
from products.blocks import build_contract as contract
from products.local_aws.event_routing import EventRouter
from products.functions import retrain_on_drift
from products.analysis.iam_evaluator import evaluate
from products.publishing.projects import validated
from products.analysis.resolve import resolve
from tests.conftest import REPO_ROOT, sample_parameters, seed_script

PATHS = ["templates/build-train-deploy-monitor.json", "templates/build-train-deploy-monitor-git.json"]
MONITOR_DEFINITION = REPO_ROOT / "seedcode" / "model-build" / "tests" / "golden" / "monitor-pipeline-definition.json"
NOW = datetime(2026, 11, 26, 4, 0, tzinfo=timezone.utc)


def codepipeline_request(pipeline: dict) -> dict:
    """A resolved AWS::CodePipeline::Pipeline as a CreatePipeline request (stages and actions as declared)."""
    def lower(key: str) -> str:
        return key[0].lower() + key[1:]

    return {"name": pipeline["Name"], "roleArn": pipeline["RoleArn"],
            "artifactStore": {"type": "S3", "location": pipeline["ArtifactStore"]["Location"]},
            "stages": [{"name": stage["Name"], "actions": [
                {"name": action["Name"], "actionTypeId": {lower(k): v for k, v in action["ActionTypeId"].items()},
                 "configuration": {k: str(v) for k, v in action.get("Configuration", {}).items()}}
                for action in stage["Actions"]]} for stage in pipeline["Stages"]]}


def _resources(rendered, path, **extra):
    return resolve(rendered[path], {**sample_parameters(rendered[path]), **extra}).resources()


@pytest.fixture(scope="module", params=PATHS)
def resources(request, rendered):
    return _resources(rendered, request.param)


def _steps(failed: str | None) -> dict:
    steps = [{"StepName": "DriftCheck", "StepStatus": "Succeeded"}, {"StepName": "CheckDrift", "StepStatus": "Succeeded"}]
    if failed == "DriftCheck":
        steps = [{"StepName": "DriftCheck", "StepStatus": "Failed", "FailureReason": "no S3 object found"}]
    elif failed:
        steps.append({"StepName": failed, "StepStatus": "Failed", "FailureReason": "Data drift: length PSI 2.41 > 0.2"})
    return {"PipelineExecutionSteps": steps}


class Loop:
    """The project's rules on moto's bus, its model-build CodePipeline in moto, and the function."""

    def __init__(self, resources):
        self.resources = resources
        self.router = EventRouter(boto3.client("events"), boto3.client("sqs"), resources)
        self.codepipeline = boto3.client("codepipeline")
        build = resources["ModelBuildPipeline"]["Properties"]
        boto3.client("iam").create_role(  # moto's CreatePipeline checks that the role exists
            RoleName=build["RoleArn"].rsplit("/", 1)[1], Path="/service-role/", AssumeRolePolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                        "Principal": {"Service": "codepipeline.amazonaws.com"}}]}))
        self.codepipeline.create_pipeline(pipeline=codepipeline_request(build))
        self.environment = resources["RetrainOnDriftFunction"]["Properties"]["Environment"]["Variables"]

    def monitor_failed(self, failed_step, now=NOW, pipeline=None, status="Failed") -> dict | None:
        """Route a monitor run's event; if it reaches the function, run it. Its decision, or None."""
        name = pipeline or self.resources["RetrainOnDriftFunction"]["Properties"]["FunctionName"].replace("-drift", "-monitor")
        event = sagemaker_pipeline_execution_event(name, "run1", status)
        delivered = [d for d in self.router.route(event) if d.rule == "DriftRule"]
        if not delivered:
            return None
        assert delivered[0].target_arn.endswith(":function:" + self.resources["RetrainOnDriftFunction"]["Properties"]["FunctionName"])
        sagemaker = boto3.client("sagemaker")
        with Stubber(sagemaker) as stub:
            stub.add_response("list_pipeline_execution_steps", _steps(failed_step),
                              {"PipelineExecutionArn": event["detail"]["pipelineExecutionArn"]})
            return retrain_on_drift.decide(event, sagemaker, self.codepipeline, now, self.environment)

    def builds(self) -> int:
        name = self.resources["ModelBuildPipeline"]["Properties"]["Name"]
        return len(self.codepipeline.list_pipeline_executions(pipelineName=name)["pipelineExecutionSummaries"])


@pytest.fixture
def loop(aws_credentials, resources):
    with mock_aws():
        yield Loop(resources)


def test_drift_starts_exactly_this_projects_model_build_pipeline_once_per_cooldown(loop):
    decision = loop.monitor_failed("DriftDetected")
    assert decision["action"] == "started" and decision["modelBuildPipeline"] == "sagemaker-abalone-p-abc123def456-modelbuild"
    assert "length PSI 2.41" in decision["drift"] and loop.builds() == 1
    # moto stamps the execution with the real clock: the cooldown is measured from it, not from NOW.
    started = datetime.now(timezone.utc)
    again = loop.monitor_failed("DriftDetected", now=started + timedelta(hours=23))
    assert again["action"] == "none" and again["reason"].startswith("cooldown") and loop.builds() == 1
    later = loop.monitor_failed("DriftDetected", now=started + timedelta(hours=25))
    assert later["action"] == "started" and loop.builds() == 2


@pytest.mark.parametrize("failed", ["DriftCheck", None])
def test_a_monitor_run_that_failed_for_another_reason_starts_nothing(loop, failed):
    decision = loop.monitor_failed(failed)
    assert decision["action"] == "none" and "not drift" in decision["reason"] and loop.builds() == 0


def test_other_pipelines_and_other_statuses_never_reach_the_function(loop):
    assert loop.monitor_failed("DriftDetected", pipeline="sagemaker-abalone-p-zzzzzzzzzzzz-monitor") is None
    assert loop.monitor_failed("DriftDetected", pipeline="sagemaker-abalone-p-abc123def456") is None  # the build pipeline
    assert loop.monitor_failed("DriftDetected", status="Succeeded") is None
    assert loop.builds() == 0


def test_a_project_name_with_capitals_still_matches_its_lowercase_pipeline_arn(aws_credentials, rendered):
    resources = _resources(rendered, PATHS[0], SageMakerProjectName="Abalone")
    with mock_aws():
        loop = Loop(resources)
        assert loop.monitor_failed("DriftDetected", pipeline="sagemaker-Abalone-p-abc123def456-monitor")["action"] == "started"


@pytest.mark.parametrize("pipeline_id, state, fires", [
    ("ModelDeployPipeline", "SUCCEEDED", True),
    ("ModelDeployPipeline", "FAILED", False),
    ("ModelBuildPipeline", "SUCCEEDED", False),
])
def test_a_successful_deploy_updates_the_monitor_and_nothing_else_does(aws_credentials, resources, pipeline_id, state, fires):
    with mock_aws():
        router = EventRouter(boto3.client("events"), boto3.client("sqs"), resources)
        event = codepipeline_execution_event(resources[pipeline_id]["Properties"]["Name"], state)
        started = {d.target_arn.rsplit(":", 1)[1] for d in router.route(event) if d.rule == "ProdDeployedRule"}
    assert started == ({resources["DriftMonitorPipeline"]["Properties"]["Name"]} if fires else set())


def test_the_schedule_sends_a_valid_request_for_the_monitor_the_build_upserts(resources):
    text = resources["MonitorSchedule"]["Properties"]["Target"]["Input"]
    request = validated(boto3.client("sagemaker", region_name="us-east-1"),
                        json.loads(text.replace("<aws.scheduler.scheduled-time>", "2026-11-26T04:00:00Z")),
                        "StartPipelineExecution")
    variables = {v["Name"]: v["Value"] for v in
                 resources["DriftMonitorProject"]["Properties"]["Environment"]["EnvironmentVariables"]}
    assert request["PipelineName"] == variables[contract.ENV_PIPELINE_NAME] == "sagemaker-abalone-p-abc123def456-monitor"
    declared = {p["Name"] for p in json.loads(MONITOR_DEFINITION.read_text())["Parameters"]}
    assert {p["Name"] for p in request["PipelineParameters"]} == {"MonitorTime"} <= declared


def test_the_monitor_reads_where_the_deploy_build_points_prods_data_capture(resources):
    build = seed_script("model-deploy", "build.py")
    args = SimpleNamespace(sagemaker_project_name="abalone", sagemaker_project_id="p-abc123def456",
                           model_execution_role="arn:aws:iam::123456789012:role/x",
                           s3_bucket=resources["ArtifactBucket"]["Properties"]["BucketName"])
    prod = build.stage_configuration("prod", {"Parameters": {}, "Tags": {}}, "arn:package", args, {})
    variables = {v["Name"]: v["Value"] for v in
                 resources["DriftMonitorProject"]["Properties"]["Environment"]["EnvironmentVariables"]}
    assert variables[contract.ENV_CAPTURE_URI] == prod["Parameters"]["DataCaptureUploadPath"] + "/"
    assert variables[contract.ENV_PROD_STACK_NAME] == "sagemaker-abalone-p-abc123def456-deploy-prod"


@pytest.mark.parametrize("action, resource, allowed", [
    ("sagemaker:ListPipelineExecutionSteps",
     "arn:aws:sagemaker:us-east-1:123456789012:pipeline/sagemaker-abalone-p-abc123def456-monitor/execution/run1", True),
    ("codepipeline:ListPipelineExecutions", "arn:aws:codepipeline:us-east-1:123456789012:sagemaker-abalone-p-abc123def456-modelbuild", True),
    ("codepipeline:StartPipelineExecution", "arn:aws:codepipeline:us-east-1:123456789012:sagemaker-abalone-p-abc123def456-modelbuild", True),
    ("codepipeline:StartPipelineExecution", "arn:aws:codepipeline:us-east-1:123456789012:sagemaker-abalone-p-abc123def456-modeldeploy", False),
])
def test_the_function_role_allows_the_functions_calls_and_not_a_deploy(role_policies, action, resource, allowed):
    assert evaluate(role_policies["function"], action, resource).allowed is allowed


def test_the_function_in_the_template_is_the_module_the_tests_run(resources):
    function = resources["RetrainOnDriftFunction"]["Properties"]
    assert function["Code"]["ZipFile"] == (REPO_ROOT / "products" / "functions" / "retrain_on_drift.py").read_text()
    assert function["ReservedConcurrentExecutions"] == 1  # two events never pass the cooldown check together
    assert re.fullmatch(r"\d+", str(function["Environment"]["Variables"]["COOLDOWN_HOURS"]))


@pytest.mark.parametrize("monitor, base", [("build-train-deploy-monitor", "build-train-deploy"),
                                           ("build-train-deploy-monitor-git", "build-train-deploy-git")])
def test_a_monitor_product_is_its_flow_plus_the_drift_monitor_and_nothing_else(rendered, monitor, base):
    with_monitor, without = rendered[f"templates/{monitor}.json"], rendered[f"templates/{base}.json"]
    assert {k: v for k, v in with_monitor["Resources"].items() if k in without["Resources"]} == without["Resources"]
    added = {k: v["Type"] for k, v in with_monitor["Resources"].items() if k not in without["Resources"]}
    assert added == {
        "DriftMonitorProject": "AWS::CodeBuild::Project", "DriftMonitorPipeline": "AWS::CodePipeline::Pipeline",
        "ProdDeployedRule": "AWS::Events::Rule", "ProjectScheduleGroup": "AWS::Scheduler::ScheduleGroup",
        "MonitorSchedule": "AWS::Scheduler::Schedule", "RetrainOnDriftFunction": "AWS::Lambda::Function",
        "DriftRule": "AWS::Events::Rule", "RetrainOnDriftPermission": "AWS::Lambda::Permission"}
    assert set(with_monitor["Parameters"]) - set(without["Parameters"]) == {"MonitorScheduleExpression", "RetrainCooldownHours"}
