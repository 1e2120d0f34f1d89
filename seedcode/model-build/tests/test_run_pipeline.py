"""run-pipeline against moto: upload the data, upsert, start; --wait; bad input."""

import json

import boto3
import pytest
from botocore.stub import Stubber

from abalone_pipeline import cli
from conftest import BUCKET, KWARGS, PIPELINE_ROLE

TAGS = [{"Key": "sagemaker:project-name", "Value": "abalone"}, {"Key": "sagemaker:project-id", "Value": "p-abc123def456"}]


def run(*extra):
    return cli.run_pipeline(["--role-arn", PIPELINE_ROLE, "--tags", json.dumps(TAGS), "--kwargs", json.dumps(KWARGS), *extra])


def test_upserts_and_starts_with_tags_and_uploaded_data(aws, capsys):
    assert run() == 0
    sagemaker = boto3.client("sagemaker")
    pipeline = sagemaker.describe_pipeline(PipelineName=KWARGS["pipeline_name"])
    assert pipeline["RoleArn"] == PIPELINE_ROLE
    definition = json.loads(pipeline["PipelineDefinition"])
    data_url = next(p for p in definition["Parameters"] if p["Name"] == "InputDataUrl")["DefaultValue"]
    assert data_url == f"s3://{BUCKET}/{KWARGS['base_job_prefix']}/input/abalone.data"
    body = boto3.client("s3").get_object(Bucket=BUCKET, Key=data_url.split(BUCKET + "/")[1])["Body"].read()
    assert body.count(b"\n") == 4177
    executions = sagemaker.list_pipeline_executions(PipelineName=KWARGS["pipeline_name"])["PipelineExecutionSummaries"]
    assert len(executions) == 1
    tags = sagemaker.list_tags(ResourceArn=pipeline["PipelineArn"])["Tags"]
    assert {(t["Key"], t["Value"]) for t in TAGS} <= {(t["Key"], t["Value"]) for t in tags}
    assert "started arn:aws:sagemaker" in capsys.readouterr().out


def test_second_run_updates_the_same_pipeline(aws):
    assert run() == 0 and run() == 0
    sagemaker = boto3.client("sagemaker")
    assert len(sagemaker.list_pipelines()["PipelineSummaries"]) == 1
    assert len(sagemaker.list_pipeline_executions(PipelineName=KWARGS["pipeline_name"])["PipelineExecutionSummaries"]) == 2


def test_wait_reports_steps_and_fails_on_a_failed_execution():
    """moto does not implement ListPipelineExecutionSteps, so the polling is stubbed
    (botocore's Stubber still validates every request against the real API model)."""
    client = boto3.client("sagemaker", region_name="us-east-1")
    arn = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/abc"
    lines = []
    with Stubber(client) as stub:
        stub.add_response("describe_pipeline_execution", {"PipelineExecutionStatus": "Executing"}, {"PipelineExecutionArn": arn})
        stub.add_response("list_pipeline_execution_steps", {"PipelineExecutionSteps": [
            {"StepName": "Preprocess", "StepStatus": "Executing"}]}, {"PipelineExecutionArn": arn, "SortOrder": "Ascending"})
        stub.add_response("describe_pipeline_execution", {"PipelineExecutionStatus": "Failed"}, {"PipelineExecutionArn": arn})
        stub.add_response("list_pipeline_execution_steps", {"PipelineExecutionSteps": [
            {"StepName": "Preprocess", "StepStatus": "Succeeded"},
            {"StepName": "Train", "StepStatus": "Failed", "FailureReason": "ClientError: bad data"}]},
            {"PipelineExecutionArn": arn, "SortOrder": "Ascending"})
        status = cli.wait_for(arn, "us-east-1", poll_seconds=0, say=lines.append, client=client)
    assert status == "Failed"
    assert [line.split() for line in lines] == [
        ["Preprocess", "Executing"], ["Preprocess", "Succeeded"], ["Train", "Failed", "(ClientError:", "bad", "data)"],
    ]


