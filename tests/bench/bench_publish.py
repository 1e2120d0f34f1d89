"""Measure publishing against moto_server on 127.0.0.1: wall time and AWS call counts of a
first publish, a no-op re-publish, a one-product change (the build-train product's
template description edited, so only that template and the portfolio change) and a seed-code change
(model-deploy, used by two products); then, in a fresh emulator with a Studio domain, the S3 route
alone (--target s3): first publish, no-op, and the checks `verify --target s3` makes; then, in a
fresh moto, publish.target_accounts with two accounts (the target-account stack through an
assumed role in each) and publish.target_stack_set over one OU: first publish, then the no-op with
one OU portfolio share added (Service Catalog's reads stubbed: moto has none); and a member
account's copy on the S3 route (publish.member_accounts): first and no-op.
Run: .venv/bin/python tests/bench/bench_publish.py
"""

import os
import shutil
import sys
from dataclasses import replace
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from products import PRODUCTS  # noqa: E402
from products.catalog.config import DEFAULT_CONFIG, load_config  # noqa: E402
from products.local_aws.emulator import moto_server  # noqa: E402
from products.publishing.aws import Aws, CallLog  # noqa: E402
from products.publishing.publisher import Options  # noqa: E402
from tests.conftest import published  # noqa: E402
from products.render.synth import SEEDCODE_DIR, synthesize  # noqa: E402


def edited(template):
    template.set_description(template.description + " (edited)")
    return template


def main() -> int:
    with moto_server() as endpoint:
        os.environ.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing",
                          AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
        config = load_config(DEFAULT_CONFIG, PRODUCTS)
        with tempfile.TemporaryDirectory() as tmp:
            seedcode = Path(tmp) / "seedcode"
            shutil.copytree(SEEDCODE_DIR, seedcode, ignore=shutil.ignore_patterns(".venv", "__pycache__", "*.egg-info"))
            runs = [("first publish", synthesize(config, seedcode_dir=seedcode)),
                    ("no-op re-publish", synthesize(config, seedcode_dir=seedcode))]
            original = PRODUCTS["build-train"]
            PRODUCTS["build-train"] = replace(original, build=lambda settings: edited(original.build(settings)))
            runs.append(("one-product change", synthesize(config, seedcode_dir=seedcode)))
            PRODUCTS["build-train"] = original
            (seedcode / "model-deploy" / "NOTES.md").write_text("a change")
            runs.append(("seed-code change", synthesize(config, seedcode_dir=seedcode)))
            for name, artifacts in runs:
                log = CallLog()
                started = time.perf_counter()
                result = published(config, artifacts, Aws("us-east-1", log=log))
                seconds = time.perf_counter() - started
                actions = ", ".join(f"{s['stack']} {s['action']}" for s in result.stacks)
                print(f"{name:<20} {seconds:6.2f}s  {len(log.calls):3d} calls, {len(log.writes):2d} writes  "
                      f"({len(result.uploaded)} uploads; {actions})")
    s3_route(load_config(DEFAULT_CONFIG, PRODUCTS))
    target_accounts(load_config(DEFAULT_CONFIG, PRODUCTS))
    return 0


def target_accounts(config) -> None:
    """Two target accounts (stacks through assumed roles), the target-account stack set over one OU, and one OU
    portfolio share; then a member account's copy of the catalog on the S3 route."""
    import boto3
    from moto import mock_aws

    from products.catalog.config import MemberAccount, TargetAccount, TargetStackSet
    from products.local_aws.emulator import install_https_bucket_policies, install_stack_set_targets
    from products.publishing import publisher
    from products.publishing.publisher import plan_member_account
    from tests.conftest import client_as

    targets = tuple(TargetAccount(a, f"arn:aws:iam::{a}:role/OrganizationAccountAccessRole")
                    for a in ("222222222222", "333333333333"))
    # moto in this process, not the emulator: the emulator authorizes assumed-role requests against the role's
    # policies, and the target accounts' OrganizationAccountAccessRole (which AWS Organizations creates) is not
    # in its IAM. The publisher's calls are the same either way.
    os.environ.pop("AWS_ENDPOINT_URL", None)
    install_https_bucket_policies()  # as the emulator does: the bucket's TLS-only policy, as over HTTPS
    install_stack_set_targets()  # as the emulator does: DescribeStackSet returns the units deployed to
    with mock_aws():
        unit = _organization_unit_with_two_accounts(boto3.client("organizations"))
        config = replace(config, publish=replace(config.publish, target_accounts=targets,
                                                 target_stack_set=TargetStackSet((unit,))))
        artifacts = synthesize(config)
        shared = replace(config, portfolio=replace(config.portfolio, share_with=(("ORGANIZATIONAL_UNIT", unit),)))
        for name, run_config in (("first publish, 2 target accounts + stack set over 1 OU", config),
                                 ("no-op, the same + 1 OU portfolio share", shared)):
            log = CallLog()
            aws = Aws("us-east-1", log=log)
            if run_config is shared:
                _stub_existing_share(aws, log, unit, publisher)
            started = time.perf_counter()
            result = published(run_config, artifacts, aws)
            seconds = time.perf_counter() - started
            actions = ", ".join(f"{s.get('account', 'tooling')} {s['stack']} {s['action']}" for s in result.stacks)
            print(f"{name:<56} {seconds:6.2f}s  {len(log.calls):3d} calls, {len(log.writes):2d} writes  "
                  f"({actions}; stack set {result.stack_set_action}; {len(result.share_changes)} share changes)")

        member = "444455556666"
        role = f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole"
        sagemaker = client_as(role, "sagemaker")
        domain_arn = sagemaker.create_domain(
            DomainName="studio", AuthMode="IAM", SubnetIds=["subnet-1"], VpcId="vpc-1", Tags=[],
            DefaultUserSettings={"ExecutionRole": f"arn:aws:iam::{member}:role/service-role/AmazonSageMaker-ExecutionRole-x"},
        )["DomainArn"]
        s3_config = replace(config, publish=replace(config.publish, targets=("s3",), target_accounts=(),
                                                    target_stack_set=None))
        for name in ("member account S3 route, first", "member account S3 route, no-op"):
            log = CallLog()
            options = Options(apply=True, targets=("s3",), say=lambda *_: None, poll_seconds=0)
            started = time.perf_counter()
            plan = plan_member_account(Aws("us-east-1", log=log), MemberAccount(member, domain_arn.rsplit("/", 1)[1], role),
                                       s3_config, synthesize(s3_config), options)
            try:
                if not plan.up_to_date:
                    publisher.apply_region(plan, lambda *_: None)
            finally:
                publisher.discard_region(plan)
            print(f"{name:<56} {time.perf_counter() - started:6.2f}s  {len(log.calls):3d} calls, {len(log.writes):2d} writes")


