"""publish / plan / destroy against moto (S3, CloudFormation, IAM, STS, SageMaker).

moto accepts the portfolio stack but does not create Service Catalog resources from it
(it ignores unsupported resource types); the publisher's side of the contract, the
stacks and templates it deploys, is what these tests check.
"""

import json
import shutil

import boto3
import pytest
from moto import mock_aws

from products import PRODUCTS
from products.publishing.aws import Aws, CallLog, PublishError
from products.publishing.publication import Publication
from products.publishing.publisher import destroy_region
from products.publishing.versions import versions
from products.render.synth import SEEDCODE_DIR, synthesize
from products.local_aws.emulator import install_https_bucket_policies

REGION = "us-east-1"
PORTFOLIO, ROLES = "sagemaker-catalog-portfolio", "sagemaker-catalog-roles"
BUCKET = "sagemaker-catalog-123456789012-us-east-1"
PRODUCT = "BuildTrainDeployProduct"


@pytest.fixture
def aws(aws_credentials):
    install_https_bucket_policies()
    with mock_aws():
        yield


def publish(config, artifacts, apply=True, confirm=lambda plan: True, targets=("servicecatalog",), log=None, inject=None):
    log = log if log is not None else CallLog()
    session = Aws(REGION, log=log)
    if inject is not None:
        for service in ("s3", "cloudformation", "iam", "sts", "sagemaker"):
            session.client(service).meta.events.register("before-call", inject)
    publication = Publication(config, [session], artifacts, targets, say=lambda *_: None, poll_seconds=0)
    publication.run(apply, ask=lambda question: confirm(publication.plans[0]))
    return publication.plans[0], log


def changed_seed_artifacts(config, tmp_path, text="changed"):
    seedcode = tmp_path / f"seedcode-{text}"
    shutil.copytree(SEEDCODE_DIR, seedcode, ignore=shutil.ignore_patterns(".venv", "__pycache__", "*.egg-info", ".pytest_cache"))
    (seedcode / "model-deploy" / "NOTES.md").write_text(text)
    return synthesize(config, seedcode_dir=seedcode)


def state():
    """Everything publish leaves behind, for comparing runs."""
    s3, cfn = boto3.client("s3"), boto3.client("cloudformation")
    buckets = sorted(b["Name"] for b in s3.list_buckets()["Buckets"])
    objects = {}
    for bucket in buckets:
        for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            objects[f"{bucket}/{item['Key']}"] = s3.head_object(Bucket=bucket, Key=item["Key"])["Metadata"]
    stacks = {}
    for summary in cfn.list_stacks()["StackSummaries"]:
        if summary["StackStatus"] == "DELETE_COMPLETE":
            continue
        name = summary["StackName"]
        stacks[name] = (
            summary["StackStatus"],
            json.dumps(cfn.get_template(StackName=name)["TemplateBody"], sort_keys=True),
            [c["ChangeSetName"] for c in cfn.list_change_sets(StackName=name).get("Summaries", [])],
        )
    return {"buckets": buckets, "objects": objects, "stacks": stacks}


def test_first_publish_then_a_no_op_with_zero_writes(aws, config, artifacts):
    first, log = publish(config, artifacts)
    assert [s["action"] for s in first.stacks] == ["created", "created"]
    assert len(first.uploaded) == len([a for a in artifacts if a.key])  # seed zips and product templates
    assert {"bucket", "encryption", "versioning", "public access block", "TLS-only policy"} == set(first.bucket_changes)
    second, log = publish(config, artifacts)
    assert second.up_to_date and log.writes == []
    assert [s["action"] for s in second.stacks] == ["up to date", "up to date"]


