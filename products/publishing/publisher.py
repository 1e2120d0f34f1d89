"""Publish, plan and destroy the catalog in one region, in two halves: plan, then apply.

``plan_region`` reads everything (credentials, principals, launch role, bucket settings,
stored artifacts, each stack's change set, the Studio domain's tag) and writes nothing but
the change sets it needs to compute stack changes. ``apply_region`` then does exactly what
the plan lists, in order: bucket settings, uploads, the roles stack, the portfolio stack
(never after a failed roles stack), the S3 route. ``discard_region`` deletes whatever
change sets the plan still holds; callers run it in ``finally``, so a declined, failed or
interrupted publish leaves nothing of its plan behind.
"""

import contextlib
import json
import signal
from dataclasses import dataclass, field, replace

from botocore.exceptions import ClientError

from products import PRODUCTS
from products.blocks.iam import ROLE_FIELDS
from products.catalog.config import CatalogConfig
from products.publishing.assets import AssetBucket, bucket_name, delete_bucket, studio_template_key
from products.publishing.aws import Aws, BadInput, PublishError, assumed, error_code, fill_pseudo_parameters
from products.publishing import shares
from products.publishing.stack_sets import StackSetPlan, StackSets
from products.publishing.stacks import ACTION_COUNTS, StackPlan, Stacks, describe_stack, stack_outputs
from products.publishing.retirement import Retirement, deprecate, kept, plan_retirements
from products.publishing.versions import retiring, with_retained_versions
from products.render.synth import Artifact, RenderedCatalog

STUDIO_VISIBILITY = {"sagemaker:studio-visibility": "true"}
S3_TEMPLATES_TAG = "sagemaker:projectS3TemplatesLocation"


@dataclass
class Options:
    apply: bool  # False: plan only
    targets: tuple[str, ...]
    say: object = print
    poll_seconds: float = 5.0
    # IAM is global: the roles stack lives in the first region only (named roles would clash).
    roles_here: bool = True
    # Another region's plan in this run deploys the roles stack, so the launch role need not exist yet.
    roles_planned_elsewhere: bool = False
    domain_id: str = ""  # overrides publish.studio_domain_id
    # A member account (publish.member_accounts): a copy of the catalog of its own; the tooling account's
    # target-account stacks, stack set and portfolio shares are not planned from there.
    member: bool = False


@dataclass
class Upload:
    key: str
    artifact: Artifact
    tags: dict | None = None  # the S3 route's copies are tagged for Studio


@dataclass
class DomainTag:
    domain_id: str
    domain_arn: str
    location: str


