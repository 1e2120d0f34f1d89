"""The target-account stack as a service-managed StackSet over organizational units.

moto (in this process, with the emulator's stack-set shim: products/local_aws/emulator.py,
``install_stack_set_targets``) deploys the instances into the accounts of the units, so the roles
are checked in the member accounts' IAM. What moto does not model (CallAs, a failed operation) is
checked with botocore's Stubber against CloudFormation's API model.
"""

import dataclasses
import json

import boto3
import pytest
from moto import mock_aws
from moto.iam.models import iam_backends

from products import PRODUCTS
from products.catalog.config import DEFAULT_CONFIG, ConfigError, TargetStackSet, load_config
from products.local_aws.emulator import install_https_bucket_policies, install_stack_set_targets
from products.publishing.aws import Aws, PublishError
from products.publishing.publisher import target_account_body
from products.publishing.stack_sets import StackSets
from tests.conftest import REPO_ROOT, stubbed
from tests.publishing.test_publish import publish

STACK_SET = "sagemaker-catalog-target-account"
DEPLOY_ROLE = "AmazonSageMakerProjectsDeployRole"
TOOLING = "123456789012"


@pytest.fixture
def organization(aws_credentials):
    """An organization with a workloads OU (staging and prod accounts) and a sandbox OU (a playground account)."""
    install_https_bucket_policies()
    install_stack_set_targets()
    with mock_aws():
        org = boto3.client("organizations")
        org.create_organization(FeatureSet="ALL")
        root = org.list_roots()["Roots"][0]["Id"]
        units = {}
        for unit, names in (("workloads", ("staging", "prod")), ("sandbox", ("playground",))):
            units[unit] = org.create_organizational_unit(ParentId=root, Name=unit)["OrganizationalUnit"]["Id"]
            for name in names:
                account = org.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]["AccountId"]
                org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=units[unit])
                units[name] = account
        yield units


def _with_stack_set(config, *units, call_as="DELEGATED_ADMIN"):
    return dataclasses.replace(config, publish=dataclasses.replace(
        config.publish, target_stack_set=TargetStackSet(tuple(units), call_as)))


def _deploy_role_trust(account: str) -> str:
    role = next(r for r in iam_backends[account]["aws"].roles.values() if r.name == DEPLOY_ROLE)
    return json.dumps(role.assume_role_policy_document)


