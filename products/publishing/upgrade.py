"""Moving projects to their product's current version: plan each project's stack update, ask once, apply.

The projects are the fleet report's (``fleet.py``): made from this catalog, on either route, and on an older
version than the catalog's current one. For each:

- **Parameters carried over.** The update passes the stack's current value of every parameter the new version
  still declares; a parameter it adds takes its default; one it drops is dropped; one it adds without a default
  needs ``--parameter PROJECT:NAME=VALUE``, else the project is skipped with one line naming it. A carried value
  the new version no longer allows (a target account no longer configured) skips it too, in CloudFormation's words.
- **A plan from a change set** of the project's own stack for the new template: resources added, changed,
  replaced and removed, with property diffs. The change set is deleted once described: planning changes nothing.
- **Stateful resources protected.** A plan that replaces or removes the project's bucket, repositories, model
  package group or an endpoint skips the project, naming the resource, unless ``allow_replace``.
- **Applied through SageMaker's UpdateProject**, the call that keeps the project's own record (Studio's view,
  DescribeProject) on the new version: on the Service Catalog route with the current provisioning artifact
  (SageMaker calls UpdateProvisionedProduct, which runs as the launch role), on the S3 route with the template's
  URL and the parameters. Each project is waited for; a failed update is rolled back by CloudFormation and named
  with its reason, and the others go on.

Calls, per project planned (7): the fleet's DescribeProject and DescribeProvisioningArtifact (or GetTemplate on the
S3 route), then GetTemplate (the deployed one, for property diffs), ListChangeSets (leftovers of an interrupted plan),
CreateChangeSet, DescribeChangeSet (until complete) and DeleteChangeSet; the projects and stacks are listed once for
all (ListProjects, DescribeStacks, paged). Applying: UpdateProject and DescribeProject until settled per project, and
ListProvisioningArtifacts once per product.
"""

import json
import time
from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from products.analysis.parameter_constraints import violation
from products.catalog.config import CatalogConfig
from products.publishing.aws import Aws, BadInput, PublishError
from products.publishing.fleet import Fleet, ProjectReport
from products.publishing.projects import (
    FILLED_BY_SAGEMAKER, UPDATE_WAITING, project_outcome, template_url, wait_for_project,
)
from products.publishing.assets import AssetBucket, bucket_name, studio_template_key
from products.publishing.stacks import ResourceChange, Stacks
from products.render.synth import RenderedCatalog

# What a project keeps that an update must not replace or remove without --allow-replace: its data, code and models.
# The endpoints live in the stage stacks, not the project's: what would delete them is removing or replacing the
# custom resource whose Delete deletes those stacks.
STATEFUL = {"AWS::S3::Bucket": "bucket", "AWS::CodeCommit::Repository": "repository",
            "AWS::SageMaker::ModelPackageGroup": "model package group", "AWS::KMS::Key": "artifact key",
            "Custom::EndpointCleanup": "endpoints (their stage stacks are deleted with it)"}
# A project upgrade plans: created or updated, or back on its version after a failed update (CloudFormation rolled
# it back). Anything else (being created, updated or deleted, or failed to create or delete) is skipped, named.
SETTLED = ("CreateCompleted", "UpdateCompleted", "UpdateFailed")


@dataclass
class ProjectUpgrade:
    """One project's planned update, and after applying, how it went."""

    report: ProjectReport
    stack_id: str = ""
    parameters: dict[str, str] = field(default_factory=dict)  # what the update passes (SageMaker adds its two)
    added: list[str] = field(default_factory=list)  # new parameters taking their default
    dropped: list[str] = field(default_factory=list)
    changes: list[ResourceChange] = field(default_factory=list)
    skipped: str = ""  # why this project is not upgraded (a parameter it needs, a resource it would replace)
    outcome: str = ""  # "upgraded", or "failed: <CloudFormation's reason>", once applied

    @property
    def name(self) -> str:
        return self.report.project

    @property
    def pending(self) -> bool:
        return not self.skipped and not self.outcome

    def as_dict(self) -> dict:
        r = self.report
        return {"project": r.project, "project_id": r.project_id, "route": r.route, "product": r.product,
                "from": r.version, "to": r.current, "parameters_added": self.added, "parameters_dropped": self.dropped,
                "changes": [c.as_dict() for c in self.changes], "skipped": self.skipped, "outcome": self.outcome}


