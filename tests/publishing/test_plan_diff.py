"""What a plan shows under each modified resource: property paths, and IAM policies statement by statement."""

import datetime
import json

import boto3
from botocore.stub import Stubber

from products.publishing.aws import LOCAL_RETRIES, RETRIES, Aws
from products.publishing.diff import property_diff
from products.publishing.stacks import Stacks
from tests.conftest import stubbed

READ = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::sagemaker-*/*"}
WRITE = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::sagemaker-*/*"}


def role(*statements, description="runs jobs"):
    return {"Description": description, "Policies": [{"PolicyName": "p", "PolicyDocument": {
        "Version": "2012-10-17", "Statement": list(statements)}}]}


def one_line(statement):
    return json.dumps(statement, sort_keys=True, separators=(",", ":"))


def test_a_widened_policy_is_one_added_statement():
    assert property_diff(role(READ), role(READ, WRITE)) == [f"Policies[0].PolicyDocument: + {one_line(WRITE)}"]


def test_a_replaced_statement_is_a_removal_and_an_addition():
    assert property_diff(role(READ), role(WRITE)) == [
        f"Policies[0].PolicyDocument: - {one_line(READ)}", f"Policies[0].PolicyDocument: + {one_line(WRITE)}"]


def test_scalar_added_and_removed_properties_by_path():
    before = {"Description": "a", "Tags": [{"Key": "k", "Value": "1"}], "Old": 1}
    after = {"Description": "b", "Tags": [{"Key": "k", "Value": "2"}], "New": True}
    assert property_diff(before, after) == [
        'Description: "a" -> "b"', "New: + true", "Old: - 1", 'Tags[0].Value: "1" -> "2"']


def test_reordered_statements_are_no_change():
    assert property_diff(role(READ, WRITE), role(WRITE, READ)) == []


def test_long_values_are_cut():
    (line,) = property_diff({"Body": "x" * 500}, {"Body": "y" * 500})
    assert line == f'Body: {json.dumps("x" * 500)[:157]}... -> {json.dumps("y" * 500)[:157]}...'


def test_aws_property_values_are_used_when_the_change_set_has_them():
    """moto's change sets carry no BeforeContext/AfterContext, so AWS's shape is stubbed (Stubber checks it)."""
    cfn = boto3.client("cloudformation", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    aws = Aws("us-east-1")
    aws._clients["cloudformation"] = cfn
    arn = "arn:aws:cloudformation:us-east-1:123456789012:changeSet/publish-0123456789abcdef/1"
    change = {"Type": "Resource", "ResourceChange": {
        "Action": "Modify", "LogicalResourceId": "UseRole", "ResourceType": "AWS::IAM::Role", "Replacement": "False",
        "BeforeContext": json.dumps({"Properties": role(READ)}), "AfterContext": json.dumps({"Properties": role(READ, WRITE)}),
    }}
    with Stubber(cfn) as stub:
        stub.add_response("describe_change_set", {"Status": "CREATE_COMPLETE", "Changes": [change], "NextToken": "page2"},
                          {"StackName": "roles", "ChangeSetName": arn, "IncludePropertyValues": True})
        stub.add_response("describe_change_set", {"Status": "CREATE_COMPLETE", "Changes": []},
                          {"StackName": "roles", "ChangeSetName": arn, "IncludePropertyValues": True, "NextToken": "page2"})
        changes = Stacks(aws, lambda *_: None, poll_seconds=0)._wait_for_change_set("roles", arn)
    from products.publishing.stacks import resource_changes

    # The deployed template is deliberately different: the change set's values win.
    (resource,), source = resource_changes(changes, {"Resources": {}}, {"Resources": {}})
    assert source == "change set"
    assert resource.line() == "Modify  UseRole (AWS::IAM::Role)"
    assert resource.details == [f"Policies[0].PolicyDocument: + {one_line(WRITE)}"]


def test_a_loopback_endpoint_is_tried_twice_at_most(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    local = Aws("us-east-1").client("sagemaker")
    assert local.meta.config.retries == LOCAL_RETRIES.retries
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    remote = Aws("us-east-1").client("sagemaker")
    assert remote.meta.config.retries == RETRIES.retries


def test_a_stack_whose_creation_failed_is_planned_as_a_replacement_without_a_change_set():
    """CloudFormation takes no change set on a ROLLBACK_COMPLETE stack: the plan lists the template's resources."""
    aws = Aws("us-east-1")
    cfn = stubbed(aws, "cloudformation")
    cfn.add_response("describe_stacks", {"Stacks": [{
        "StackName": "roles", "CreationTime": datetime.datetime(2026, 1, 1), "StackStatus": "ROLLBACK_COMPLETE"}]},
        {"StackName": "roles"})
    plan = Stacks(aws, lambda *_: None, poll_seconds=0).plan("roles", {"Resources": {
        "UseRole": {"Type": "AWS::IAM::Role", "Properties": {}}, "Bucket": {"Type": "AWS::S3::Bucket"}}})
    cfn.assert_no_pending_responses()
    assert (plan.action, plan.change_set) == ("replace", None)
    assert [c.line() for c in plan.changes] == ["Add     Bucket (AWS::S3::Bucket)", "Add     UseRole (AWS::IAM::Role)"]
