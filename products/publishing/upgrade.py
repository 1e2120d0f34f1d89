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

Calls, per project planned: the fleet's DescribeProject (and DescribeProvisioningArtifact, or GetTemplate on the S3
route), then CreateChangeSet, DescribeChangeSet (until complete) and DeleteChangeSet; the stacks are read once for
all projects (DescribeStacks, paged). Applying adds UpdateProject and DescribeProject until settled.
"""

import json
import time
from dataclasses import dataclass, field

from products.analysis.parameter_constraints import violation
from products.catalog.config import CatalogConfig
from products.publishing.aws import Aws, BadInput
from products.publishing.fleet import Fleet, ProjectReport
from products.publishing.projects import FILLED_BY_SAGEMAKER, template_url
from products.publishing.assets import studio_template_key
from products.publishing.stacks import ResourceChange, Stacks
from products.render.synth import RenderedCatalog

# What a project keeps that an update must not replace or remove without --allow-replace: its data, code and models.
STATEFUL = {"AWS::S3::Bucket": "bucket", "AWS::CodeCommit::Repository": "repository",
            "AWS::SageMaker::ModelPackageGroup": "model package group", "AWS::SageMaker::Endpoint": "endpoint"}
UPDATE_WAITING = ("Pending", "UpdateInProgress")


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
        self.bucket = ""
        self.artifacts: dict[str, list[dict]] = {}  # product id -> its provisioning artifacts
        self.sagemaker = aws.client("sagemaker")

    def plan(self, selection: Selection) -> list[ProjectUpgrade]:
        """Every selected project on an older version, planned (read-only: change sets are deleted once read)."""
        reports = Fleet(self.aws, self.config, self.catalog).projects()
        self.seen = {r.project for r in reports}
        outdated = [ProjectUpgrade(r) for r in reports if r.outdated and selection.wants(r)]
        if not outdated:
            return []
        by_project = self._project_stacks()
        for upgrade in outdated:
            self.say(f"upgrade: planning {upgrade.name} ({upgrade.report.product} {upgrade.report.version} "
                     f"-> {upgrade.report.current})")
            self._plan_one(upgrade, by_project.get(upgrade.report.project_id), selection)
        return outdated

    def _project_stacks(self) -> dict[str, dict]:
        """Every stack of the region by the project id it is tagged with (one paged read for all projects)."""
        found = {}
        for page in self.stacks.cfn.get_paginator("describe_stacks").paginate():
            for stack in page["Stacks"]:
                tags = {t["Key"]: t["Value"] for t in stack.get("Tags", [])}
                if "sagemaker:project-id" in tags and not stack["StackStatus"].startswith("DELETE"):
                    found[tags["sagemaker:project-id"]] = stack
        return found

    def _plan_one(self, upgrade: ProjectUpgrade, stack: dict | None, selection: Selection) -> None:
        if stack is None:
            upgrade.skipped = "its stack was not found (no stack is tagged with its project id)"
            return
        upgrade.stack_id = stack["StackId"]
        template = json.loads(self.catalog.product_templates[upgrade.report.product].data)
        current = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
        upgrade.skipped = _carry_parameters(upgrade, template, current, selection)
        if upgrade.skipped:
            return
        body = self._body(upgrade)
        given = [{"ParameterKey": k, "ParameterValue": v} for k, v in upgrade.parameters.items()]
        given += [{"ParameterKey": k, "UsePreviousValue": True} for k in FILLED_BY_SAGEMAKER if k in template["Parameters"]]
        deployed = _parsed(self.stacks.cfn.get_template(StackName=upgrade.stack_id, TemplateStage="Original")["TemplateBody"])
        upgrade.changes = self.stacks.preview_update(upgrade.stack_id, body, given, deployed, template)
        if not selection.allow_replace:
            upgrade.skipped = _replaces_state(upgrade.changes)

    def _body(self, upgrade: ProjectUpgrade) -> str:
        """The new template as the project's route publishes it: the product template, or its YAML copy."""
        product = upgrade.report.product
        artifact = (self.catalog.product_templates if upgrade.report.route == "servicecatalog"
                    else self.catalog.studio_templates)[product]
        return artifact.data.decode("utf-8")

    def apply(self, upgrades: list[ProjectUpgrade]) -> None:
        """UpdateProject for each pending upgrade, one after the other, each waited for; a failure is recorded and
        the next goes on."""
        for upgrade in [u for u in upgrades if u.pending]:
            self.say(f"upgrade: updating {upgrade.name} to {upgrade.report.product} {upgrade.report.current}")
            upgrade.outcome = "updating"  # an interruption from here on leaves an update under way
            self.sagemaker.update_project(**self._update_request(upgrade))
            project = self._wait(upgrade.name)
            upgrade.outcome = "upgraded" if project["ProjectStatus"] == "UpdateCompleted" else (
                f"failed ({project['ProjectStatus']}): {_reason(project)}; CloudFormation rolled it back")
            self.say(f"upgrade: {upgrade.name}: {upgrade.outcome}")

    def _update_request(self, upgrade: ProjectUpgrade) -> dict:
        values = [{"Key": k, "Value": v} for k, v in upgrade.parameters.items()]
        if upgrade.report.route == "servicecatalog":
            return {"ProjectName": upgrade.name, "ServiceCatalogProvisioningUpdateDetails": {
                "ProvisioningArtifactId": self._artifact_id(upgrade.report), "ProvisioningParameters": values}}
        key = studio_template_key(self.config, upgrade.report.product)
        bucket = self._bucket()
        return {"ProjectName": upgrade.name, "TemplateProvidersToUpdate": [{"CfnTemplateProvider": {
            "TemplateName": upgrade.report.source, "TemplateURL": template_url(bucket, self.aws.region, key),
            "Parameters": values}}]}

    def _bucket(self) -> str:
        """The asset bucket of this account and region (its account read once per upgrade)."""
        from products.publishing.assets import bucket_name

        if not self.bucket:
            self.bucket = bucket_name(self.config.asset_bucket, self.aws.account_id(), self.aws.region)
        return self.bucket

    def _artifact_id(self, report: ProjectReport) -> str:
        """The product's provisioning artifact named as the catalog's current version (each product listed once)."""
        if report.source not in self.artifacts:
            self.artifacts[report.source] = self.aws.client("servicecatalog").list_provisioning_artifacts(
                ProductId=report.source)["ProvisioningArtifactDetails"]
        for artifact in self.artifacts[report.source]:
            if artifact.get("Name") == report.current:
                return artifact["Id"]
        raise BadInput(f"{report.project}: product {report.source} has no version {report.current}: publish first")

    def _wait(self, name: str) -> dict:
        while True:
            project = self.sagemaker.describe_project(ProjectName=name)
            if project["ProjectStatus"] not in UPDATE_WAITING:
                return project
            self.say(f"upgrade: {name}: {project['ProjectStatus']}")
            time.sleep(self.poll_seconds)