def test_changed_products_get_exactly_one_new_version_each_and_keep_the_old(aws, config, artifacts, tmp_path):
    publish(config, artifacts)
    changed = changed_seed_artifacts(config, tmp_path)  # a model-deploy seed change: two products use it
    result, log = publish(config, changed)
    assert [s["action"] for s in result.stacks] == ["up to date", "updated"]
    assert sorted(result.uploaded) == sorted(a.key for a in changed if a.key and a.key not in {b.key for b in artifacts})
    users = [name for name, product in PRODUCTS.items() if "model-deploy" in {r.name for r in product.seed_repos}]
    assert len(result.uploaded) == 1 + len(users) == 7  # the model-deploy seed zip and the product templates that use it
    deployed = versions(json.loads(json.dumps(boto3.client("cloudformation").get_template(StackName=PORTFOLIO)["TemplateBody"])))
    old = {a.product: a.version for a in artifacts if a.kind == "product-template"}
    new = {a.product: a.version for a in changed if a.kind == "product-template"}
    assert deployed[PRODUCT] == [old["build-train-deploy"], new["build-train-deploy"]]
    assert deployed["DeployProduct"] == [old["deploy"], new["deploy"]]
    assert deployed["BuildTrainProduct"] == [old["build-train"]] == [new["build-train"]]
    assert [c for c in log.writes if c.startswith("cloudformation")] == [
        "cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"]


def test_keep_versions_bounds_the_artifacts(aws, config, artifacts, tmp_path):
    import dataclasses

    config = dataclasses.replace(config, publish=dataclasses.replace(config.publish, keep_versions=1))
    publish(config, artifacts)
    for text in ("one", "two", "three"):
        latest = changed_seed_artifacts(config, tmp_path, text)
        publish(config, latest)
    deployed = json.loads(json.dumps(boto3.client("cloudformation").get_template(StackName=PORTFOLIO)["TemplateBody"]))
    names = versions(deployed)[PRODUCT]
    assert len(names) == 2 and names[-1] == next(a.version for a in latest if a.kind == "product-template")


def test_plan_changes_nothing(aws, config, artifacts):
    before = state()
    result, log = publish(config, artifacts, apply=False)
    assert [s["action"] for s in result.stacks] == ["would create", "would create"]
    assert len(result.uploaded) == len([a for a in artifacts if a.key]) and "bucket" in result.bucket_changes
    assert set(log.writes) <= {"cloudformation:CreateChangeSet", "cloudformation:DeleteChangeSet", "cloudformation:DeleteStack"}
    assert state() == before


def test_declined_plan_writes_nothing_but_its_discarded_change_sets(aws, config, artifacts):
    asked = []
    result, log = publish(config, artifacts, confirm=lambda plan: asked.append(plan) or False)
    assert len(asked) == 1  # one question for the whole region
    assert [s["action"] for s in result.stacks] == ["would create", "would create"]
    assert set(log.writes) == {"cloudformation:CreateChangeSet", "cloudformation:DeleteChangeSet", "cloudformation:DeleteStack"}
    assert state() == {"buckets": [], "objects": {}, "stacks": {}}


class InjectedFault(Exception):
    """Raised from a before-call hook: the call never happens and is not retried."""


def _clean_run_calls(config, artifacts):
    with mock_aws():
        _, log = publish(config, artifacts)
        return log.calls


@pytest.fixture(scope="module")
def two_product_catalog(config):
    """The catalog with two of its products. Its publish makes every kind of call the whole catalog's does
    (the bucket and its settings, uploads, both stacks' change sets) in 25 calls rather than 32, and each
    call is cheaper (fewer uploads, a smaller portfolio): the test below, which fails at each call in turn
    and publishes twice more, took 91 s with all nine products and 64-69 s with these two."""
    import dataclasses

    small = dataclasses.replace(config, products=("build-train-deploy", "build-train"))
    return small, synthesize(small)


def test_interrupted_at_any_call_then_rerun_converges_to_a_clean_run(aws_credentials, two_product_catalog):
    """Each run gets its own fresh moto (a nested mock_aws would share state)."""
    config, artifacts = two_product_catalog
    install_https_bucket_policies()
    calls = _clean_run_calls(config, artifacts)
    with mock_aws():
        publish(config, artifacts)
        reference = state()
    assert len(calls) > 20
    for index in range(len(calls)):
        with mock_aws():
            counter = {"n": 0}

            def inject(model, **_):
                counter["n"] += 1
                if counter["n"] == index + 1:
                    raise InjectedFault(f"call {index}: {model.name}")

            with pytest.raises(InjectedFault):
                publish(config, artifacts, inject=inject)
            second, log = publish(config, artifacts)
            assert state() == reference, f"diverged after a failure at call {index} ({calls[index]})"
            third, log = publish(config, artifacts)
            assert third.up_to_date and log.writes == [], f"not converged after a failure at call {index}"