@dataclass(frozen=True)
class Selection:
    """Which projects: by name and by product (empty: all); values given per project; whether replacing is allowed."""

    projects: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    parameters: dict = field(default_factory=dict)  # (project, parameter) -> value
    allow_replace: bool = False

    def wants(self, report: ProjectReport) -> bool:
        return ((not self.projects or report.project in self.projects)
                and (not self.products or report.product in self.products))


def parse_parameters(pairs) -> dict[tuple[str, str], str]:
    """``--parameter PROJECT:NAME=VALUE`` pairs; BadInput naming the one that is not."""
    values = {}
    for pair in pairs or []:
        target, sep, value = pair.partition("=")
        project, colon, name = target.partition(":")
        if not sep or not colon or not project or not name:
            raise BadInput(f"--parameter {pair!r}: expected PROJECT:NAME=VALUE")
        values[(project, name)] = value
    return values


class Upgrade:
    def __init__(self, aws: Aws, config: CatalogConfig, catalog: RenderedCatalog, say=print, poll_seconds: float = 5.0):
        self.aws, self.config, self.catalog, self.say, self.poll_seconds = aws, config, catalog, say, poll_seconds
        self.stacks = Stacks(aws, say, poll_seconds)
        self.seen: set[str] = set()  # every project the last plan's fleet report listed
        self.used: set[tuple[str, str]] = set()  # the --parameter values a plan used
        self.bucket: AssetBucket | None = None
        self.published: dict[tuple[str, str], str] = {}  # (route, product) -> its published template's URL, or ""
        self.artifact_ids: dict[str, str] = {}  # product -> the id of its current provisioning artifact
        self.templates: dict[str, dict] = {}  # product -> its current template
        self.sagemaker = aws.client("sagemaker")

    def plan(self, selection: Selection) -> list[ProjectUpgrade]:
        """Every selected project on an older version, planned (read-only: change sets are deleted once read)."""
        reports = Fleet(self.aws, self.config, self.catalog).projects()
        self.seen = {r.project for r in reports}
        outdated = [ProjectUpgrade(r) for r in reports if r.outdated and selection.wants(r)]
        if not outdated:
            return []
        stacks = self._project_stacks()
        for upgrade in outdated:
            self.say(f"upgrade: planning {upgrade.name} ({upgrade.report.product} {upgrade.report.version} "
                     f"-> {upgrade.report.current})")
            self._plan_one(upgrade, stacks.get(upgrade.report.stack_ref), selection)
        return outdated

    def _project_stacks(self) -> dict[str, dict]:
        """The region's stacks by the reference a project has to its own (one paged read for all projects): an
        S3-route stack by its id, a Service Catalog one by the provisioned product id its AutoTag ends with. Not by
        the ``sagemaker:project-id`` tag, which the project's endpoint stacks carry too."""
        found = {}
        for page in self.stacks.cfn.get_paginator("describe_stacks").paginate():
            for stack in page["Stacks"]:
                if stack["StackStatus"].startswith("DELETE"):
                    continue
                found[stack["StackId"]] = stack
                tags = {t["Key"]: t["Value"] for t in stack.get("Tags", [])}
                if "aws:servicecatalog:provisionedProductArn" in tags:
                    found[tags["aws:servicecatalog:provisionedProductArn"].rsplit("/", 1)[-1]] = stack
        return found

    def _plan_one(self, upgrade: ProjectUpgrade, stack: dict | None, selection: Selection) -> None:
        template = self._template(upgrade.report.product)
        self.used |= {(upgrade.name, name) for name in template["Parameters"] if (upgrade.name, name) in selection.parameters}
        if upgrade.report.status not in SETTLED:
            upgrade.skipped = f"the project is {upgrade.report.status}; upgrade it once it has settled"
            return
        if stack is None:
            upgrade.skipped = "its stack was not found"
            return
        upgrade.stack_id = stack["StackId"]
        url = self._published_url(upgrade.report)
        if not url:
            upgrade.skipped = f"{upgrade.report.product} {upgrade.report.current} is not published here: publish first"
            return
        deployed = self.stacks.deployed_template(upgrade.stack_id, stack["StackStatus"]) or {}
        current = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
        upgrade.skipped = _carry_parameters(upgrade, template, deployed, current, selection)
        if upgrade.skipped:
            return
        given = [{"ParameterKey": k, "ParameterValue": v} for k, v in upgrade.parameters.items()]
        given += [{"ParameterKey": k, "UsePreviousValue": True} for k in FILLED_BY_SAGEMAKER if k in template["Parameters"]]
        try:
            upgrade.changes = self.stacks.preview_update(upgrade.stack_id, stack["StackStatus"], url, given, deployed, template)
        except (ClientError, PublishError) as error:  # this project's stack refuses the change set: the others go on
            upgrade.skipped = f"its stack cannot be planned: {_one_line(error)}"
            return
        if not selection.allow_replace:
            upgrade.skipped = _replaces_state(upgrade.changes)

    def _template(self, product: str) -> dict:
        """The product's current template, parsed once per upgrade."""
        if product not in self.templates:
            self.templates[product] = json.loads(self.catalog.product_templates[product].data)
        return self.templates[product]

    def _published_url(self, report: ProjectReport) -> str:
        """The URL of the template UpdateProject will apply, once it is checked to be this catalog's current one:
        the current provisioning artifact's (Service Catalog route), or the S3 route's object, by its hash. The plan
        is made from that URL (CreateChangeSet's TemplateBody stops at 51,200 bytes; the largest product is 77 KB)."""
        key = (report.route, report.product)
        if key not in self.published:
            bucket = self._bucket()
            if report.route == "servicecatalog":
                artifact = self.catalog.product_templates[report.product]
                found = self._artifact_id(report)
            else:
                artifact = self.catalog.studio_templates[report.product]
                found = bucket.stored_sha256(studio_template_key(self.config, report.product)) == artifact.sha256
            object_key = artifact.key or studio_template_key(self.config, report.product)
            self.published[key] = template_url(bucket.name, self.aws.region, object_key) if found else ""
        return self.published[key]

    def apply(self, upgrades: list[ProjectUpgrade]) -> None:
        """UpdateProject for each pending upgrade, one after the other, each waited for; a refusal or failure is
        recorded and the next goes on."""
        for upgrade in [u for u in upgrades if u.pending]:
            self.say(f"upgrade: updating {upgrade.name} to {upgrade.report.product} {upgrade.report.current}")
            request = self._update_request(upgrade)
            try:
                before = self.sagemaker.describe_project(ProjectName=upgrade.name).get("LastModifiedTime")
                upgrade.outcome = "updating"  # an interruption from here on leaves an update under way
                self.sagemaker.update_project(**request)
                status, reason = project_outcome(wait_for_project(
                    self.sagemaker, upgrade.name, self.say, self.poll_seconds, time.sleep, UPDATE_WAITING, before))
            except ClientError as error:
                upgrade.outcome = f"failed: {error.operation_name}: {_one_line(error)}"
            else:
                upgrade.outcome = "upgraded" if status == "UpdateCompleted" else (
                    f"failed ({status}): {reason or 'no reason given'}")
            self.say(f"upgrade: {upgrade.name}: {upgrade.outcome}")

    def _update_request(self, upgrade: ProjectUpgrade) -> dict:
        """The project's UpdateProject request: the version the plan checked, with the parameters it carried."""
        values = [{"Key": k, "Value": v} for k, v in upgrade.parameters.items()]
        if upgrade.report.route == "servicecatalog":
            return {"ProjectName": upgrade.name, "ServiceCatalogProvisioningUpdateDetails": {
                "ProvisioningArtifactId": self._artifact_id(upgrade.report), "ProvisioningParameters": values}}
        return {"ProjectName": upgrade.name, "TemplateProvidersToUpdate": [{"CfnTemplateProvider": {
            "TemplateName": upgrade.report.source, "TemplateURL": self._published_url(upgrade.report),
            "Parameters": values}}]}

    def _bucket(self) -> AssetBucket:
        """The asset bucket of this account and region (its account read once per upgrade)."""
        if self.bucket is None:
            account = self.aws.account_id()
            self.bucket = AssetBucket(self.aws, bucket_name(self.config.asset_bucket, account, self.aws.region), account)
        return self.bucket

    def _artifact_id(self, report: ProjectReport) -> str:
        """The id of the product's provisioning artifact named as the catalog's current version ("" when the
        product has none: not published); each product is listed once."""
        if report.product not in self.artifact_ids:
            listed = self.aws.client("servicecatalog").list_provisioning_artifacts(ProductId=report.source)
            self.artifact_ids[report.product] = next((a["Id"] for a in listed["ProvisioningArtifactDetails"]
                                                      if a.get("Name") == report.current), "")
        return self.artifact_ids[report.product]


