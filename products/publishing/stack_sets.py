"""A stack rolled out to organizational units as a service-managed CloudFormation StackSet.

This is how organizations give every account of an OU the same roles: the stack set deploys one
stack instance into each account of the units (in one region: IAM is global) and, with automatic
deployment, into each account that joins a unit later; an account that leaves loses its instance
(``RetainStacksOnAccountRemoval`` false). Service-managed stack sets are created from the
organization's management account (``CallAs=SELF``) or from a delegated StackSets administrator
(``CallAs=DELEGATED_ADMIN``, registered with ``aws organizations register-delegated-administrator
--service-principal member.org.stacksets.cloudformation.amazonaws.com``). CloudFormation User
Guide, "Create a stack set with service-managed permissions".

Like a stack, a stack set is planned, then applied: one DescribeStackSet read shows whether its
template and its units are the wanted ones; an unchanged stack set costs no write. The units in
the configuration are the whole set: a unit no longer listed loses its instances.
"""

import json
import time
from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from products.publishing.aws import Aws, PublishError, error_code
from products.publishing.stacks import ResourceChange, template_body, template_changes

CAPABILITIES = ("CAPABILITY_NAMED_IAM",)
AUTO_DEPLOYMENT = {"Enabled": True, "RetainStacksOnAccountRemoval": False}
OPERATION_DONE = {"SUCCEEDED"}
OPERATION_FAILED = {"FAILED", "STOPPED"}
# All accounts of the units at once, and any failed account fails the operation (and the publish).
OPERATION_PREFERENCES = {"FailureToleranceCount": 0, "MaxConcurrentPercentage": 100, "RegionConcurrencyType": "PARALLEL"}


@dataclass
class StackSetPlan:
    name: str
    template: dict
    units: tuple[str, ...]
    call_as: str
    action: str  # "up to date", "create", "update"
    template_changed: bool = False
    add_units: list[str] = field(default_factory=list)
    remove_units: list[str] = field(default_factory=list)
    changes: list[ResourceChange] = field(default_factory=list)  # the template's, resource by resource

    @property
    def pending(self) -> bool:
        return self.action != "up to date"

    @property
    def key(self) -> str:
        """Its key in the publisher's outcomes (a stack may have the same name)."""
        return f"stackset/{self.name}"

    def lines(self) -> list[str]:
        """What applying does, one line a step."""
        lines = [f"create stack set {self.name} (service-managed, automatic deployment)"] if self.action == "create" else []
        if self.action == "update" and self.template_changed:
            lines.append(f"update stack set {self.name} and every instance of it")
        lines += [f"deploy to every account of {unit}" for unit in self.add_units]
        lines += [f"remove the instances of {unit} (no longer listed)" for unit in self.remove_units]
        return lines

    def as_dict(self) -> dict:
        return {"stack_set": self.name, "action": self.action, "call_as": self.call_as, "steps": self.lines(),
                "changes": [c.as_dict() for c in self.changes], "properties_from": "templates"}


