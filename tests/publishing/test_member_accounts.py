"""Member accounts (publish.member_accounts): each gets a copy of the catalog, through the role publish
assumes there: its own asset bucket with the templates and seed code, its roles stack, its portfolio
and, on the S3 route, its Studio domain's tag (moto, in this process, keeps accounts apart by the
assumed role's credentials)."""

import dataclasses

import boto3
import pytest
from moto import mock_aws

from products import PRODUCTS
from products.catalog.config import ConfigError, MemberAccount, load_config
from products.local_aws.emulator import install_https_bucket_policies
from products.publishing.aws import Aws, BadInput, CallLog, PublishError
from products.publishing.publisher import Options, plan_member_account
from tests.conftest import REPO_ROOT, client_as, published

MEMBER, TOOLING, REGION = "444455556666", "123456789012", "us-east-1"
ROLE = f"arn:aws:iam::{MEMBER}:role/OrganizationAccountAccessRole"
TEMPLATES_TAG = "sagemaker:projectS3TemplatesLocation"


@pytest.fixture
def aws(aws_credentials):
    install_https_bucket_policies()
    with mock_aws():
        yield


def _in_member(service: str):
    return client_as(ROLE, service, REGION)


def _domain(sagemaker, account: str) -> tuple[str, str]:
    arn = sagemaker.create_domain(
        DomainName="studio", AuthMode="IAM", SubnetIds=["subnet-1"], VpcId="vpc-1", Tags=[],
        DefaultUserSettings={"ExecutionRole": f"arn:aws:iam::{account}:role/x"})["DomainArn"]
    return arn.rsplit("/", 1)[1], arn


def _publish_member(config, artifacts, member, apply=True, targets=("s3",)):
    """As `publish.py publish` plans and applies a member account (one region)."""
    log = CallLog()
    options = Options(apply=apply, targets=targets, say=lambda *_: None, poll_seconds=0)
    plan = plan_member_account(Aws(REGION, log=log), member, config, artifacts, options)
    from products.publishing.publisher import apply_region, discard_region

    try:
        if apply and not plan.up_to_date:
            apply_region(plan, lambda *_: None)
    finally:
        discard_region(plan)
    return plan, log


def test_a_member_account_gets_the_s3_route_of_its_own_then_a_republish_writes_nothing(aws, config, artifacts):
    domain_id, domain_arn = _domain(_in_member("sagemaker"), MEMBER)
    member = MemberAccount(MEMBER, domain_id, ROLE)
    plan, _ = _publish_member(config, artifacts, member)
    assert plan.member and plan.account == MEMBER and plan.label == f"{REGION} (member account {MEMBER})"
    bucket = f"sagemaker-catalog-{MEMBER}-{REGION}"
    assert plan.as_dict()["stacks"] == [{**plan.as_dict()["stacks"][0], "stack": "sagemaker-catalog-roles", "action": "created"}]
    member_s3 = _in_member("s3")
    tags = member_s3.get_object_tagging(Bucket=bucket, Key="studio-templates/build-train-deploy.yaml")["TagSet"]
    assert {"Key": "sagemaker:studio-visibility", "Value": "true"} in tags
    seed_keys = {a.key for a in artifacts if a.kind == "seed-code"}
    assert seed_keys <= {o["Key"] for o in member_s3.list_objects_v2(Bucket=bucket)["Contents"]}  # what its projects read
    assert {"Key": TEMPLATES_TAG, "Value": f"s3://{bucket}/studio-templates/"} in _in_member("sagemaker").list_tags(
        ResourceArn=domain_arn)["Tags"]
    assert _in_member("iam").get_role(RoleName=config.roles.s3_launch)["Role"]["Arn"].split(":")[4] == MEMBER
    assert f"sagemaker-catalog-{TOOLING}-{REGION}" not in {b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]}
    assert plan.target_plans == [] and plan.stack_set_plan is None  # the tooling account's, not planned from here

    again, log = _publish_member(config, artifacts, member)
    assert again.up_to_date and log.writes == []


def test_the_tooling_account_then_its_member_each_tag_their_own_domain(aws, config, artifacts):
    tooling_domain, tooling_arn = _domain(boto3.client("sagemaker", region_name=REGION), TOOLING)
    member_domain, member_arn = _domain(_in_member("sagemaker"), MEMBER)
    s3_config = dataclasses.replace(config, publish=dataclasses.replace(
        config.publish, targets=("s3",), studio_domain_id=tooling_domain,
        member_accounts=(MemberAccount(MEMBER, member_domain, ROLE),)))
    tooling_only = dataclasses.replace(s3_config, publish=dataclasses.replace(s3_config.publish, member_accounts=()))
    published(tooling_only, artifacts, Aws(REGION), targets=("s3",))
    _publish_member(s3_config, artifacts, s3_config.publish.member_accounts[0])
    tooling_tags = boto3.client("sagemaker", region_name=REGION).list_tags(ResourceArn=tooling_arn)["Tags"]
    member_tags = _in_member("sagemaker").list_tags(ResourceArn=member_arn)["Tags"]
    assert tooling_tags == [{"Key": TEMPLATES_TAG, "Value": f"s3://sagemaker-catalog-{TOOLING}-{REGION}/studio-templates/"}]
    assert member_tags == [{"Key": TEMPLATES_TAG, "Value": f"s3://sagemaker-catalog-{MEMBER}-{REGION}/studio-templates/"}]