@dataclass
class RegionPlan:
    """Everything a publish would do in one region, and, once applied, what it did."""

    aws: Aws
    stacker: Stacks
    account: str
    asset_bucket: AssetBucket
    bucket_changes: list[str] = field(default_factory=list)
    uploads: list[Upload] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    stack_plans: list[StackPlan] = field(default_factory=list)
    route_uploads: list[Upload] = field(default_factory=list)
    route_removals: list[str] = field(default_factory=list)  # keys of catalog templates Studio must no longer offer
    domain_tag: DomainTag | None = None
    share_changes: list = field(default_factory=list)  # shares.ShareChange, made after the portfolio stack
    retirements: list[Retirement] = field(default_factory=list)  # versions beyond keep_versions, and their fate
    target_plans: list["TargetPlan"] = field(default_factory=list)  # the target-account stack in each target account
    stack_set_plan: StackSetPlan | None = None  # the target-account stack over organizational units
    outcomes: dict[str, str] = field(default_factory=dict)  # stack key -> "created"/"updated", as applied
    config: CatalogConfig | None = None
    member: bool = False  # a member account's copy of the catalog (publish.member_accounts)
    applied: list[str] = field(default_factory=list)  # what apply_region did, in order

    @property
    def region(self) -> str:
        return self.aws.region

    @property
    def label(self) -> str:
        """The region, and the account for a member account's plan."""
        return f"{self.region} (member account {self.account})" if self.member else self.region

    @property
    def s3_route(self) -> list[str]:
        lines = [f"upload s3://{self.bucket}/{u.key} tagged sagemaker:studio-visibility=true" for u in self.route_uploads]
        lines += [f"remove s3://{self.bucket}/{key} (not a template this catalog offers now)" for key in self.route_removals]
        if self.domain_tag:
            lines.append(f"tag domain {self.domain_tag.domain_id} {S3_TEMPLATES_TAG}={self.domain_tag.location}")
        return lines

    @property
    def bucket(self) -> str:
        return self.asset_bucket.name

    @property
    def uploaded(self) -> list[str]:
        return [u.key for u in self.uploads]

    @property
    def up_to_date(self) -> bool:
        deprecating = any(r.action == "deprecate" for r in self.retirements)
        return not (self.bucket_changes or self.uploads or self.s3_route or self.share_changes or deprecating) and not any(
            p.pending for p in [*self.stack_plans, *(t.stack_plan for t in self.target_plans),
                                *([self.stack_set_plan] if self.stack_set_plan else [])])

    def totals(self) -> dict[str, int]:
        counts = {"add": 0, "change": 0, "remove": 0}
        stack_set = [self.stack_set_plan] if self.stack_set_plan and self.stack_set_plan.template_changed else []
        for stack_plan in [*self.stack_plans, *(t.stack_plan for t in self.target_plans), *stack_set]:
            for change in stack_plan.changes:
                counts[ACTION_COUNTS.get(change.action, "change")] += 1
        counts.update(bucket_settings=len(self.bucket_changes), uploads=len(self.uploads), s3_route=len(self.s3_route),
                      shares=len(self.share_changes),
                      deprecations=sum(r.action == "deprecate" for r in self.retirements),
                      stack_set_steps=len(self.stack_set_plan.lines()) if self.stack_set_plan else 0)
        return counts

    def stack_action(self, stack_plan: StackPlan | StackSetPlan, key: str | None = None) -> str:
        """What happened to the stack (``key`` in ``outcomes``, default its name), or what would."""
        key = key or stack_plan.stack
        if key in self.outcomes:
            return self.outcomes[key]
        return "up to date" if not stack_plan.pending else f"would {stack_plan.action}"

    @property
    def stacks(self) -> list[dict]:
        return [{**p.as_dict(), "action": self.stack_action(p)} for p in self.stack_plans] + [
            {**t.stack_plan.as_dict(), "account": t.account, "action": self.stack_action(t.stack_plan, t.key)}
            for t in self.target_plans]

    @property
    def stack_set_action(self) -> str:
        return self.stack_action(self.stack_set_plan, self.stack_set_plan.key)

    def as_dict(self) -> dict:
        return {
            "region": self.region, "account": self.account, "member": self.member, "bucket": self.bucket,
            "bucket_changes": self.bucket_changes, "uploaded": self.uploaded, "unchanged": self.unchanged,
            "stacks": self.stacks, "s3_route": self.s3_route,
            "stack_set": self.stack_set_plan and {**self.stack_set_plan.as_dict(), "action": self.stack_set_action}, "shares": [c.line() for c in self.share_changes],
            "versions_retiring": [r.as_dict() for r in self.retirements],
            "totals": self.totals(),
            "up_to_date": self.up_to_date, "applied": self.applied,
        }


def preflight(aws: Aws, config: CatalogConfig, account: str, launch_roles: list[str]) -> None:
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
    for role in launch_roles:
        try:
            iam.get_role(RoleName=role)
        except ClientError as error:
            if error_code(error) == "NoSuchEntity":
                raise PublishError(
                    f"launch role {role} does not exist in account {account}: set publish.deploy_roles "
                    "to true, or create the roles from templates/roles.json"
                ) from None
            raise