class StackSets:
    def __init__(self, aws: Aws, say, poll_seconds: float = 5.0):
        self.cfn = aws.client("cloudformation")
        self.region = aws.region
        self.say = say
        self.poll_seconds = poll_seconds

    def describe(self, name: str, call_as: str) -> dict | None:
        try:
            return self.cfn.describe_stack_set(StackSetName=name, CallAs=call_as)["StackSet"]
        except ClientError as error:
            if error_code(error) in ("StackSetNotFoundException", "StackSetNotFound"):
                return None
            raise PublishError(f"stack set {name}: {error.response['Error']['Message']}"
                               + _call_as_hint(error, call_as)) from None

    def plan(self, name: str, template: dict, units: tuple[str, ...], call_as: str) -> StackSetPlan:
        described = self.describe(name, call_as)
        if described is None:
            return StackSetPlan(name, template, units, call_as, "create", template_changed=True, add_units=list(units),
                                changes=template_changes(None, template))
        if described.get("PermissionModel") != "SERVICE_MANAGED":
            raise PublishError(f"stack set {name} exists with {described.get('PermissionModel')} permissions; "
                               "publish.target_stack_set needs a service-managed one (delete it, or change publish.stack_prefix)")
        deployed = json.loads(described.get("TemplateBody") or "{}")
        current = set(described.get("OrganizationalUnitIds", []))
        plan = StackSetPlan(
            name, template, units, call_as, "update",
            template_changed=deployed != template or described.get("AutoDeployment") != AUTO_DEPLOYMENT,
            add_units=[u for u in units if u not in current], remove_units=sorted(current - set(units)),
            changes=template_changes(deployed, template))  # a stack set has no change sets
        if not (plan.template_changed or plan.add_units or plan.remove_units):
            plan.action = "up to date"
        return plan

    def apply(self, plan: StackSetPlan) -> str:
        """Create or update the stack set, then add and remove units' instances; each operation is waited for."""
        common = {"StackSetName": plan.name, "CallAs": plan.call_as}
        body = template_body(plan.template)
        if plan.action == "create":
            self.say(f"  {plan.name}: creating the stack set")
            self._call(plan, self.cfn.create_stack_set, **common, TemplateBody=body, Capabilities=list(CAPABILITIES),
                       PermissionModel="SERVICE_MANAGED", AutoDeployment=AUTO_DEPLOYMENT,
                       Description="Roles SageMaker projects of the tooling account deploy with (sagemaker-mlops-catalog)")
        elif plan.template_changed:
            self.say(f"  {plan.name}: updating the stack set and its instances")
            self._operation(plan, self.cfn.update_stack_set, **common, TemplateBody=body, Capabilities=list(CAPABILITIES),
                            PermissionModel="SERVICE_MANAGED", AutoDeployment=AUTO_DEPLOYMENT,
                            OperationPreferences=OPERATION_PREFERENCES)
        if plan.add_units:
            self.say(f"  {plan.name}: deploying to the accounts of {', '.join(plan.add_units)}")
            self._operation(plan, self.cfn.create_stack_instances, **common, Regions=[self.region],
                            DeploymentTargets={"OrganizationalUnitIds": plan.add_units},
                            OperationPreferences=OPERATION_PREFERENCES)
        if plan.remove_units:
            self.say(f"  {plan.name}: removing the instances of {', '.join(plan.remove_units)}")
            self._operation(plan, self.cfn.delete_stack_instances, **common, Regions=[self.region], RetainStacks=False,
                            DeploymentTargets={"OrganizationalUnitIds": plan.remove_units},
                            OperationPreferences=OPERATION_PREFERENCES)
        return "created" if plan.action == "create" else "updated"

    def _call(self, plan: StackSetPlan, method, **request) -> dict:
        try:
            return method(**request)
        except ClientError as error:
            code = error_code(error)
            hint = (" (another operation on it is still running: wait for it, see aws cloudformation "
                    "list-stack-set-operations)" if code == "OperationInProgressException" else _call_as_hint(error, plan.call_as))
            raise PublishError(f"stack set {plan.name}: {error.response['Error']['Message']}{hint}") from None

    def _operation(self, plan: StackSetPlan, method, **request) -> None:
        operation_id = self._call(plan, method, **request)["OperationId"]
        while True:
            status = self.cfn.describe_stack_set_operation(
                StackSetName=plan.name, OperationId=operation_id, CallAs=plan.call_as)["StackSetOperation"]["Status"]
            if status in OPERATION_DONE:
                return
            if status in OPERATION_FAILED:
                raise PublishError(f"stack set {plan.name}: operation {operation_id} {status}: " + self._failures(plan, operation_id))
            time.sleep(self.poll_seconds)

    def _failures(self, plan: StackSetPlan, operation_id: str) -> str:
        results = self.cfn.list_stack_set_operation_results(
            StackSetName=plan.name, OperationId=operation_id, CallAs=plan.call_as).get("Summaries", [])
        failed = [f"{r.get('Account', '?')} {r.get('Region', '')}: {r.get('StatusReason', r.get('Status', '?'))}"
                  for r in results if r.get("Status") != "SUCCEEDED"]
        return "; ".join(failed) or "no account reported a failure"


def _call_as_hint(error: ClientError, call_as: str) -> str:
    """AWS refuses a caller that is not what ``CallAs`` says: point at the setting."""
    message = error.response["Error"].get("Message", "").lower()
    if error_code(error) not in ("AccessDenied", "AccessDeniedException") and not (
            "delegated administrator" in message or "management account" in message):
        return ""
    other = "SELF" if call_as == "DELEGATED_ADMIN" else "DELEGATED_ADMIN"
    return (f" (publish.target_stack_set.call_as is {call_as}: is this account a registered StackSets "
            f"{'delegated administrator' if call_as == 'DELEGATED_ADMIN' else 'management account'}? else use {other})")