def test_a_missing_member_domain_stops_the_plan_naming_it(aws, config, artifacts):
    with pytest.raises(PublishError, match="Studio domain d-nosuchdomain1 not found"):
        _publish_member(config, artifacts, MemberAccount(MEMBER, "d-nosuchdomain1", ROLE), apply=False)


def test_credentials_of_another_account_are_refused(aws, config, artifacts):
    wrong = MemberAccount("777788889999", "d-abcdefghijkl", ROLE)  # the role is MEMBER's
    with pytest.raises(PublishError, match=f"gave credentials of account {MEMBER}, not 777788889999"):
        _publish_member(config, artifacts, wrong, apply=False)


def test_a_member_account_gets_a_portfolio_of_its_own_and_shares_stay_the_tooling_accounts(aws, config, artifacts):
    shared = dataclasses.replace(config, portfolio=dataclasses.replace(config.portfolio, share_with=()))
    member = MemberAccount(MEMBER, "", ROLE)
    plan, _ = _publish_member(shared, artifacts, member, targets=("servicecatalog",))
    assert [(s["stack"], s["action"]) for s in plan.stacks] == [
        ("sagemaker-catalog-roles", "created"), ("sagemaker-catalog-portfolio", "created")]
    assert plan.share_changes == []  # shares are made from the tooling account only
    stacks = {s["StackName"] for s in _in_member("cloudformation").describe_stacks()["Stacks"]}
    assert stacks == {"sagemaker-catalog-roles", "sagemaker-catalog-portfolio"}
    with pytest.raises(BadInput, match=f"account {MEMBER} has no studio_domain_id, which the s3 target needs"):
        _publish_member(config, artifacts, member)


def _config(tmp_path, text: str, targets: str = "[servicecatalog]"):
    base = (REPO_ROOT / "catalog.yaml").read_text().replace(
        '  targets: [servicecatalog]\n  studio_domain_id: ""\n', f"  targets: {targets}\n  studio_domain_id: d-abcdefghijkl\n")
    path = tmp_path / "catalog.yaml"
    path.write_text(base.replace("  s3_templates_prefix: studio-templates\n", f"  s3_templates_prefix: studio-templates\n{text}"))
    return load_config(path, PRODUCTS)


MEMBER_ENTRY = f"  member_accounts:\n    - account: '{MEMBER}'\n"


def test_the_configuration_reads_member_accounts_with_their_domains(tmp_path):
    config = _config(tmp_path, MEMBER_ENTRY + "      studio_domain_id: d-membersdomain\n", targets="[servicecatalog, s3]")
    assert config.publish.member_accounts == (MemberAccount(MEMBER, "d-membersdomain", ROLE),)
    assert _config(tmp_path, MEMBER_ENTRY).publish.member_accounts == (MemberAccount(MEMBER, "", ROLE),)  # no S3 route


@pytest.mark.parametrize("text, targets, field", [
    (MEMBER_ENTRY, "[s3]", "publish.member_accounts[0].studio_domain_id"),  # the S3 route tags the member's domain
    (MEMBER_ENTRY + "      studio_domain_id: studio\n", "[servicecatalog]", "publish.member_accounts[0].studio_domain_id"),
    (MEMBER_ENTRY + "      role: arn:aws:iam::111122223333:role/x\n", "[servicecatalog]", "publish.member_accounts[0].role"),
])
def test_a_bad_member_account_names_the_field(tmp_path, text, targets, field):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.").replace("[", r"\[").replace("]", r"\]")):
        _config(tmp_path, text, targets)


@pytest.mark.slow  # about 35 s: three runs of publish.py, two accounts each
def test_publish_py_plans_applies_and_destroys_member_accounts_with_the_tooling_account(aws, tmp_path, capsys):
    import publish as cli

    domain_id, member_arn = _domain(_in_member("sagemaker"), MEMBER)
    config = _config(tmp_path, MEMBER_ENTRY + f"      studio_domain_id: {domain_id}\n", targets="[s3]")
    tooling_domain, _ = _domain(boto3.client("sagemaker", region_name=REGION), TOOLING)
    args = ["--config", str(config.path), "--domain-id", tooling_domain, "--poll-seconds", "0"]
    assert cli.main(["plan", *args, "--detailed-exitcode"]) == 4
    shown = capsys.readouterr()
    assert f"{REGION} (member account {MEMBER}):" in shown.out + shown.err
    assert cli.main(["publish", *args, "--yes"]) == 0
    shown = capsys.readouterr()
    assert f"{REGION} (member account {MEMBER}): published:" in shown.out + shown.err
    assert cli.main(["plan", *args, "--detailed-exitcode"]) == 0  # both accounts up to date

    assert cli.main(["destroy", "--config", str(config.path), "--domain-id", tooling_domain, "--poll-seconds", "0",
                     "--roles", "--buckets", "--yes"]) == 0
    shown = capsys.readouterr()
    assert f"{REGION} (member account {MEMBER}): removed " in shown.out + shown.err
    assert _in_member("cloudformation").describe_stacks()["Stacks"] == []
    assert f"sagemaker-catalog-{MEMBER}-{REGION}" not in {b["Name"] for b in _in_member("s3").list_buckets()["Buckets"]}
    assert _in_member("sagemaker").list_tags(ResourceArn=member_arn)["Tags"] == []  # it pointed at the bucket now gone