def test_a_short_run_is_read_again_within_seconds_and_a_long_one_every_poll_seconds():
    delays = cli.poll_delays(30)
    assert [next(delays) for _ in range(11)] == [1.0, 1.5, 2.25, 3.375, 5.0625, 7.59375, 11.390625, 17.0859375,
                                                 25.62890625, 30, 30]
    assert [next(cli.poll_delays(0))] == [0]


def test_wait_sleeps_the_growing_delays_between_reads():
    client = boto3.client("sagemaker", region_name="us-east-1")
    arn = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/abc"
    slept = []
    with Stubber(client) as stub:
        for status in ("Executing", "Executing", "Succeeded"):
            stub.add_response("describe_pipeline_execution", {"PipelineExecutionStatus": status},
                              {"PipelineExecutionArn": arn})
            stub.add_response("list_pipeline_execution_steps", {"PipelineExecutionSteps": []},
                              {"PipelineExecutionArn": arn, "SortOrder": "Ascending"})
        assert cli.wait_for(arn, "us-east-1", poll_seconds=30, say=print, client=client, sleep=slept.append) == "Succeeded"
    assert slept == [1.0, 1.5]


def test_a_step_that_fails_just_before_the_execution_ends_is_still_shown():
    """The steps are listed after the status is read: a step that failed while the previous listing was
    under way (the execution Failed at the next read) shows, with its reason, before wait_for returns."""
    client = boto3.client("sagemaker", region_name="us-east-1")
    arn = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/abc"
    lines = []
    with Stubber(client) as stub:
        stub.add_response("describe_pipeline_execution", {"PipelineExecutionStatus": "Failed"}, {"PipelineExecutionArn": arn})
        stub.add_response("list_pipeline_execution_steps", {"PipelineExecutionSteps": [
            {"StepName": "BatchTransform", "StepStatus": "Failed", "FailureReason": "AccessDenied"}]},
            {"PipelineExecutionArn": arn, "SortOrder": "Ascending"})
        assert cli.wait_for(arn, "us-east-1", poll_seconds=0, say=lines.append, client=client) == "Failed"
    assert [line.split() for line in lines] == [["BatchTransform", "Failed", "(AccessDenied)"]]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--kwargs", json.dumps({**KWARGS, "colour": "blue"})], "unknown key 'colour'"),
        (["--kwargs", "{not json"], "--kwargs: not valid JSON"),
        (["--kwargs", json.dumps({"region": "us-east-1"})], "--kwargs: missing role"),
        (["--kwargs", json.dumps(KWARGS), "--tags", '[{"Key": "a"}]'], "--tags: expected a list"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_error(aws, capsys, argv, message):
    assert cli.run_pipeline(["--role-arn", PIPELINE_ROLE, *argv]) == 2
    assert message in capsys.readouterr().err
    assert boto3.client("sagemaker").list_pipelines()["PipelineSummaries"] == []


def test_role_is_required_for_a_cloud_run(capsys):
    assert cli.run_pipeline(["--kwargs", json.dumps(KWARGS)]) == 2
    assert "--role-arn is required" in capsys.readouterr().err


def test_get_pipeline_definition_writes_the_file(aws, tmp_path):
    target = tmp_path / "definition.json"
    assert cli.get_pipeline_definition(["--kwargs", json.dumps(KWARGS), "--file-name", str(target)]) == 0
    assert [s["Name"] for s in json.loads(target.read_text())["Steps"]] == ["Preprocess", "DriftBaseline", "Train", "Evaluate", "CheckMSE"]


def test_get_pipeline_definition_offline_needs_no_aws(tmp_path, monkeypatch):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    target = tmp_path / "definition.json"
    assert cli.get_pipeline_definition(["--offline", "--file-name", str(target)]) == 0
    definition = json.loads(target.read_text())
    assert [step["Name"] for step in definition["Steps"]] == ["Preprocess", "DriftBaseline", "Train", "Evaluate", "CheckMSE"]
    code = definition["Steps"][0]["Arguments"]["ProcessingInputs"][-1]["S3Input"]["S3Uri"]
    assert code.startswith("s3://sagemaker-local-run/") and code.endswith("/preprocess.py")