def test_every_account_of_the_units_gets_the_roles_then_a_republish_writes_nothing(organization, config, artifacts):
    config = _with_stack_set(config, organization["workloads"])
    first, _ = publish(config, artifacts)
    assert first.stack_set_plan.lines() == [
        f"create stack set {STACK_SET} (service-managed, automatic deployment)",
        f"deploy to every account of {organization['workloads']}"]
    assert first.as_dict()["stack_set"]["action"] == "created"
    for name in ("staging", "prod"):
        assert DEPLOY_ROLE in {r.name for r in iam_backends[organization[name]]["aws"].roles.values()}
        assert f"arn:aws:iam::{TOOLING}:root" in _deploy_role_trust(organization[name])  # this account is their tooling account
    assert DEPLOY_ROLE not in {r.name for r in iam_backends[organization["playground"]]["aws"].roles.values()}
    described = boto3.client("cloudformation").describe_stack_set(StackSetName=STACK_SET, CallAs="DELEGATED_ADMIN")["StackSet"]
    assert described["PermissionModel"] == "SERVICE_MANAGED"
    assert described["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}

    second, log = publish(config, artifacts)
    assert second.up_to_date and log.writes == []
    assert second.as_dict()["stack_set"]["action"] == "up to date"
    assert "cloudformation:DescribeStackSet" in log.calls


def test_a_unit_no_longer_listed_loses_its_instances_and_a_new_one_gains_them(organization, config, artifacts):
    publish(_with_stack_set(config, organization["workloads"]), artifacts)
    moved, _ = publish(_with_stack_set(config, organization["sandbox"]), artifacts)
    assert moved.stack_set_plan.lines() == [f"deploy to every account of {organization['sandbox']}",
                                            f"remove the instances of {organization['workloads']} (no longer listed)"]
    assert not moved.stack_set_plan.template_changed
    instances = boto3.client("cloudformation").list_stack_instances(StackSetName=STACK_SET)["Summaries"]
    assert [i["Account"] for i in instances] == [organization["playground"]]


def test_a_changed_template_updates_the_stack_set_and_plans_show_its_resources(organization, config, artifacts):
    config = _with_stack_set(config, organization["workloads"])
    publish(config, artifacts)
    edit = (b'"CloudFormation deploys project endpoints"', b'"CloudFormation deploys project endpoints (edited)"')
    changed = dataclasses.replace(artifacts, target_account=dataclasses.replace(
        artifacts.target_account, data=artifacts.target_account.data.replace(*edit)))
    assert changed != artifacts, "the target-account template describes its CloudFormation role"
    planned, log = publish(config, changed, apply=False)
    plan = planned.stack_set_plan
    assert plan.action == "update" and plan.lines() == [f"update stack set {STACK_SET} and every instance of it"]
    assert [c.line() for c in plan.changes] and all(c.action == "Modify" for c in plan.changes)
    assert any("(edited)" in d for c in plan.changes for d in c.details)
    assert log.writes == []
    applied, _ = publish(config, changed)
    assert applied.as_dict()["stack_set"]["action"] == "updated"
    body = boto3.client("cloudformation").describe_stack_set(StackSetName=STACK_SET)["StackSet"]["TemplateBody"]
    assert "(edited)" in body


def _stack_set_stub():
    aws = Aws("us-east-1")
    return aws, stubbed(aws, "cloudformation")


def test_requests_follow_the_api_model_and_a_failed_operation_names_the_accounts(aws_credentials, config, artifacts):
    aws, cfn = _stack_set_stub()
    template = target_account_body(json.loads(next(a for a in artifacts if a.kind == "target-account").data), TOOLING)
    cfn.add_client_error("describe_stack_set", "StackSetNotFoundException", "StackSet not found", 404,
                         expected_params={"StackSetName": STACK_SET, "CallAs": "SELF"})
    stack_sets = StackSets(aws, say=lambda *_: None, poll_seconds=0)
    plan = stack_sets.plan(STACK_SET, template, ("ou-ab12-cdefgh34",), "SELF")
    cfn.add_response("create_stack_set", {"StackSetId": f"{STACK_SET}:1"})
    cfn.add_response("create_stack_instances", {"OperationId": "op-1"})
    cfn.add_response("describe_stack_set_operation", {"StackSetOperation": {"OperationId": "op-1", "Status": "RUNNING"}})
    cfn.add_response("describe_stack_set_operation", {"StackSetOperation": {"OperationId": "op-1", "Status": "FAILED"}})
    cfn.add_response("list_stack_set_operation_results", {"Summaries": [
        {"Account": "210987654321", "Region": "us-east-1", "Status": "FAILED",
         "StatusReason": "Account 210987654321 should have 'AWSCloudFormationStackSetExecutionRole'"},
        {"Account": "310987654321", "Region": "us-east-1", "Status": "SUCCEEDED"}]})
    with pytest.raises(PublishError, match="op-1 FAILED: 210987654321 us-east-1: Account 210987654321 should have"):
        stack_sets.apply(plan)
    cfn.assert_no_pending_responses()


def test_a_refused_call_as_points_at_the_setting(aws_credentials):
    aws, cfn = _stack_set_stub()
    cfn.add_client_error("describe_stack_set", "ValidationError",
                         "Account 123456789012 is not registered as a delegated administrator", 400)
    with pytest.raises(PublishError, match="call_as is DELEGATED_ADMIN: is this account a registered StackSets delegated"):
        StackSets(aws, say=lambda *_: None).plan(STACK_SET, {"Resources": {}}, (), "DELEGATED_ADMIN")


def test_a_self_managed_stack_set_of_that_name_is_not_taken_over(aws_credentials):
    aws, cfn = _stack_set_stub()
    cfn.add_response("describe_stack_set", {"StackSet": {"StackSetName": STACK_SET, "PermissionModel": "SELF_MANAGED",
                                                         "TemplateBody": "{}"}})
    with pytest.raises(PublishError, match="SELF_MANAGED permissions"):
        StackSets(aws, say=lambda *_: None).plan(STACK_SET, {"Resources": {}}, (), "SELF")


def _config(tmp_path, text: str):
    path = tmp_path / "catalog.yaml"
    path.write_text((REPO_ROOT / "catalog.yaml").read_text().replace(
        "  s3_templates_prefix: studio-templates\n", f"  s3_templates_prefix: studio-templates\n{text}"))
    return load_config(path, PRODUCTS)


def test_the_configuration_names_units_and_who_calls(tmp_path):
    config = _config(tmp_path, "  target_stack_set:\n    organizational_units: [ou-ab12-cdefgh34, r-ab12]\n")
    assert config.publish.target_stack_set == TargetStackSet(("ou-ab12-cdefgh34", "r-ab12"), "DELEGATED_ADMIN")
    assert load_config(DEFAULT_CONFIG, PRODUCTS).publish.target_stack_set is None


@pytest.mark.parametrize("text, field", [
    ("  target_stack_set:\n    organizational_units: [ou-nope]\n", "publish.target_stack_set.organizational_units"),
    ("  target_stack_set:\n    organizational_units: []\n    call_as: ADMIN\n", "publish.target_stack_set.call_as"),
    ("  target_stack_set:\n    units: []\n", "publish.target_stack_set.units"),
])
def test_a_bad_stack_set_setting_names_the_field(tmp_path, text, field):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        _config(tmp_path, text)


def test_nothing_is_created_before_the_answer(organization, config, artifacts):
    planned, log = publish(_with_stack_set(config, organization["workloads"]), artifacts, apply=False)
    assert planned.as_dict()["stack_set"]["action"] == "would create"
    assert not any("StackSet" in call or "StackInstances" in call for call in log.writes)
    assert boto3.client("cloudformation").list_stack_sets()["Summaries"] == []


def test_the_units_accounts_nested_ones_included_are_the_accounts_projects_may_deploy_into(organization, config):
    """Listed at publish time (products/publishing/organization.py): the product templates then allow exactly them
    and the roles may assume exactly their deploy roles; an account joining later is allowed from the next publish."""
    from products.publishing.organization import with_organization_accounts
    from products.render.synth import synthesize

    org = boto3.client("organizations")
    nested = org.create_organizational_unit(ParentId=organization["workloads"], Name="team-a")["OrganizationalUnit"]["Id"]
    root = org.list_roots()["Roots"][0]["Id"]
    joined = org.create_account(AccountName="team-a", Email="team-a@example.com")["CreateAccountStatus"]["AccountId"]
    org.move_account(AccountId=joined, SourceParentId=root, DestinationParentId=nested)
    said = []
    listed = with_organization_accounts(Aws("us-east-1"), _with_stack_set(config, organization["workloads"]), said.append)
    expected = tuple(sorted((organization["staging"], organization["prod"], joined)))
    assert listed.publish.deploy_accounts == expected and organization["playground"] not in expected
    assert said == [f"publish: the stack set's units hold 3 account(s) projects may deploy into: {', '.join(expected)}"]
    catalog = synthesize(listed)
    template = json.loads(catalog.product_templates["build-train-deploy"].data)
    assert template["Parameters"]["StagingAccountId"]["AllowedValues"] == ["", *expected]
    roles = json.loads(catalog.roles.data)["Resources"]["CodepipelineRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    (assume,) = [s for s in roles["Statement"] if s["Action"] == ["sts:AssumeRole"]]
    assert [r["Fn::Sub"].split("iam::")[1][:12] for r in assume["Resource"]] == list(expected)
    assert with_organization_accounts(Aws("us-east-1"), config) is config  # no stack set: nothing is read


def test_a_unit_publish_cannot_list_fails_before_anything_with_one_line(organization, config):
    from products.publishing.organization import with_organization_accounts

    with pytest.raises(PublishError, match="cannot list the accounts of organizational unit ou-zz99-doesnotexist "
                                           r"\(publish.target_stack_set\): .*publish from the management account"):
        with_organization_accounts(Aws("us-east-1"), _with_stack_set(config, "ou-zz99-doesnotexist"))
