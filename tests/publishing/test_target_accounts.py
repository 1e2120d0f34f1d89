"""publish into target accounts: the target-account stack, through the role publish assumes in each
(moto keeps accounts apart by the credentials of an assumed role), shown in the plan, then a no-op."""

import dataclasses

import boto3
import pytest

from moto import mock_aws

from products.catalog.config import TargetAccount
from products.local_aws.emulator import install_https_bucket_policies
from products.publishing.aws import PublishError
from tests.conftest import client_as
from tests.publishing.test_publish import ROLES, publish

STAGING, PROD = "222222222222", "333333333333"
STACK = "sagemaker-catalog-target-account"


@pytest.fixture
def aws(aws_credentials):
    install_https_bucket_policies()
    with mock_aws():
        yield


def _with_targets(config, *accounts, role="OrganizationAccountAccessRole"):
    targets = tuple(TargetAccount(a, f"arn:aws:iam::{a}:role/{role}") for a in accounts)
    return dataclasses.replace(config, publish=dataclasses.replace(config.publish, target_accounts=targets))


def _in_account(account: str, service: str):
    return client_as(f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", service)


def test_each_target_account_gets_the_stack_with_this_account_as_its_tooling_account_then_nothing(aws, config, artifacts):
    config = _with_targets(config, STAGING, PROD)
    first, _ = publish(config, artifacts)
    targets = [s for s in first.stacks if s.get("account")]
    assert [(s["account"], s["stack"], s["action"]) for s in targets] == [
        (STAGING, STACK, "created"), (PROD, STACK, "created")]
    assert first.totals()["add"] >= 6  # three roles in each account, with the tooling account's own stacks
    for account in (STAGING, PROD):
        role = _in_account(account, "iam").get_role(RoleName="AmazonSageMakerProjectsDeployRole")["Role"]
        assert role["Arn"] == f"arn:aws:iam::{account}:role/service-role/AmazonSageMakerProjectsDeployRole"
        (stack,) = _in_account(account, "cloudformation").describe_stacks(StackName=STACK)["Stacks"]
        assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]} == {"ToolingAccountId": "123456789012"}
    assert STACK not in {s["StackName"] for s in boto3.client("cloudformation").describe_stacks()["Stacks"]}
    second, log = publish(config, artifacts)
    assert second.up_to_date and log.writes == []
    assert [s["action"] for s in second.stacks if s.get("account")] == ["up to date", "up to date"]


def test_the_plan_shows_the_target_stacks_and_writes_nothing_there(aws, config, artifacts):
    planned, _ = publish(_with_targets(config, PROD), artifacts, apply=False)
    (target,) = [s for s in planned.stacks if s.get("account")]
    assert target["action"] == "would create" and not planned.up_to_date
    assert [c.line() for c in planned.target_plans[0].stack_plan.changes if "DeployRole" in c.line()]
    with pytest.raises(Exception):
        _in_account(PROD, "cloudformation").describe_stacks(StackName=STACK)  # the change set's stack is discarded


def test_a_role_that_cannot_be_assumed_fails_naming_it_and_leaves_nothing_behind(aws, config, artifacts):
    def refuse(model, **_):
        if model.name == "AssumeRole":  # as IAM answers a role whose trust policy does not name this account
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not authorized to perform sts:AssumeRole"}},
                              "AssumeRole")

    with pytest.raises(PublishError, match=f"cannot assume arn:aws:iam::{PROD}:role/OrganizationAccountAccessRole"):
        publish(_with_targets(config, PROD), artifacts, inject=refuse)
    assert ROLES not in {s["StackName"] for s in boto3.client("cloudformation").describe_stacks()["Stacks"]}
