"""build-train-batch: the schedule, the approval rule and the batch build start exactly this
project's batch pipeline, as the roles allow.

The schedule's target is a universal target: its Input is the StartPipelineExecution request
itself, so it is validated here against botocore's model of that API (moto has no EventBridge
Scheduler that would send it), and its parameters against the seed's batch pipeline definition.
"""

import json
import re
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from products.local_aws.event_shapes import model_package_state_event
from products.blocks import build_contract as contract
from products.local_aws.event_routing import EventRouter
from products.analysis.iam_evaluator import evaluate
from products.publishing.projects import validated
from products.analysis.resolve import resolve
from tests.conftest import REPO_ROOT, SAMPLE_PROJECT, sample_parameters

PATH = "templates/build-train-batch.json"
GROUP = f"{SAMPLE_PROJECT['SageMakerProjectName']}-{SAMPLE_PROJECT['SageMakerProjectId']}"
BATCH_DEFINITION = REPO_ROOT / "seedcode" / "model-build" / "tests" / "golden" / "batch-pipeline-definition.json"
# EventBridge Scheduler's documented context attributes ("Adding context attributes").
CONTEXT_ATTRIBUTES = {"<aws.scheduler.schedule-arn>", "<aws.scheduler.scheduled-time>",
                      "<aws.scheduler.execution-id>", "<aws.scheduler.attempt-number>"}


@pytest.fixture(scope="module")
def resources(rendered):
    return resolve(rendered[PATH], sample_parameters(rendered[PATH])).resources()


def _scheduled_request(resources, scheduled_time="2026-11-26T03:00:00Z") -> dict:
    text = resources["BatchSchedule"]["Properties"]["Target"]["Input"]
    assert set(re.findall(r"<aws\.scheduler\.[a-z-]+>", text)) <= CONTEXT_ATTRIBUTES
    return json.loads(text.replace("<aws.scheduler.scheduled-time>", scheduled_time))


def test_the_schedule_sends_a_valid_request_for_the_pipeline_the_build_upserts(resources):
    request = validated(boto3.client("sagemaker", region_name="us-east-1"), _scheduled_request(resources),
                        "StartPipelineExecution")
    build_variables = {v["Name"]: v["Value"] for v in
                       resources["BatchInferenceProject"]["Properties"]["Environment"]["EnvironmentVariables"]}
    assert request["PipelineName"] == build_variables[contract.ENV_PIPELINE_NAME] == f"sagemaker-{GROUP}-batch"
    declared = {p["Name"] for p in json.loads(BATCH_DEFINITION.read_text())["Parameters"]}
    assert {p["Name"] for p in request["PipelineParameters"]} <= declared
    assert request["PipelineParameters"] == [{"Name": "BatchTime", "Value": "2026-11-26T03:00:00Z"}]


def test_one_firing_has_one_token_so_a_retry_cannot_start_a_second_run(resources):
    first, retry = _scheduled_request(resources), _scheduled_request(resources)
    tomorrow = _scheduled_request(resources, "2026-11-27T03:00:00Z")
    assert first["ClientRequestToken"] == retry["ClientRequestToken"] != tomorrow["ClientRequestToken"]


def test_the_schedules_role_may_start_the_batch_pipeline_and_no_other(resources, role_policies):
    role = resources["BatchSchedule"]["Properties"]["Target"]["RoleArn"]
    assert role.endswith("/AmazonSageMakerServiceCatalogProductsEventsRole")
    pipeline = f"arn:aws:sagemaker:us-east-1:123456789012:pipeline/sagemaker-{GROUP}-batch".lower()
    training = f"arn:aws:sagemaker:us-east-1:123456789012:pipeline/sagemaker-{GROUP}".lower()
    assert evaluate(role_policies["events"], "sagemaker:StartPipelineExecution", pipeline).allowed
    assert not evaluate(role_policies["events"], "sagemaker:StartPipelineExecution", training).allowed


def test_the_schedule_is_a_parameter_with_a_daily_default(rendered, resources):
    parameter = rendered[PATH]["Parameters"]["BatchScheduleExpression"]
    assert parameter["Default"] == "cron(0 3 * * ? *)"
    assert resources["BatchSchedule"]["Properties"]["ScheduleExpression"] == parameter["Default"]
    for good in ("cron(0 3 * * ? *)", "rate(6 hours)", "rate(1 day)"):
        assert re.fullmatch(parameter["AllowedPattern"], good)
    for bad in ("daily", "cron(0 3 * * ? *", "rate(6 weeks)", "at(2026-11-26T03:00:00)"):
        assert not re.fullmatch(parameter["AllowedPattern"], bad)


@pytest.mark.parametrize("event, fires", [
    (model_package_state_event(GROUP, 2, "Approved"), True),
    (model_package_state_event(GROUP, 2, "Rejected"), False),
    (model_package_state_event(GROUP, 2, "PendingManualApproval"), False),
    (model_package_state_event("abalone-p-zzzzzzzzzzzz", 1, "Approved"), False),
    (model_package_state_event(GROUP, 2, "Approved", account="210987654321"), False),
], ids=["approved", "rejected", "pending", "other-group", "other-account"])
def test_only_an_approval_in_the_projects_group_starts_the_batch_build(aws_credentials, resources, event, fires):
    with mock_aws():
        router = EventRouter(boto3.client("events"), boto3.client("sqs"), resources)
        started = {d.target_arn.rsplit(":", 1)[1] for d in router.route(event)}
    assert started == ({resources["BatchInferencePipeline"]["Properties"]["Name"]} if fires else set())


def test_the_batch_build_runs_the_batch_buildspec_from_the_model_build_repo(resources):
    project = resources["BatchInferenceProject"]["Properties"]
    assert project["Source"]["BuildSpec"] == contract.MODEL_BUILD.buildspecs["batch-inference.yml"]
    (source,) = [a for s in resources["BatchInferencePipeline"]["Properties"]["Stages"] if s["Name"] == "Source"
                 for a in s["Actions"]]
    assert source["Configuration"]["RepositoryName"] == resources["ModelBuildRepository"]["Properties"]["RepositoryName"]
    assert Path(REPO_ROOT / "buildspecs" / "batch-inference.yml").read_text().count("run-batch-pipeline") == 1
