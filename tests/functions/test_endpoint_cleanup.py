"""Custom::EndpointCleanup (products/functions/endpoint_cleanup.py): deleting a project deletes
the endpoint stacks its deploy pipeline made, and never hides one that still bills.

CloudFormation's requests are played to the real handler, whose answers arrive over HTTP on
loopback. Deletion runs against moto's CloudFormation; the failure cases use botocore's
Stubber (moto cannot make a stack fail to delete), which still checks every request
against the real API model.
"""

import json

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from products.functions import endpoint_cleanup
from tests.conftest import Answers, Context, client_as

STACKS = ["sagemaker-abalone-p-abc123def456-deploy-staging", "sagemaker-abalone-p-abc123def456-deploy-prod"]
TEMPLATE = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})


def _answers():
    return [received["body"] for received in Answers.received]


def _event(server, request="Delete", roles=("", "")):
    return {
        "RequestType": request,
        "ResponseURL": f"http://127.0.0.1:{server.server_port}/answer?X-Amz-Signature=abc",
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/SC-123456789012-pp-abc/1234",
        "RequestId": "r1", "ResourceType": "Custom::EndpointCleanup", "LogicalResourceId": "EndpointCleanup",
        "PhysicalResourceId": "endpoint-stacks",
        "ResourceProperties": {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:x",
                               "Stacks": [{"StackName": name, "RoleArn": role} for name, role in zip(STACKS, roles)]},
    }


@pytest.fixture
def cloudformation(aws_credentials):
    with mock_aws():
        yield boto3.client("cloudformation", region_name="us-east-1")


def test_deleting_the_project_deletes_both_stage_stacks(answers, cloudformation):
    for name in STACKS:
        cloudformation.create_stack(StackName=name, TemplateBody=TEMPLATE)
    endpoint_cleanup.handler(_event(answers), Context(), lambda role: cloudformation, sleep=lambda _: None)
    (answer,) = _answers()
    assert answer["Status"] == "SUCCESS" and answer["Data"] == {"DeletedStacks": ",".join(STACKS)}
    live = [s["StackName"] for s in cloudformation.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"]
    assert live == []


def test_a_stage_never_deployed_is_skipped(answers, cloudformation):
    cloudformation.create_stack(StackName=STACKS[0], TemplateBody=TEMPLATE)
    endpoint_cleanup.handler(_event(answers), Context(), lambda role: cloudformation, sleep=lambda _: None)
    assert _answers()[0]["Data"] == {"DeletedStacks": STACKS[0]}


@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_create_and_update_touch_nothing(answers, request_type):
    client = boto3.client("cloudformation", region_name="us-east-1")
    with Stubber(client):  # no call expected: any call fails the stubber
        endpoint_cleanup.handler(_event(answers, request_type), Context(), lambda role: client)
    assert _answers()[0]["Status"] == "SUCCESS"


def _stack(name, status, reason=""):
    return {"Stacks": [{"StackName": name, "StackStatus": status, "StackStatusReason": reason,
                        "CreationTime": "2026-11-25T00:00:00Z"}]}


def test_a_stack_that_fails_to_delete_fails_the_termination_naming_it(answers):
    client = boto3.client("cloudformation", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_response("describe_stacks", _stack(STACKS[0], "CREATE_COMPLETE"), {"StackName": STACKS[0]})
        stub.add_response("delete_stack", {}, {"StackName": STACKS[0]})
        stub.add_client_error("describe_stacks", "ValidationError", f"Stack with id {STACKS[1]} does not exist",
                              expected_params={"StackName": STACKS[1]})
        stub.add_response("describe_stacks", _stack(STACKS[0], "DELETE_FAILED", "Endpoint in use"), {"StackName": STACKS[0]})
        endpoint_cleanup.handler(_event(answers), Context(), lambda role: client, sleep=lambda _: None)
    (answer,) = _answers()
    assert answer["Status"] == "FAILED"
    assert f"stack {STACKS[0]} could not be deleted (Endpoint in use)" in answer["Reason"]


def test_a_stack_still_deleting_when_time_runs_out_fails_naming_it(answers):
    client = boto3.client("cloudformation", region_name="us-east-1")
    with Stubber(client) as stub:
        for name in STACKS:
            stub.add_response("describe_stacks", _stack(name, "UPDATE_COMPLETE"), {"StackName": name})
            stub.add_response("delete_stack", {}, {"StackName": name})
        for name in STACKS:
            stub.add_response("describe_stacks", _stack(name, "DELETE_IN_PROGRESS"), {"StackName": name})
        endpoint_cleanup.handler(_event(answers), Context(remaining_seconds=40), lambda role: client, sleep=lambda _: None)
    assert "were still being deleted when time ran out" in _answers()[0]["Reason"]


PROD_ACCOUNT = "333333333333"
PROD_DEPLOY_ROLE = f"arn:aws:iam::{PROD_ACCOUNT}:role/service-role/AmazonSageMakerProjectsDeployRole"


def test_a_stage_in_another_account_is_deleted_through_its_deploy_role(answers, cloudformation):
    """The function's own client factory, against moto: prod's stack lives in the prod account only."""
    cloudformation.create_stack(StackName=STACKS[0], TemplateBody=TEMPLATE)
    prod = client_as(PROD_DEPLOY_ROLE, "cloudformation")
    prod.create_stack(StackName=STACKS[1], TemplateBody=TEMPLATE)
    assert STACKS[1] not in {s["StackName"] for s in cloudformation.describe_stacks()["Stacks"]}
    endpoint_cleanup.handler(_event(answers, roles=("", PROD_DEPLOY_ROLE)), Context(), sleep=lambda _: None)
    (answer,) = _answers()
    assert answer["Status"] == "SUCCESS" and answer["Data"] == {"DeletedStacks": ",".join(STACKS)}
    for client in (cloudformation, prod):
        assert [s["StackName"] for s in client.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"] == []


def test_a_stage_account_that_cannot_be_reached_fails_the_termination_naming_it(answers, cloudformation):
    def refuse(role):
        if role:
            raise cloudformation.exceptions.ClientError(
                {"Error": {"Code": "AccessDenied", "Message": "not authorized to perform sts:AssumeRole"}}, "AssumeRole")
        return cloudformation

    endpoint_cleanup.handler(_event(answers, roles=("", PROD_DEPLOY_ROLE)), Context(), refuse, sleep=lambda _: None)
    (answer,) = _answers()
    assert answer["Status"] == "FAILED"
    assert f"cannot reach stack {STACKS[1]} through {PROD_DEPLOY_ROLE}" in answer["Reason"]
    assert "may still be running" in answer["Reason"]


@pytest.mark.parametrize("request_type", ["Create", "Update", "Delete"])
def test_a_misspelled_stacks_property_fails_every_request(answers, request_type):
    """Caught at Create, the project fails to launch; not at Delete, where the endpoints would keep billing."""
    event = _event(answers, request=request_type)
    event["ResourceProperties"]["Stack"] = event["ResourceProperties"].pop("Stacks")
    endpoint_cleanup.handler(event, Context(), lambda role: pytest.fail("nothing may be deleted"), sleep=lambda _: None)
    (answer,) = _answers()
    assert answer["Status"] == "FAILED" and answer["Reason"].startswith("property Stacks must list")