def refuse_roles_made_elsewhere(aws: Aws, config: CatalogConfig, account: str) -> None:
    """Before the roles stack's first creation: a role of its names that already exists would fail the stack after
    the question. SageMaker's console makes roles of the standard names when project templates are enabled there."""
    stack = describe_stack(aws.client("cloudformation"), config.publish.roles_stack)
    if stack is not None and stack["StackStatus"] != "DELETE_COMPLETE":
        return  # the stack exists: its roles are its own
    iam = aws.client("iam")
    for field_name in ROLE_FIELDS:
        name = getattr(config.roles, field_name)
        try:
            iam.get_role(RoleName=name)
        except ClientError as error:
            if error_code(error) == "NoSuchEntity":
                continue
            raise
        raise PublishError(
            f"role {name} already exists in account {account}, outside the roles stack {config.publish.roles_stack} "
            f"that would create it: use the existing roles (publish.deploy_roles: false) or give the catalog's roles "
            f"other names (roles.{field_name} in {config.path})")


@dataclass
class TargetPlan:
    """The target-account stack in one account projects deploy into, planned through the role publish assumes there."""

    account: str
    stacker: Stacks
    stack_plan: StackPlan

    @property
    def key(self) -> str:
        """Its key in ``RegionPlan.outcomes``: the stack's name is the same in every target account."""
        return f"{self.account}/{self.stack_plan.stack}"


def target_account_body(template: dict, account: str) -> dict:
    """The target-account template for projects of ``account``, the account publishing: their tooling account."""
    body = json.loads(json.dumps(template))
    body["Parameters"]["ToolingAccountId"]["Default"] = account
    return body


def _plan_target_accounts(aws: Aws, config: CatalogConfig, template: dict, account: str, say, poll_seconds) -> list:
    """The target-account stack in each configured account (IAM is global: planned in the first region only)."""
    plans = []
    for target in config.publish.target_accounts:
        target_aws = assumed(aws, target.role, account=target.account)
        stacker = Stacks(target_aws, say, poll_seconds)
        plans.append(TargetPlan(target.account, stacker, stacker.plan(
            config.publish.target_account_stack, target_account_body(template, account), capabilities=("CAPABILITY_NAMED_IAM",))))
    return plans


def plan_region(aws: Aws, config: CatalogConfig, catalog: RenderedCatalog, options: Options) -> RegionPlan:
    """Read what is there and compute every change; writes only change sets (held by the plan)."""
    account = aws.account_id()
    # The roles serve the products on both routes; only their launch roles differ.
    roles_here = config.publish.deploy_roles and options.roles_here
    launch_roles = [] if roles_here or options.roles_planned_elsewhere else [
        role for route, role in (("servicecatalog", config.roles.launch), ("s3", config.roles.s3_launch))
        if route in options.targets]
    preflight(aws, config, account, launch_roles)
    with_s3_route = "s3" in options.targets
    domain_id = options.domain_id or config.publish.studio_domain_id
    domain_arn = _domain_arn(aws, domain_id) if with_s3_route else ""
    bucket = AssetBucket(aws, bucket_name(config.asset_bucket, account, aws.region), account)
    plan = RegionPlan(aws, Stacks(aws, options.say, options.poll_seconds), account, bucket, config=config,
                      member=options.member)
    plan.bucket_changes = bucket.missing_settings(cors=with_s3_route)
    bucket_exists = "bucket" not in plan.bucket_changes

    for artifact in catalog.uploads:
        if bucket_exists and not bucket.needs_upload(artifact.key, artifact.sha256):
            plan.unchanged.append(artifact.key)
        else:
            plan.uploads.append(Upload(artifact.key, artifact))
    if roles_here:
        refuse_roles_made_elsewhere(aws, config, account)
    try:
        if roles_here:
            plan.stack_plans.append(plan.stacker.plan(
                config.publish.roles_stack, json.loads(catalog.roles.data), capabilities=("CAPABILITY_NAMED_IAM",)))
        tooling = options.roles_here and not options.member  # the target accounts' roles trust this account
        target_template = json.loads(catalog.target_account.data)
        if tooling and config.publish.target_accounts:
            plan.target_plans = _plan_target_accounts(aws, config, target_template, account,
                                                      options.say, options.poll_seconds)
        stack_set = config.publish.target_stack_set
        if tooling and stack_set is not None:
            plan.stack_set_plan = StackSets(aws, options.say, options.poll_seconds).plan(
                config.publish.target_account_stack, target_account_body(target_template, account),
                stack_set.organizational_units, stack_set.call_as)
        if "servicecatalog" in options.targets:
            plan.stack_plans.append(plan.stacker.plan(config.publish.portfolio_stack,
                                                      _portfolio_template(plan, config, catalog)))
            if config.portfolio.share_with is not None and not options.member:
                plan.share_changes = _plan_shares(aws, config)
        if with_s3_route:
            _plan_s3_route(plan, config, catalog, bucket_exists, domain_id, domain_arn)
    except BaseException:
        discard_region(plan)
        raise
    return plan