def test_missing_principal_fails_before_any_write(aws, config, artifacts):
    import dataclasses

    from products.catalog.config import Principal

    broken = dataclasses.replace(config, portfolio=dataclasses.replace(
        config.portfolio, principals=(Principal("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/NoSuchRole"),)))
    log = CallLog()
    with pytest.raises(PublishError, match=r"portfolio.principals\[0\]: arn:aws:iam::123456789012:role/NoSuchRole does not exist"):
        publish(broken, artifacts, log=log)
    assert log.writes == [] and state()["buckets"] == []


def test_a_role_made_outside_the_roles_stack_fails_its_first_publish_before_any_write(aws, config, artifacts):
    """SageMaker's console makes roles of the standard names when project templates are enabled there; the roles
    stack would fail on the first of them after the question. Once the stack exists, its roles are its own."""
    boto3.client("iam").create_role(RoleName=config.roles.use, AssumeRolePolicyDocument="{}", Path="/service-role/")
    log = CallLog()
    with pytest.raises(PublishError, match="role AmazonSageMakerServiceCatalogProductsUseRole already exists in "
                                           "account 123456789012, outside the roles stack sagemaker-catalog-roles"):
        publish(config, artifacts, log=log)
    assert log.writes == [] and state()["buckets"] == []


def test_missing_launch_role_fails_before_any_write(aws, config, artifacts):
    import dataclasses

    no_roles = dataclasses.replace(config, publish=dataclasses.replace(config.publish, deploy_roles=False))
    log = CallLog()
    with pytest.raises(PublishError, match="launch role AmazonSageMakerServiceCatalogProductsLaunchRole does not exist"):
        publish(no_roles, artifacts, log=log)
    assert log.writes == []
    boto3.client("iam").create_role(RoleName=config.roles.launch, AssumeRolePolicyDocument="{}", Path="/service-role/")
    result, _ = publish(no_roles, artifacts)
    assert [s["stack"] for s in result.stacks] == [PORTFOLIO]


def test_s3_route_tags_templates_and_the_domain(aws, config, artifacts):
    import dataclasses

    sagemaker = boto3.client("sagemaker")
    domain = sagemaker.create_domain(
        DomainName="studio", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": "arn:aws:iam::123456789012:role/x"},
        SubnetIds=["subnet-1"], VpcId="vpc-1", Tags=[],
    )
    domain_id = domain["DomainArn"].rsplit("/", 1)[1]
    s3_config = dataclasses.replace(config, publish=dataclasses.replace(config.publish, targets=("s3",), studio_domain_id=domain_id))
    result, _ = publish(s3_config, artifacts, targets=("s3",))
    assert [s["stack"] for s in result.stacks] == [ROLES]  # the products' roles serve both routes
    assert "CORS for Studio" in result.bucket_changes
    s3 = boto3.client("s3")
    tags = s3.get_object_tagging(Bucket=BUCKET, Key="studio-templates/build-train-deploy.yaml")["TagSet"]
    assert {"Key": "sagemaker:studio-visibility", "Value": "true"} in tags
    assert s3.get_bucket_cors(Bucket=BUCKET)["CORSRules"][0]["AllowedOrigins"] == ["https://*.sagemaker.aws"]
    domain_tags = sagemaker.list_tags(ResourceArn=domain["DomainArn"])["Tags"]
    assert {"Key": "sagemaker:projectS3TemplatesLocation", "Value": f"s3://{BUCKET}/studio-templates/"} in domain_tags
    again, log = publish(s3_config, artifacts, targets=("s3",))
    assert again.up_to_date and log.writes == []