def check_names(selection: Selection, seen: set[str]) -> None:
    """A --project that names no project the plans saw is bad input (a typo must not upgrade nothing quietly)."""
    for name in selection.projects:
        if name not in seen:
            raise BadInput(f"--project {name}: no such project (projects: {', '.join(sorted(seen)) or 'none'})")


def _carry_parameters(upgrade: ProjectUpgrade, template: dict, current: dict, selection: Selection) -> str:
    """Fill ``upgrade.parameters``; why the project must be skipped, or ""."""
    declared = {k: v for k, v in template.get("Parameters", {}).items() if k not in FILLED_BY_SAGEMAKER}
    upgrade.dropped = sorted(k for k in current if k not in declared and k not in FILLED_BY_SAGEMAKER)
    for name, declaration in declared.items():
        supplied = selection.parameters.get((upgrade.name, name))
        if supplied is not None:
            upgrade.parameters[name] = supplied
        elif name in current:
            upgrade.parameters[name] = current[name]
        elif "Default" in declaration:
            upgrade.added.append(name)
            continue
        else:
            return (f"version {upgrade.report.current} adds parameter {name} without a default: "
                    f"give --parameter {upgrade.name}:{name}=VALUE")
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


def _parsed(body) -> dict:
    """A stack's template as GetTemplate gives it: parsed JSON (boto3 parses it), or YAML text (the S3 route's)."""
    if isinstance(body, dict):
        return json.loads(json.dumps(body))
    from cfn_tools import load_yaml

    return json.loads(json.dumps(load_yaml(body)))


def _reason(project: dict) -> str:
    provisioned = project.get("ServiceCatalogProvisionedProductDetails", {}).get("ProvisionedProductStatusMessage")
    providers = project.get("TemplateProviderDetails") or [{}]
    stack = providers[0].get("CfnTemplateProviderDetail", {}).get("StackDetail", {})
    return provisioned or stack.get("StatusMessage") or "no reason given"