def _portfolio_template(plan: "RegionPlan", config: CatalogConfig, catalog: RenderedCatalog) -> dict:
    """The portfolio as rendered, with the earlier versions it keeps listing: the last ``keep_versions``, and the
    retiring ones still being deprecated or run by a project (``plan.retirements``)."""
    fresh = json.loads(catalog.portfolio.data)
    deployed = plan.stacker.deployed_template(config.publish.portfolio_stack)
    shared = bool(config.portfolio.share_with) and not plan.member  # only this account's portfolio is shared
    plan.retirements = plan_retirements(plan.aws, config, fresh, retiring(fresh, deployed, config.publish.keep_versions),
                                        shared)
    return with_retained_versions(fresh, deployed, config.publish.keep_versions, kept(plan.retirements))


def plan_member_account(aws: Aws, member, config: CatalogConfig, catalog: RenderedCatalog, options: Options) -> RegionPlan:
    """The catalog in a member account (``publish.member_accounts``), through the role publish assumes there.

    A project reads its seed code from ``assets.bucket`` and runs under the launch role, both resolved
    in the account it is created in; Studio reads a domain's S3-route templates from the location the
    domain's tag names. So a member account gets a copy of what the tooling account has, on the same
    routes: its own asset bucket, its roles stack (first region), its portfolio, its domain's tag.
    """
    if "s3" in options.targets and not member.studio_domain_id:
        raise BadInput(f"publish.member_accounts: account {member.account} has no studio_domain_id, which the s3 target needs")
    member_aws = assumed(aws, member.role, account=member.account)
    return plan_region(member_aws, config, catalog, replace(
        options, domain_id=member.studio_domain_id, member=True))


def _portfolio_id(aws: Aws, config: CatalogConfig) -> str | None:
    return (stack_outputs(aws.client("cloudformation"), config.publish.portfolio_stack) or {}).get("PortfolioId")


def _plan_shares(aws: Aws, config: CatalogConfig) -> list:
    """What makes the portfolio's shares the configured set (all of it, for a portfolio not created yet)."""
    portfolio_id = _portfolio_id(aws, config)
    current = shares.existing(aws.client("servicecatalog"), portfolio_id) if portfolio_id else {}
    return shares.changes(shares.wanted(config.portfolio.share_with), current)


def _apply_shares(plan: "RegionPlan", config: CatalogConfig, say, poll_seconds: float) -> None:
    portfolio_id = _portfolio_id(plan.aws, config)
    if not portfolio_id:
        raise PublishError(f"{config.publish.portfolio_stack} has no PortfolioId output: the portfolio cannot be shared")
    for change in plan.share_changes:
        shares.apply(plan.aws.client("servicecatalog"), portfolio_id, change, say, poll_seconds)
        plan.applied.append(f"{plan.region}: portfolio {change.line()}")


def _domain_arn(aws: Aws, domain_id: str) -> str:
    try:
        return aws.client("sagemaker").describe_domain(DomainId=domain_id)["DomainArn"]
    except ClientError as error:
        if error_code(error) in ("ResourceNotFound", "ValidationException"):
            raise PublishError(
                f"Studio domain {domain_id} not found in {aws.region} (publish.studio_domain_id or --domain-id)"
            ) from None
        raise


def studio_templates_location(config: CatalogConfig, bucket: str) -> str:
    return f"s3://{bucket}/{config.publish.s3_templates_prefix}/"