def test_destroy_with_buckets_removes_the_domain_tag_pointing_at_them_only(aws, config, artifacts):
    import dataclasses

    sagemaker = boto3.client("sagemaker")
    domains = [sagemaker.create_domain(
        DomainName=name, AuthMode="IAM", DefaultUserSettings={"ExecutionRole": "arn:aws:iam::123456789012:role/x"},
        SubnetIds=["subnet-1"], VpcId="vpc-1", Tags=[])["DomainArn"] for name in ("studio", "other")]
    ours, other = (arn.rsplit("/", 1)[1] for arn in domains)
    s3_config = dataclasses.replace(config, publish=dataclasses.replace(config.publish, targets=("s3",), studio_domain_id=ours))
    publish(s3_config, artifacts, targets=("s3",))
    sagemaker.add_tags(ResourceArn=domains[1], Tags=[{"Key": "sagemaker:projectS3TemplatesLocation", "Value": "s3://elsewhere/"}])
    destroy = lambda domain_id: destroy_region(  # noqa: E731
        Aws(REGION), s3_config, roles=True, buckets=True, say=lambda *_: None, poll_seconds=0, domain_id=domain_id)
    removed = destroy(ours)
    assert removed[-2:] == [f"tag sagemaker:projectS3TemplatesLocation of domain {ours}", f"bucket {BUCKET}"]
    assert destroy(other) == []  # its tag points elsewhere: not ours to remove
    assert sagemaker.list_tags(ResourceArn=domains[0])["Tags"] == []
    assert sagemaker.list_tags(ResourceArn=domains[1])["Tags"] == [
        {"Key": "sagemaker:projectS3TemplatesLocation", "Value": "s3://elsewhere/"}]


def test_destroy_removes_stacks_and_buckets(aws, config, artifacts):
    publish(config, artifacts)
    removed = destroy_region(Aws(REGION), config, roles=True, buckets=True, say=lambda *_: None, poll_seconds=0)
    assert removed == [f"stack {PORTFOLIO}", f"stack {ROLES}", f"bucket {BUCKET}"]
    assert state() == {"buckets": [], "objects": {}, "stacks": {}}


def test_missing_credentials_is_one_clear_error(monkeypatch, tmp_path, config, artifacts):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(PublishError, match="no AWS credentials found"):
        publish(config, artifacts)


def test_each_configured_region_gets_its_own_bucket_and_portfolio_and_iam_roles_once(aws, config, artifacts):
    regions = ("us-east-1", "eu-west-1")
    publication = Publication(config, [Aws(region) for region in regions], artifacts, ("servicecatalog",),
                              say=lambda *_: None, poll_seconds=0).run(apply=True, ask=lambda question: True)
    for index, (region, result) in enumerate(zip(regions, publication.plans, strict=True)):
        assert result.bucket == f"sagemaker-catalog-123456789012-{region}"
        assert [s["stack"] for s in result.stacks] == ([ROLES] if index == 0 else []) + [PORTFOLIO]
    assert boto3.client("s3").get_bucket_location(Bucket="sagemaker-catalog-123456789012-eu-west-1")["LocationConstraint"] == "eu-west-1"


def test_a_failed_deployment_names_the_failed_resources():
    """moto cannot make a stack fail, so CloudFormation's side is stubbed (Stubber checks the API shapes)."""
    import datetime

    from botocore.stub import Stubber

    from products.publishing.stacks import Stacks

    session = Aws(REGION)
    cfn = boto3.client("cloudformation", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    session._clients["cloudformation"] = cfn
    now = datetime.datetime.now(datetime.timezone.utc)
    event = lambda i, resource, status, reason=None: {  # noqa: E731
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1", "EventId": str(i), "StackName": "s",
        "LogicalResourceId": resource, "ResourceStatus": status, "Timestamp": now,
        **({"ResourceStatusReason": reason} if reason else {}),
    }
    lines = []
    with Stubber(cfn) as stub:
        stub.add_response("describe_stack_events", {"StackEvents": [
            event(3, "s", "UPDATE_ROLLBACK_COMPLETE"),
            event(2, "BuildTrainDeployProduct", "UPDATE_FAILED", "Access denied for s3:GetObject on the template"),
            event(1, "s", "UPDATE_IN_PROGRESS"),
        ]}, {"StackName": "s"})
        stub.add_response("describe_stacks", {"Stacks": [{"StackName": "s", "CreationTime": now, "StackStatus": "UPDATE_ROLLBACK_COMPLETE"}]}, {"StackName": "s"})
        with pytest.raises(PublishError, match="s: UPDATE_ROLLBACK_COMPLETE; failed resources: BuildTrainDeployProduct: Access denied"):
            Stacks(session, lines.append, poll_seconds=0)._wait("s", now)
    assert lines[1] == "  s: BuildTrainDeployProduct UPDATE_FAILED (Access denied for s3:GetObject on the template)"


def test_an_unknown_region_is_one_clear_error_before_any_call():
    log = CallLog()
    with pytest.raises(PublishError, match="unknown region 'xx-nowhere-9'"):
        Aws("xx-nowhere-9", log=log)
    assert log.calls == []
