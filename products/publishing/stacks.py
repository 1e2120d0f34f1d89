"""Deploy a stack in two halves: plan (a change set, described), then apply (executed).

Planning compares the deployed template first, so an unchanged stack costs no write at all
(not even a change set). Otherwise it creates a change set and describes it with property
values; the plan keeps it until the admin answers. Applying executes exactly that change
set; discarding deletes it, and the empty stack a CREATE change set leaves. A stack left
behind by an interrupted run (never executed, or failed on creation) is recovered, so
re-running converges.
"""

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from botocore.exceptions import ClientError

from products.publishing.aws import Aws, PublishError, error_code
from products.publishing.diff import context_properties, property_diff

CHANGE_SET_PREFIX = "publish-"
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
TERMINAL_OK = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"}
TERMINAL_FAILED = {
    "CREATE_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "UPDATE_ROLLBACK_COMPLETE",
    "UPDATE_ROLLBACK_FAILED", "DELETE_FAILED", "UPDATE_FAILED",
}
NEVER_CREATED = {"REVIEW_IN_PROGRESS"}
FAILED_CREATION = {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED"}
ACTION_COUNTS = {"Add": "add", "Modify": "change", "Remove": "remove", "Import": "add", "Dynamic": "change"}


def _was_created(status: str | None) -> bool:
    """Whether a stack in ``status`` has a deployed template (it exists and its creation succeeded)."""
    return status is not None and status not in NEVER_CREATED and status not in FAILED_CREATION


@dataclass
class ResourceChange:
    action: str  # CloudFormation's: Add, Modify, Remove, Import, Dynamic
    logical_id: str
    resource_type: str
    replacement: str = ""  # True, False, Conditional (Modify only)
    details: list[str] = field(default_factory=list)  # property-level changes

    def line(self) -> str:
        replacement = f" replacement={self.replacement}" if self.replacement in ("True", "Conditional") else ""
        return f"{self.action:<7} {self.logical_id} ({self.resource_type}){replacement}"

    def as_dict(self) -> dict:
        return {"action": self.action, "logical_id": self.logical_id, "type": self.resource_type,
                "replacement": self.replacement, "details": self.details}


@dataclass
class StackPlan:
    stack: str
    action: str  # "up to date", "create", "update", "replace" (a failed creation is deleted first)
    template: dict
    capabilities: tuple[str, ...] = ()
    change_set: str | None = None  # its ARN, kept until applied or discarded
    changes: list[ResourceChange] = field(default_factory=list)
    properties_from: str = ""  # "change set" (AWS's resolved values) or "templates" (the change set had none)

    @property
    def pending(self) -> bool:
        return self.action != "up to date"

    def as_dict(self) -> dict:
        return {"stack": self.stack, "action": self.action, "properties_from": self.properties_from,
                "changes": [c.as_dict() for c in self.changes]}


def describe_stack(cfn, name: str) -> dict | None:
    """The stack's description; None when there is no such stack."""
    try:
        return cfn.describe_stacks(StackName=name)["Stacks"][0]
    except ClientError as error:
        if error_code(error) == "ValidationError" and "does not exist" in str(error):
            return None
        raise


def stack_outputs(cfn, name: str) -> dict | None:
    """The stack's outputs by key; None when there is no such stack."""
    described = describe_stack(cfn, name)
    return None if described is None else {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def parsed_template(body) -> dict:
    """A template as GetTemplate gives it: parsed JSON (boto3 parses a JSON body), or text: JSON, or YAML (the S3
    route's templates), whose short-form functions become their long form."""
    if not isinstance(body, str):
        return json.loads(json.dumps(body))
    try:
        return json.loads(body)
    except ValueError:
        from cfn_tools import load_yaml

        return json.loads(json.dumps(load_yaml(body)))


def template_body(template: dict) -> str:
    """A template as CreateChangeSet's TemplateBody: compact JSON, since the body is limited to 51,200 bytes (the
    roles stack is 73 KB indented, 35 KB compact). Sorted, so one template is always the same text."""
    return json.dumps(template, separators=(",", ":"), sort_keys=True)


def _change_set_name(template: dict) -> str:
    body = json.dumps(template, indent=2, sort_keys=True)
    return CHANGE_SET_PREFIX + hashlib.sha256(body.encode()).hexdigest()[:16]


def _template_resources(template: dict | None) -> dict:
    return (template or {}).get("Resources", {})


def template_changes(deployed: dict | None, template: dict) -> list[ResourceChange]:
    """Resource by resource, from two templates: where there is no change set to say (a stack to be
    created anew, a stack set)."""
    before, after = _template_resources(deployed), _template_resources(template)
    changes = [ResourceChange("Add", lid, after[lid]["Type"]) for lid in sorted(set(after) - set(before))]
    changes += [ResourceChange("Modify", lid, after[lid]["Type"], details=property_diff(
        before[lid].get("Properties", {}), after[lid].get("Properties", {})))
        for lid in sorted(set(after) & set(before)) if before[lid] != after[lid]]
    changes += [ResourceChange("Remove", lid, before[lid]["Type"]) for lid in sorted(set(before) - set(after))]
    return changes


class Stacks:
    def __init__(self, aws: Aws, say, poll_seconds: float = 5.0):
        self.cfn = aws.client("cloudformation")
        self.say = say
        self.poll_seconds = poll_seconds
        self._deployed: dict[str, dict | None] = {}  # read once per stack until this run changes it

    def status(self, name: str) -> str | None:
        described = describe_stack(self.cfn, name)
        return None if described is None else described["StackStatus"]

    def deployed_template(self, name: str, status: str | None = None) -> dict | None:
        """The template of a stack that exists and was created (None otherwise).

        ``status``, when the caller already knows it, saves describing the stack again.
        """
        if name not in self._deployed:
            if status is None:
                status = self.status(name)
            self._deployed[name] = None
            if _was_created(status):
                body = self.cfn.get_template(StackName=name, TemplateStage="Original")["TemplateBody"]
                self._deployed[name] = parsed_template(body)
        return self._deployed[name]

    def plan(self, name: str, template: dict, capabilities: tuple[str, ...] = ()) -> StackPlan:
        """What deploying ``template`` would change; a pending plan holds a change set until applied or discarded."""
        status = self._settled_status(name)
        deployed = self.deployed_template(name, status)
        if _was_created(status) and deployed == template:
            return StackPlan(name, "up to date", template, capabilities)
        if status in FAILED_CREATION:
            # CloudFormation takes no change set on such a stack: it is deleted on apply, then created.
            return StackPlan(name, "replace", template, capabilities, changes=template_changes(None, template),
                             properties_from="templates")
        self._delete_leftover_change_sets(name, status)
        creating = status is None or status in NEVER_CREATED
        plan = StackPlan(name, "create" if creating else "update", template, capabilities)
        plan.change_set = self._create_change_set(name, template, capabilities, creating)
        try:
            described = self._wait_for_change_set(name, plan.change_set)
            if described is None:
                self.discard(plan)
                return StackPlan(name, "up to date", template, capabilities)
            plan.changes, plan.properties_from = resource_changes(described, deployed, template)
        except BaseException:
            self.discard(plan)
            raise
        return plan

    def apply(self, plan: StackPlan) -> str:
        """Execute the plan's change set and wait; returns "created" or "updated" (raises with the failed resources)."""
        name = plan.stack
        self._deployed.pop(name, None)  # whatever happens next changes it
        if plan.action == "replace":
            status = self.status(name)
            self.say(f"  {name}: deleting the stack a failed creation left in {status}")
            self.delete(name)
            plan.change_set = self._create_change_set(name, plan.template, plan.capabilities, creating=True)
            self._wait_for_change_set(name, plan.change_set)
        started = datetime.now(timezone.utc)
        self.cfn.execute_change_set(StackName=name, ChangeSetName=plan.change_set)
        plan.change_set = None  # executed: nothing left to discard
        self._wait(name, started)
        return "updated" if plan.action == "update" else "created"

    def discard(self, plan: StackPlan) -> None:
        """Delete the plan's change set, and the empty stack a CREATE change set leaves behind."""
        if plan.change_set is None:
            return
        self._delete_change_set(plan.stack, plan.change_set)
        plan.change_set = None
        if plan.action in ("create", "replace") and self.status(plan.stack) in NEVER_CREATED:
            self.cfn.delete_stack(StackName=plan.stack)

    def delete(self, name: str) -> bool:
        if self.status(name) is None:
            return False
        self._deployed.pop(name, None)
        started = datetime.now(timezone.utc)
        self.cfn.delete_stack(StackName=name)
        self._wait(name, started, deleting=True)
        return True

    def preview_update(self, stack_id: str, status: str, url: str, parameters: list[dict], deployed: dict,
                       template: dict) -> list[ResourceChange]:
        """What updating the stack (in ``status``) to the template at ``url`` with ``parameters`` would change: an
        UPDATE change set created, described and deleted, whatever happens (``deployed`` and ``template``: the parsed
        templates, for the property diffs where the change set gives none)."""
        name = f"{CHANGE_SET_PREFIX}upgrade-{hashlib.sha256(url.encode()).hexdigest()[:12]}"
        self._delete_leftover_change_sets(stack_id, status)
        change_set = self.cfn.create_change_set(StackName=stack_id, ChangeSetName=name, ChangeSetType="UPDATE",
                                                TemplateURL=url, Parameters=parameters,
                                                Description="sagemaker-mlops-catalog upgrade plan")["Id"]
        try:
            described = self._wait_for_change_set(stack_id, change_set)
        finally:
            self._delete_change_set(stack_id, change_set)
        return [] if described is None else resource_changes(described, deployed, template)[0]

    def _create_change_set(self, name: str, template: dict, capabilities, creating: bool) -> str:
        """Create the change set; returns its ARN, by which it is then described, executed or deleted
        (unambiguous where a name is not: moto keeps executed change sets and finds them by name first)."""
        created = self.cfn.create_change_set(
            StackName=name,
            ChangeSetName=_change_set_name(template),
            ChangeSetType="CREATE" if creating else "UPDATE",
            TemplateBody=template_body(template),
            Capabilities=list(capabilities),
            Description="sagemaker-mlops-catalog publish",
        )
        return created["Id"]

    def _settled_status(self, name: str) -> str | None:
        status = self.status(name)
        while status and status.endswith("_IN_PROGRESS") and status not in NEVER_CREATED:
            self.say(f"  {name}: waiting for {status} to finish")
            self._deployed.pop(name, None)  # read before it settled: read again
            time.sleep(self.poll_seconds)
            status = self.status(name)
        return status

    def _delete_leftover_change_sets(self, name: str, status: str | None) -> None:
        """Change sets an interrupted run of ours left: planning artefacts, deleted before planning anew."""
        if status is None:
            return
        for summary in self.cfn.list_change_sets(StackName=name).get("Summaries", []):
            if summary["ChangeSetName"].startswith(CHANGE_SET_PREFIX) and summary.get("ExecutionStatus") != "EXECUTE_COMPLETE":
                self._delete_change_set(name, summary["ChangeSetId"])

    def _delete_change_set(self, name: str, change_set: str) -> None:
        try:
            self.cfn.delete_change_set(StackName=name, ChangeSetName=change_set)
        except ClientError as error:
            if error_code(error) not in ("ChangeSetNotFound", "ChangeSetNotFoundException", "ValidationError"):
                raise

    def _wait_for_change_set(self, name: str, change_set: str) -> list[dict] | None:
        """The change set's changes (every page, with property values), or None when it has none."""
        while True:
            described = self.cfn.describe_change_set(StackName=name, ChangeSetName=change_set, IncludePropertyValues=True)
            if described["Status"] == "FAILED":
                reason = described.get("StatusReason", "")
                if any(text in reason for text in NO_CHANGES):
                    return None
                raise PublishError(f"{name}: change set failed: {reason}")
            if described["Status"] == "CREATE_COMPLETE":
                changes = list(described.get("Changes", []))
                while described.get("NextToken"):
                    described = self.cfn.describe_change_set(
                        StackName=name, ChangeSetName=change_set, IncludePropertyValues=True, NextToken=described["NextToken"])
                    changes += described.get("Changes", [])
                return changes
            time.sleep(self.poll_seconds)

    def _wait(self, name: str, since: datetime, deleting: bool = False) -> None:
        """Stream the stack's events since ``since`` until it settles; raise with the failed resources."""
        seen: set[str] = set()
        since = since - timedelta(seconds=1)
        while True:
            try:
                events = self.cfn.describe_stack_events(StackName=name)["StackEvents"]
                status = self.cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
            except ClientError as error:
                if deleting and "does not exist" in str(error):
                    return
                raise
            recent = [e for e in reversed(events) if e["Timestamp"] >= since]
            for event in recent:
                if event["EventId"] in seen:
                    continue
                seen.add(event["EventId"])
                reason = f" ({event['ResourceStatusReason']})" if event.get("ResourceStatusReason") else ""
                self.say(f"  {name}: {event['LogicalResourceId']} {event['ResourceStatus']}{reason}")
            if deleting and status == "DELETE_COMPLETE":
                return
            if status in TERMINAL_OK and not deleting:
                return
            if status in TERMINAL_FAILED:
                failed = [
                    f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', 'no reason given')}"
                    for e in recent
                    if e["ResourceStatus"].endswith("_FAILED")
                ]
                raise PublishError(f"{name}: {status}; failed resources: " + ("; ".join(failed) or "none reported"))
            time.sleep(self.poll_seconds)


def resource_changes(changes: list[dict], deployed: dict | None, template: dict) -> tuple[list[ResourceChange], str]:
    """The change set's resource changes with property-level details for each Modify.

    AWS returns each resource's properties before and after (BeforeContext/AfterContext, with
    IncludePropertyValues); where a change set has none (moto's has none), the deployed and new
    templates' properties are compared instead, and the plan says so.
    """
    result, source = [], "templates"
    for change in changes:
        raw = change.get("ResourceChange", {})
        logical_id = raw.get("LogicalResourceId", "?")
        before, after = context_properties(raw.get("BeforeContext")), context_properties(raw.get("AfterContext"))
        if before is not None or after is not None:
            source = "change set"
        else:
            before = _template_resources(deployed).get(logical_id, {}).get("Properties", {})
            after = _template_resources(template).get(logical_id, {}).get("Properties", {})
        action = raw.get("Action", "?")
        result.append(ResourceChange(
            action, logical_id, raw.get("ResourceType", "?"), raw.get("Replacement", ""),
            property_diff(before, after) if action == "Modify" else [],
        ))
    return result, source
