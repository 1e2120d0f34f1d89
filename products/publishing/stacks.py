"""Deploy a stack through a change set: compare, create, show, confirm, execute, clean up.

The deployed template is compared first, so an unchanged stack costs no write at all
(not even a change set). A change set that is not executed is always deleted, and a
stack left behind by an interrupted run (never executed, or failed on creation) is
recovered, so re-running converges.
"""

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from botocore.exceptions import ClientError

from products.publishing.aws import Aws, PublishError, error_code

CHANGE_SET_PREFIX = "publish-"
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
TERMINAL_OK = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"}
TERMINAL_FAILED = {
    "CREATE_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "UPDATE_ROLLBACK_COMPLETE",
    "UPDATE_ROLLBACK_FAILED", "DELETE_FAILED", "UPDATE_FAILED",
}
NEVER_CREATED = {"REVIEW_IN_PROGRESS"}
FAILED_CREATION = {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED"}


def _was_created(status: str | None) -> bool:
    """Whether a stack in ``status`` has a deployed template (it exists and its creation succeeded)."""
    return status is not None and status not in NEVER_CREATED and status not in FAILED_CREATION


@dataclass
class StackOutcome:
    stack: str
    action: str  # "up to date", "created", "updated", "would create", "would update", "declined"
    changes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"stack": self.stack, "action": self.action, "changes": self.changes}


class Stacks:
    def __init__(self, aws: Aws, say, poll_seconds: float = 5.0):
        self.cfn = aws.client("cloudformation")
        self.say = say
        self.poll_seconds = poll_seconds
        self._deployed: dict[str, dict | None] = {}  # read once per stack until this run changes it

    def status(self, name: str) -> str | None:
        try:
            return self.cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
        except ClientError as error:
            if error_code(error) == "ValidationError" and "does not exist" in str(error):
                return None
            raise

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
                self._deployed[name] = json.loads(body) if isinstance(body, str) else json.loads(json.dumps(body))
        return self._deployed[name]

    def deploy(self, name: str, template: dict, *, apply: bool, confirm, capabilities=()) -> StackOutcome:
        status = self._settled_status(name)
        if _was_created(status) and self.deployed_template(name, status) == template:
            return StackOutcome(name, "up to date")
        self._deployed.pop(name, None)  # whatever happens next may change it
        if status in FAILED_CREATION:
            if not apply:
                return StackOutcome(name, "would create", [f"replace stack left in {status}"])
            self.say(f"  {name}: deleting the stack a failed creation left in {status}")
            started = datetime.now(timezone.utc)
            self.cfn.delete_stack(StackName=name)
            self._wait(name, started, deleting=True)
            status = None
        self._delete_leftover_change_sets(name, status)
        body = json.dumps(template, indent=2, sort_keys=True)
        change_set = CHANGE_SET_PREFIX + hashlib.sha256(body.encode()).hexdigest()[:16]
        creating = status is None or status in NEVER_CREATED
        self.cfn.create_change_set(
            StackName=name,
            ChangeSetName=change_set,
            ChangeSetType="CREATE" if creating else "UPDATE",
            TemplateBody=body,
            Capabilities=list(capabilities),
            Description="sagemaker-mlops-catalog publish",
        )
        executed = False
        try:
            changes = self._wait_for_change_set(name, change_set)
            if changes is None:
                return StackOutcome(name, "up to date")
            for line in changes:
                self.say(f"  {name}: {line}")
            if not apply:
                return StackOutcome(name, "would create" if creating else "would update", changes)
            if not confirm(name, changes):
                return StackOutcome(name, "declined", changes)
            started = datetime.now(timezone.utc)
            self.cfn.execute_change_set(StackName=name, ChangeSetName=change_set)
            executed = True
            self._wait(name, started)
            return StackOutcome(name, "created" if creating else "updated", changes)
        finally:
            if not executed:
                self._delete_change_set(name, change_set)
                if creating and self.status(name) in NEVER_CREATED:
                    self.cfn.delete_stack(StackName=name)  # the empty stack a CREATE change set leaves

    def delete(self, name: str) -> bool:
        if self.status(name) is None:
            return False
        self._deployed.pop(name, None)
        started = datetime.now(timezone.utc)
        self.cfn.delete_stack(StackName=name)
        self._wait(name, started, deleting=True)
        return True

    def _settled_status(self, name: str) -> str | None:
        status = self.status(name)
        while status and status.endswith("_IN_PROGRESS") and status not in NEVER_CREATED:
            self.say(f"  {name}: waiting for {status} to finish")
            self._deployed.pop(name, None)  # read before it settled: read again
            time.sleep(self.poll_seconds)
            status = self.status(name)
        return status

    def _delete_leftover_change_sets(self, name: str, status: str | None) -> None:
        if status is None:
            return
        for summary in self.cfn.list_change_sets(StackName=name).get("Summaries", []):
            if summary["ChangeSetName"].startswith(CHANGE_SET_PREFIX) and summary.get("ExecutionStatus") != "EXECUTE_COMPLETE":
                self._delete_change_set(name, summary["ChangeSetName"])

    def _delete_change_set(self, name: str, change_set: str) -> None:
        try:
            self.cfn.delete_change_set(StackName=name, ChangeSetName=change_set)
        except ClientError as error:
            if error_code(error) not in ("ChangeSetNotFound", "ChangeSetNotFoundException", "ValidationError"):
                raise

    def _wait_for_change_set(self, name: str, change_set: str) -> list[str] | None:
        """The change set's changes as lines, or None when it has none."""
        while True:
            described = self.cfn.describe_change_set(StackName=name, ChangeSetName=change_set)
            if described["Status"] == "FAILED":
                reason = described.get("StatusReason", "")
                if any(text in reason for text in NO_CHANGES):
                    return None
                raise PublishError(f"{name}: change set failed: {reason}")
            if described["Status"] == "CREATE_COMPLETE":
                return [
                    f"{c['ResourceChange']['Action']:<7} {c['ResourceChange']['LogicalResourceId']} "
                    f"({c['ResourceChange']['ResourceType']})"
                    + (f" replacement={c['ResourceChange']['Replacement']}" if c["ResourceChange"].get("Replacement") else "")
                    for c in described.get("Changes", [])
                ]
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
