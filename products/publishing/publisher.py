"""Publish, plan and destroy the catalog in one region.

Order: read-only preflight (credentials, principals, launch role), asset bucket, uploads
keyed by content, the roles stack, the portfolio stack, the S3 route. Nothing is written
before the preflight passes, and a plan writes nothing but the change sets it deletes.
"""

import json
from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from products.config import CatalogConfig
from products.publishing.assets import AssetBucket, bucket_name
from products.publishing.aws import Aws, PublishError, error_code, fill_pseudo_parameters
from products.publishing.stacks import Stacks
from products.publishing.versions import with_retained_versions
from products.synth import Artifact

STUDIO_VISIBILITY = {"sagemaker:studio-visibility": "true"}
S3_TEMPLATES_TAG = "sagemaker:projectS3TemplatesLocation"


@dataclass
class Options:
    apply: bool  # False: plan
    targets: tuple[str, ...]
    confirm: object  # (stack, changes) -> bool
    say: object = print
    poll_seconds: float = 5.0
    # IAM is global: the roles stack lives in the first region only (named roles would clash).
    roles_here: bool = True


@dataclass
class RegionResult:
    region: str
    account: str = ""
    bucket: str = ""
    bucket_changes: list[str] = field(default_factory=list)
    uploaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    stacks: list[dict] = field(default_factory=list)
    s3_route: list[str] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        return not (self.bucket_changes or self.uploaded or self.s3_route) and all(
            s["action"] == "up to date" for s in self.stacks
        )

    def as_dict(self) -> dict:
        return {
            "region": self.region, "account": self.account, "bucket": self.bucket,
            "bucket_changes": self.bucket_changes, "uploaded": self.uploaded, "unchanged": self.unchanged,
            "stacks": self.stacks, "s3_route": self.s3_route, "up_to_date": self.up_to_date,
        }


def preflight(aws: Aws, config: CatalogConfig, account: str) -> None:
    """Read-only checks that would otherwise fail halfway through a publish."""
    iam = aws.client("iam")
    partition = aws.session.get_partition_for_region(aws.region)
    getters = {"role": ("get_role", "RoleName"), "user": ("get_user", "UserName"), "group": ("get_group", "GroupName")}
    for index, principal in enumerate(config.portfolio.principals):
        if principal.type != "IAM":
            continue
        arn = fill_pseudo_parameters(principal.arn, account, aws.region, partition)
        arn_account, resource = arn.split(":")[4], arn.split(":", 5)[5]
        if arn_account != account:
            continue  # another account's principal: not ours to look up
        kind, name = resource.split("/", 1)[0], resource.rsplit("/", 1)[-1]
        method, argument = getters[kind]
        try:
            getattr(iam, method)(**{argument: name})
        except ClientError as error:
            if error_code(error) == "NoSuchEntity":
                raise PublishError(f"portfolio.principals[{index}]: {arn} does not exist in account {account}") from None
            raise
    if not config.publish.deploy_roles:
        try:
            iam.get_role(RoleName=config.roles.launch)
        except ClientError as error:
            if error_code(error) == "NoSuchEntity":
                raise PublishError(
                    f"launch role {config.roles.launch} does not exist in account {account}: set publish.deploy_roles "
                    "to true, or create the roles from templates/roles.json"
                ) from None
            raise


