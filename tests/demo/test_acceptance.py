"""`publish.py accept` against the local AWS: the same code an adopter runs against a sandbox account, pointed at
the emulator's endpoint (AWS_ENDPOINT_URL), with a Studio domain there as a sandbox account has one.

What it must do there: refuse without an explicit answer, where the catalog is already published, or without one
Studio domain, changing nothing; run the whole flow and leave nothing behind; and leave nothing behind either
when a step fails or Ctrl-C stops it.
"""

import io
import json
from dataclasses import replace

import boto3
import pytest

import publish
from products.catalog.config import MemberAccount, Principal, TargetAccount
from products.demo import acceptance
from products.demo.scenarios import Step
from products.local_aws.emulator import moto_server
from tests.local_aws.studio import inventory

REGION = "us-east-1"
SANDBOX = {"AWS_ACCESS_KEY_ID": "sandbox", "AWS_SECRET_ACCESS_KEY": "sandbox", "AWS_DEFAULT_REGION": REGION}


@pytest.fixture
def sandbox(monkeypatch):
    """An emulated sandbox account with a Studio domain; an admin session of it."""
    with moto_server() as endpoint:
        for key, value in {**SANDBOX, "AWS_ENDPOINT_URL": endpoint}.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        admin = boto3.Session(region_name=REGION)
        admin.client("sagemaker").create_domain(
            DomainName="sandbox", AuthMode="IAM", SubnetIds=["subnet-1"], VpcId="vpc-1", Tags=[],
            DefaultUserSettings={"ExecutionRole": "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-x"})
        yield admin


def everything(admin: boto3.Session) -> dict:
    """What the run could leave: the inventory of projects' resources, and buckets, roles, policies, groups."""
    iam, sagemaker = admin.client("iam"), admin.client("sagemaker")
    return {
        **inventory(admin),
        "buckets": {b["Name"] for b in admin.client("s3").list_buckets()["Buckets"]},
        "roles": {r["RoleName"] for r in iam.list_roles()["Roles"]},
        "policies": {p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]},
        "model package groups": {g["ModelPackageGroupName"] for g in
                                 sagemaker.list_model_package_groups()["ModelPackageGroupSummaryList"]},
        "domain tags": {t["Key"] for t in sagemaker.list_tags(ResourceArn=sagemaker.list_domains()["Domains"][0][
            "DomainArn"])["Tags"]},
    }


def accept(*flags) -> int:
    return publish.main(["accept", "--poll-seconds", "0.2", *flags])


def test_without_an_answer_it_creates_nothing(sandbox, monkeypatch, capsys):
    before = everything(sandbox)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no terminal, nothing piped
    assert accept() == publish.EXIT_DECLINED
    said = capsys.readouterr().out
    assert "Rough cost: $" in said and "project accept-" in said and "[y/N]" in said
    assert "not confirmed; nothing created" in said
    assert everything(sandbox) == before


def test_where_the_catalog_is_published_it_refuses(sandbox, capsys):
    sandbox.client("cloudformation").create_stack(StackName="sagemaker-catalog-roles", TemplateBody=json.dumps(
        {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}))
    before = everything(sandbox)
    assert accept("--yes") == publish.EXIT_FAILED
    assert "stack sagemaker-catalog-roles already exists" in capsys.readouterr().err
    assert everything(sandbox) == before


def test_where_studio_made_the_standard_project_roles_it_refuses(sandbox, capsys):
    sandbox.client("iam").create_role(RoleName="AmazonSageMakerServiceCatalogProductsLaunchRole",
                                      Path="/service-role/", AssumeRolePolicyDocument="{}")
    before = everything(sandbox)
    assert accept("--yes") == publish.EXIT_FAILED
    err = capsys.readouterr().err
    assert "role AmazonSageMakerServiceCatalogProductsLaunchRole already exists" in err and "nothing changed" in err
    assert everything(sandbox) == before