def domain_templates_location(sagemaker, domain_arn: str) -> str | None:
    """Where the domain's tag points Studio for S3-route templates (None: the domain has no such tag)."""
    return {t["Key"]: t["Value"] for t in sagemaker.list_tags(ResourceArn=domain_arn).get("Tags", [])}.get(S3_TEMPLATES_TAG)


def _plan_s3_route(plan: RegionPlan, config, catalog: RenderedCatalog, bucket_exists: bool, domain_id: str,
                   domain_arn: str) -> None:
    """Product templates (YAML) under the Studio prefix, tagged for Studio, and the domain pointed at them.

    Copies of this catalog's products that are no longer offered (a disabled product, or the JSON
    copies earlier versions published) are removed; other objects under the prefix are left alone."""
    wanted = set()
    for product, artifact in catalog.studio_templates.items():
        key = studio_template_key(config, product)
        wanted.add(key)
        if not bucket_exists or plan.asset_bucket.needs_upload(key, artifact.sha256):
            plan.route_uploads.append(Upload(key, artifact, STUDIO_VISIBILITY))
    if bucket_exists:
        ours = {f"{config.publish.s3_templates_prefix}/{name}{suffix}" for name in PRODUCTS for suffix in (".json", ".yaml")}
        plan.route_removals = sorted(key for key in plan.asset_bucket.keys(f"{config.publish.s3_templates_prefix}/")
                                     if key in ours and key not in wanted)
    location = studio_templates_location(config, plan.bucket)
    if domain_templates_location(plan.aws.client("sagemaker"), domain_arn) != location:
        plan.domain_tag = DomainTag(domain_id, domain_arn, location)


def apply_region(plan: RegionPlan, say) -> None:
    """Do what the plan lists, in order, recording each step in ``plan.applied``; a failure stops here."""
    region = plan.region
    if plan.bucket_changes:
        _apply_bucket_settings(plan, say)
    uploads = plan.uploads + plan.route_uploads
    _each_recorded(plan, uploads, "upload(s)", lambda upload: (
        say(f"  uploading s3://{plan.bucket}/{upload.key}"),
        plan.asset_bucket.upload(upload.key, upload.artifact, tags=upload.tags)))
    _each_recorded(plan, plan.route_removals, "Studio template(s) removed", lambda key: (
        say(f"  S3 route: removing s3://{plan.bucket}/{key}"), plan.asset_bucket.remove(key)))
    # The target accounts' roles first: KMS refuses a project's key policy until their roles exist.
    stack_set = plan.stack_set_plan
    if stack_set and stack_set.pending:
        _record(plan, stack_set.key, f"{region}: stack set {stack_set.name}",
                lambda: StackSets(plan.aws, say, plan.stacker.poll_seconds).apply(stack_set))
    pending = [(t.stacker, t.stack_plan, t.key, f"account {t.account}: stack") for t in plan.target_plans]
    pending += [(plan.stacker, p, p.stack, f"{region}: stack") for p in plan.stack_plans]
    for stacker, stack_plan, key, where in pending:
        if not stack_plan.pending:
            continue
        say(f"  {key}: executing change set")
        _record(plan, key, f"{where} {stack_plan.stack}", lambda: stacker.apply(stack_plan))
    deprecations = [r for r in plan.retirements if r.action == "deprecate"]
    _each_recorded(plan, deprecations, "version(s) deprecated", lambda retirement: (
        say(f"  portfolio: deprecating {retirement.product} version {retirement.version}"),
        deprecate(plan.aws, retirement)))
    if plan.share_changes:
        _apply_shares(plan, plan.config, say, plan.stacker.poll_seconds)
    if plan.domain_tag:
        tag = plan.domain_tag
        say(f"  S3 route: tagging domain {tag.domain_id} with {tag.location}")
        plan.aws.client("sagemaker").add_tags(ResourceArn=tag.domain_arn, Tags=[{"Key": S3_TEMPLATES_TAG, "Value": tag.location}])
        plan.applied.append(f"{region}: domain {tag.domain_id} tagged")