def publish_region(aws: Aws, config: CatalogConfig, artifacts: list[Artifact], options: Options) -> RegionResult:
    result = RegionResult(aws.region)
    say = options.say
    result.account = account = aws.account_id()
    preflight(aws, config, account)
    bucket = AssetBucket(aws, bucket_name(config.asset_bucket, account, aws.region), account)
    result.bucket = bucket.name
    with_s3_route = "s3" in options.targets

    if options.apply:
        result.bucket_changes = bucket.ensure(cors=with_s3_route, say=say)
    else:
        result.bucket_changes = bucket.missing_settings(cors=with_s3_route)
    bucket_exists = options.apply or "bucket" not in result.bucket_changes

    for artifact in artifacts:
        if artifact.key is None:
            continue
        if bucket_exists and not bucket.needs_upload(artifact.key, artifact.sha256):
            result.unchanged.append(artifact.key)
            continue
        result.uploaded.append(artifact.key)
        if options.apply:
            say(f"  uploading s3://{bucket.name}/{artifact.key}")
            bucket.upload(artifact.key, artifact)

    stacks = Stacks(aws, say, options.poll_seconds)
    by_kind = {a.kind: a for a in artifacts}
    if "servicecatalog" in options.targets:
        if config.publish.deploy_roles and options.roles_here:
            outcome = stacks.deploy(
                config.publish.roles_stack, json.loads(by_kind["roles"].data),
                apply=options.apply, confirm=options.confirm, capabilities=("CAPABILITY_NAMED_IAM",),
            )
            result.stacks.append(outcome.as_dict())
        portfolio = with_retained_versions(
            json.loads(by_kind["portfolio"].data),
            stacks.deployed_template(config.publish.portfolio_stack),
            config.publish.keep_versions,
        )
        outcome = stacks.deploy(config.publish.portfolio_stack, portfolio, apply=options.apply, confirm=options.confirm)
        result.stacks.append(outcome.as_dict())
    if with_s3_route:
        result.s3_route = publish_s3_route(aws, config, artifacts, bucket, bucket_exists, options)
    return result


def studio_templates_location(config: CatalogConfig, bucket: str) -> str:
    return f"s3://{bucket}/{config.publish.s3_templates_prefix}/"


def publish_s3_route(aws: Aws, config, artifacts, bucket: AssetBucket, bucket_exists: bool, options: Options) -> list[str]:
    """Product templates under the Studio prefix, tagged for Studio, and the domain pointed at them."""
    changes = []
    prefix = config.publish.s3_templates_prefix
    for artifact in artifacts:
        if artifact.kind != "product-template":
            continue
        key = f"{prefix}/{artifact.product}.json"
        if bucket_exists and not bucket.needs_upload(key, artifact.sha256):
            continue
        changes.append(f"upload s3://{bucket.name}/{key}")
        if options.apply:
            options.say(f"  S3 route: uploading s3://{bucket.name}/{key}")
            bucket.upload(key, artifact, tags=STUDIO_VISIBILITY)
    sagemaker = aws.client("sagemaker")
    try:
        domain_arn = sagemaker.describe_domain(DomainId=config.publish.studio_domain_id)["DomainArn"]
    except ClientError as error:
        if error_code(error) in ("ResourceNotFound", "ValidationException"):
            raise PublishError(
                f"publish.studio_domain_id: domain {config.publish.studio_domain_id} not found in {aws.region}"
            ) from None
        raise
    location = studio_templates_location(config, bucket.name)
    tags = {t["Key"]: t["Value"] for t in sagemaker.list_tags(ResourceArn=domain_arn).get("Tags", [])}
    if tags.get(S3_TEMPLATES_TAG) != location:
        changes.append(f"tag domain {config.publish.studio_domain_id} {S3_TEMPLATES_TAG}={location}")
        if options.apply:
            options.say(f"  S3 route: tagging domain {config.publish.studio_domain_id} with {location}")
            sagemaker.add_tags(ResourceArn=domain_arn, Tags=[{"Key": S3_TEMPLATES_TAG, "Value": location}])
    return changes


def destroy_region(aws: Aws, config: CatalogConfig, roles: bool, buckets: bool, say, poll_seconds: float = 5.0) -> list[str]:
    """Remove what publish created here; returns what was removed."""
    removed = []
    account = aws.account_id()
    stacks = Stacks(aws, say, poll_seconds)
    names = [config.publish.portfolio_stack] + ([config.publish.roles_stack] if roles else [])
    for name in names:
        if stacks.delete(name):
            removed.append(f"stack {name}")
    if buckets:
        bucket = AssetBucket(aws, bucket_name(config.asset_bucket, account, aws.region), account)
        if bucket.exists():
            s3 = aws.client("s3")
            for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket.name):
                doomed = [
                    {"Key": v["Key"], "VersionId": v["VersionId"]}
                    for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
                ]
                if doomed:
                    s3.delete_objects(Bucket=bucket.name, Delete={"Objects": doomed, "Quiet": True})
            s3.delete_bucket(Bucket=bucket.name, ExpectedBucketOwner=account)
            removed.append(f"bucket {bucket.name}")
    return removed