def check_names(selection: Selection, seen: set[str], used: set[tuple[str, str]]) -> None:
    """A --project that names no project the plans saw, or a --parameter no plan used, is bad input (a typo must not
    upgrade nothing, or something else, quietly)."""
    for name in selection.projects:
        if name not in seen:
            raise BadInput(f"--project {name}: no such project (projects: {', '.join(sorted(seen)) or 'none'})")
    for project, name in sorted(set(selection.parameters) - used):
        raise BadInput(f"--parameter {project}:{name}=...: no project being upgraded is named {project} and takes "
                       f"{name} in its new version")


def _carry_parameters(upgrade: ProjectUpgrade, template: dict, deployed: dict, current: dict, selection: Selection) -> str:
    """Fill ``upgrade.parameters``; why the project must be skipped, or ""."""
    declared = {k: v for k, v in template.get("Parameters", {}).items() if k not in FILLED_BY_SAGEMAKER}
    before = deployed.get("Parameters", {})
    upgrade.dropped = sorted(k for k in current if k not in declared and k not in FILLED_BY_SAGEMAKER)
    for name in upgrade.dropped:
        if current[name] != str(before.get(name, {}).get("Default", "")) and not selection.allow_replace:
            return (f"version {upgrade.report.current} drops parameter {name}, which this project sets to "
                    f"{current[name]!r}: what it set up would go; --allow-replace upgrades it anyway")
    for name, declaration in declared.items():
        supplied = selection.parameters.get((upgrade.name, name))
        hidden = before.get(name, {}).get("NoEcho") and current.get(name) == "****"  # DescribeStacks masks NoEcho values
        if supplied is not None:
            upgrade.parameters[name] = supplied
        elif name in current and not hidden:
            upgrade.parameters[name] = current[name]
        elif "Default" in declaration and name not in current:
            upgrade.added.append(name)
            continue
        else:
            why = "its value is hidden (NoEcho)" if hidden else f"version {upgrade.report.current} adds it without a default"
            return f"parameter {name}: {why}: give --parameter {upgrade.name}:{name}=VALUE"
        problem = violation(name, declaration, upgrade.parameters[name])
        if problem:
            return f"{problem} (its value {upgrade.parameters[name]!r}); give --parameter {upgrade.name}:{name}=VALUE"
    return ""


def _replaces_state(changes: list[ResourceChange]) -> str:
    for change in changes:
        kind = STATEFUL.get(change.resource_type)
        replaced = change.action == "Modify" and change.replacement in ("True", "Conditional")
        if kind and (replaced or change.action == "Remove"):
            verb = "remove" if change.action == "Remove" else (
                "replace" if change.replacement == "True" else "possibly replace")
            return (f"the update would {verb} its {kind} {change.logical_id} ({change.resource_type}); "
                    "--allow-replace upgrades it anyway")
    return ""


def _one_line(error: Exception) -> str:
    if isinstance(error, ClientError):
        return " ".join(error.response.get("Error", {}).get("Message", str(error)).split())
    return str(error)