def _apply_bucket_settings(plan: RegionPlan, say) -> None:
    """The bucket and its settings as one step that Ctrl-C cannot split: a bucket the catalog made never exists
    without its encryption, public-access block and TLS-only policy. What was done is recorded even on failure."""
    done = []
    try:
        with _interrupts_deferred():
            plan.asset_bucket.ensure(plan.bucket_changes, say=say, done=done.append)
    finally:
        if done:
            plan.applied.append(f"{plan.region}: asset bucket {plan.bucket} ({', '.join(done)})")


def _each_recorded(plan: RegionPlan, items: list, what: str, write) -> None:
    """``write`` each item, then record how many were written, all of them or, interrupted or failed, how far it got.
    A Ctrl-C takes effect between two writes, so a write AWS made is always counted."""
    written = 0
    try:
        for item in items:
            with _interrupts_deferred():
                write(item)
                written += 1
    finally:
        if written:
            of = "" if written == len(items) else f" of {len(items)}"
            plan.applied.append(f"{plan.region}: {written}{of} {what}")


@contextlib.contextmanager
def _interrupts_deferred():
    """Hold a Ctrl-C until the block is done, then raise it (in the main thread, where signals arrive)."""
    caught = []
    try:
        previous = signal.signal(signal.SIGINT, lambda *_: caught.append(True))
    except ValueError:  # not the main thread: no signal is delivered here
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def _record(plan: RegionPlan, key: str, what: str, apply) -> None:
    """Run ``apply`` (a stack's or stack set's) and record its outcome under ``key``, a failure or Ctrl-C too."""
    try:
        plan.outcomes[key] = apply()
    except KeyboardInterrupt:
        plan.outcomes[key] = "interrupted"  # CloudFormation carries on without us
        raise
    except Exception:
        plan.outcomes[key] = "failed"  # and what comes after it (the portfolio) is never applied
        raise
    plan.applied.append(f"{what} {plan.outcomes[key]}")


def discard_region(plan: RegionPlan) -> None:
    """Delete the change sets the plan still holds (executed ones are gone already)."""
    for stack_plan in plan.stack_plans:
        plan.stacker.discard(stack_plan)
    for target in plan.target_plans:
        target.stacker.discard(target.stack_plan)


def _untag_domain(aws: Aws, config: CatalogConfig, bucket: str, domain_id: str) -> list[str]:
    """The Studio domain's S3-templates tag, when it points at the bucket about to go (Studio would list a
    location that no longer exists); a tag pointing elsewhere is not ours to remove."""
    if not domain_id:
        return []
    sagemaker = aws.client("sagemaker")
    domain_arn = _domain_arn(aws, domain_id)
    if domain_templates_location(sagemaker, domain_arn) != studio_templates_location(config, bucket):
        return []
    sagemaker.delete_tags(ResourceArn=domain_arn, TagKeys=[S3_TEMPLATES_TAG])
    return [f"tag {S3_TEMPLATES_TAG} of domain {domain_id}"]


def destroy_region(aws: Aws, config: CatalogConfig, roles: bool, buckets: bool, say, poll_seconds: float = 5.0,
                   domain_id: str = "") -> list[str]:
    """Remove what publish created here; returns what was removed."""
    removed = []
    account = aws.account_id()
    stacks = Stacks(aws, say, poll_seconds)
    # Service Catalog refuses to delete a shared portfolio: the shares go first (they are not the stack's).
    portfolio_id = _portfolio_id(aws, config)
    if portfolio_id:
        servicecatalog = aws.client("servicecatalog")
        for share in shares.existing(servicecatalog, portfolio_id):
            shares.apply(servicecatalog, portfolio_id, shares.ShareChange("unshare", share), say, poll_seconds)
            removed.append(f"portfolio share with {share}")
    names = [config.publish.portfolio_stack] + ([config.publish.roles_stack] if roles else [])
    for name in names:
        if stacks.delete(name):
            removed.append(f"stack {name}")
    if buckets:
        bucket = AssetBucket(aws, bucket_name(config.asset_bucket, account, aws.region), account)
        removed += _untag_domain(aws, config, bucket.name, domain_id)
        if bucket.exists() and delete_bucket(aws.client("s3"), bucket.name, account):
            removed.append(f"bucket {bucket.name}")
    return removed