def _organization_unit_with_two_accounts(organizations) -> str:
    organizations.create_organization(FeatureSet="ALL")
    root = organizations.list_roots()["Roots"][0]["Id"]
    unit = organizations.create_organizational_unit(ParentId=root, Name="workloads")["OrganizationalUnit"]["Id"]
    for name in ("staging", "prod"):
        account = organizations.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]["AccountId"]
        organizations.move_account(AccountId=account, SourceParentId=root, DestinationParentId=unit)
    return unit


def _stub_existing_share(aws, log, unit, publisher) -> None:
    """Stand-ins, named: moto has no Service Catalog. Its reads are answered by botocore's Stubber (checked against
    the API model) with the OU share in place, and the portfolio stack's PortfolioId output, which moto's
    CloudFormation cannot produce, is read for real (one DescribeStacks) then filled in."""
    import boto3
    from botocore.stub import Stubber

    client = boto3.client("servicecatalog", region_name="us-east-1")
    # Counted like the publisher's own clients; at parameter build, since the Stubber answers at before-call.
    client.meta.events.register("before-parameter-build.servicecatalog", log.record)
    stub = Stubber(client)
    for share_type in ("ORGANIZATION", "ORGANIZATIONAL_UNIT", "ACCOUNT"):
        details = [{"PrincipalId": unit, "Type": share_type, "SharePrincipals": True}] if share_type == "ORGANIZATIONAL_UNIT" else []
        stub.add_response("describe_portfolio_shares", {"PortfolioShareDetails": details},
                          {"PortfolioId": "port-emulated00001", "Type": share_type})
    stub.activate()
    aws._clients["servicecatalog"] = client
    real = publisher._portfolio_id
    publisher._portfolio_id = lambda aws, config: real(aws, config) or "port-emulated00001"


def s3_route(config) -> None:
    import boto3

    from products.publishing.doctor import verify_region

    with moto_server() as endpoint:
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        domain = boto3.client("sagemaker").create_domain(
            DomainName="studio", AuthMode="IAM", SubnetIds=["subnet-1"], VpcId="vpc-1", Tags=[],
            DefaultUserSettings={"ExecutionRole": "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-x"})
        domain_id = domain["DomainArn"].rsplit("/", 1)[1]
        s3_config = replace(config, publish=replace(config.publish, targets=("s3",), studio_domain_id=domain_id))
        artifacts = synthesize(s3_config)
        for name in ("S3 route first", "S3 route no-op"):
            log = CallLog()
            started = time.perf_counter()
            result = published(s3_config, artifacts, Aws("us-east-1", log=log), targets=("s3",))
            print(f"{name:<20} {time.perf_counter() - started:6.2f}s  {len(log.calls):3d} calls, {len(log.writes):2d} writes  "
                  f"({len(result.uploaded)} uploads, {len(result.s3_route)} S3-route changes)")
        checks = verify_region(Aws("us-east-1"), s3_config, ("s3",), domain_id)
        counts = {status: sum(c.status == status for c in checks) for status in ("pass", "fail", "not checked")}
        print(f"verify --target s3   {len(checks)} checks: {counts['pass']} pass, {counts['fail']} fail, "
              f"{counts['not checked']} not checked (the emulator lacks the APIs)")


if __name__ == "__main__":
    sys.exit(main())