def test_without_a_single_studio_domain_it_asks_for_one(sandbox, capsys):
    sandbox.client("sagemaker").create_domain(
        DomainName="second", AuthMode="IAM", SubnetIds=["subnet-1"], VpcId="vpc-1", Tags=[],
        DefaultUserSettings={"ExecutionRole": "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-x"})
    assert accept("--yes") == publish.EXIT_FAILED
    err = capsys.readouterr().err
    assert "2 Studio domains" in err and "pass --domain-id" in err and "nothing changed" in err


@pytest.mark.slow
def test_it_runs_the_flow_and_leaves_nothing(sandbox, capsys):
    before = everything(sandbox)
    assert accept("--yes", "--output", "json") == publish.EXIT_OK
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["result"] == "passed" and report["left"] == []
    assert [step["title"] for step in report["steps"]] == [step.title for step in acceptance.acceptance_steps()]
    assert round(report["mse"], 4) == 5.3420
    assert "staging endpoint accept-" in captured.err and "answers: rings" in captured.err
    assert everything(sandbox) == before


def _stopped_by(error):
    """The run's steps up to the projects' creation, then ``error`` raised by the next step."""
    def stop(demo):
        raise error
    steps = acceptance.acceptance_steps()[:2] + (Step("a step that is stopped", stop),)
    return lambda: steps


@pytest.mark.slow
@pytest.mark.parametrize("error, code, said", [
    (KeyboardInterrupt(), publish.EXIT_INTERRUPTED, "interrupted"),
    (RuntimeError("the pipeline broke"), publish.EXIT_FAILED, "failed at step 3 (a step that is stopped)"),
])
def test_a_run_stopped_after_creating_projects_still_leaves_nothing(sandbox, monkeypatch, capsys, error, code, said):
    before = everything(sandbox)
    monkeypatch.setattr(acceptance, "acceptance_steps", _stopped_by(error))
    assert accept("--yes") == code
    out = capsys.readouterr().out
    assert f"accept: {said}; everything it created is deleted" in out
    assert "deleted project accept-" in out
    assert everything(sandbox) == before


def test_the_person_is_named_by_the_portfolios_principal_pattern(config):
    assert acceptance.person_role_arn(config, "aws", "123456789012", "abc123") == (
        "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-acceptance-abc123")
    exact = replace(config, portfolio=replace(config.portfolio, principals=(
        Principal("arn:aws:iam::123456789012:role/service-role/OneStudioRole"),)))
    with pytest.raises(acceptance.Refused, match="a role pattern ending in"):
        acceptance.person_role_arn(exact, "aws", "123456789012", "abc123")


def test_it_publishes_into_this_account_only(config):
    spread = replace(config, publish=replace(config.publish, member_accounts=(MemberAccount("210987654321", "d-x", "arn:aws:iam::210987654321:role/R"),),
                                             target_accounts=(TargetAccount("310987654321", "arn:aws:iam::310987654321:role/R"),)),
                     portfolio=replace(config.portfolio, share_with=(("ACCOUNT", "410987654321"),)))
    published = acceptance.this_account_only(spread, "d-sandbox")
    assert (published.publish.member_accounts, published.publish.target_accounts, published.portfolio.share_with,
            published.publish.target_stack_set) == ((), (), None, None)
    assert published.publish.targets == ("servicecatalog", "s3") and published.publish.studio_domain_id == "d-sandbox"


@pytest.mark.slow
def test_a_project_that_will_not_go_keeps_the_catalog_that_deletes_it_and_says_so(sandbox, monkeypatch, capsys):
    """Deleting the roles stack under a project would leave nothing able to delete the project."""
    monkeypatch.setattr(acceptance, "acceptance_steps", _stopped_by(RuntimeError("the pipeline broke")))

    def refuse(demo):
        raise RuntimeError("DeleteProject refused")
    monkeypatch.setattr(acceptance.project_steps, "delete_created_projects", refuse)
    assert accept("--yes") == publish.EXIT_FAILED
    out = capsys.readouterr().out
    assert "the projects (RuntimeError: DeleteProject refused)" in out
    assert "the catalog's roles stack (kept while a project exists" in out
    stacks = {s["StackName"] for s in sandbox.client("cloudformation").describe_stacks()["Stacks"]}
    assert {"sagemaker-catalog-roles", "sagemaker-catalog-portfolio"} <= stacks
