"""Pipeline executions in the embedded emulator run the stored definition (products/local_aws/pipelines.py).

Small definitions of Condition and Fail steps: no step container runs, so these stay fast;
the demo runs the seed pipeline's Processing, Training and RegisterModel steps.
"""

import json
import time

import boto3
import pytest

from products.local_aws.emulator import moto_server

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/pipeline"
DEFINITION = {
    "Version": "2020-12-01",
    "Parameters": [{"Name": "Threshold", "Type": "Float", "DefaultValue": 1.0}],
    "Steps": [{
        "Name": "Check", "Type": "Condition", "Arguments": {
            "Conditions": [{"Type": "LessThanOrEqualTo", "LeftValue": {"Get": "Parameters.Threshold"}, "RightValue": 2}],
            "IfSteps": [],
            "ElseSteps": [{"Name": "TooHigh", "Type": "Fail", "Arguments": {"ErrorMessage": {"Std:Join": {
                "On": " ", "Values": ["threshold", {"Get": "Parameters.Threshold"}, "is above 2"]}}}}],
        }}],
}


@pytest.fixture(scope="module")
def sagemaker():
    with moto_server() as endpoint:
        client = boto3.client("sagemaker", region_name=REGION, endpoint_url=endpoint,
                              aws_access_key_id="test", aws_secret_access_key="test")
        client.create_pipeline(PipelineName="p", PipelineDefinition=json.dumps(DEFINITION), RoleArn=ROLE)
        yield client


def _finished(client, arn):
    for _ in range(600):  # a bound on polls, not on time: each poll is one request
        described = client.describe_pipeline_execution(PipelineExecutionArn=arn)
        if described["PipelineExecutionStatus"] != "Executing":
            return described
        time.sleep(0.05)
    raise AssertionError("the execution never finished")


def test_an_execution_runs_its_definition_and_reports_each_step(sagemaker):
    arn = sagemaker.start_pipeline_execution(PipelineName="p")["PipelineExecutionArn"]
    assert _finished(sagemaker, arn)["PipelineExecutionStatus"] == "Succeeded"
    (step,) = sagemaker.list_pipeline_execution_steps(PipelineExecutionArn=arn)["PipelineExecutionSteps"]
    assert step["StepName"] == "Check" and step["StepStatus"] == "Succeeded"
    assert step["Metadata"] == {"Condition": {"Outcome": "True"}}


def test_parameters_and_fail_steps_reach_the_status_and_reason(sagemaker):
    arn = sagemaker.start_pipeline_execution(
        PipelineName="p", PipelineParameters=[{"Name": "Threshold", "Value": "3.5"}])["PipelineExecutionArn"]
    described = _finished(sagemaker, arn)
    assert described["PipelineExecutionStatus"] == "Failed"
    assert "threshold 3.5 is above 2" in described["FailureReason"]
    ascending = sagemaker.list_pipeline_execution_steps(PipelineExecutionArn=arn, SortOrder="Ascending")
    assert [(s["StepName"], s["StepStatus"]) for s in ascending["PipelineExecutionSteps"]] == [
        ("Check", "Succeeded"), ("TooHigh", "Failed")]
    descending = sagemaker.list_pipeline_execution_steps(PipelineExecutionArn=arn)["PipelineExecutionSteps"]
    assert descending[0]["StepName"] == "TooHigh"  # SageMaker's default order is newest first
    assert descending[0]["FailureReason"] == "threshold 3.5 is above 2"
    assert descending[0]["Metadata"] == {"Fail": {"ErrorMessage": "threshold 3.5 is above 2"}}


def test_a_definition_the_executor_cannot_run_fails_the_execution_with_the_reason(sagemaker):
    bad = {**DEFINITION, "Steps": [{"Name": "Tune", "Type": "Tuning", "Arguments": {}}]}
    sagemaker.create_pipeline(PipelineName="bad", PipelineDefinition=json.dumps(bad), RoleArn=ROLE)
    arn = sagemaker.start_pipeline_execution(PipelineName="bad")["PipelineExecutionArn"]
    described = _finished(sagemaker, arn)
    assert described["PipelineExecutionStatus"] == "Failed"
    assert "step type 'Tuning' cannot run locally" in described["FailureReason"]


def test_steps_of_an_unknown_execution_are_a_validation_error(sagemaker):
    with pytest.raises(sagemaker.exceptions.ClientError, match="does not exist"):
        sagemaker.list_pipeline_execution_steps(
            PipelineExecutionArn="arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/nope")
