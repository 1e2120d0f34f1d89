"""What CloudFormation does around each resource of a stack, where moto's CloudFormation does less.

moto creates the resources of a template it has a model for, warns about any other type and goes on
without it, authorizes nothing, deletes in no particular order, records events only for the stack as a
whole, and lets a resource's error escape the CreateStack request. AWS does this instead, and so does
the local AWS once ``install()`` has run:

- A resource type the local AWS cannot create fails the stack, naming the type (AWS would create it;
  skipping it would hide every error after it).
- With a stack role (CreateStack's ``RoleARN``: the S3 route's RoleARN, a pipeline action's role) every
  call each resource's handlers make is checked against that role's policies, from the registry
  schemas' handler permissions (products/analysis/handler_permissions.py). "CloudFormation uses the
  role's credentials to make calls on your behalf" (CloudFormation User Guide, "CloudFormation service
  role"). Without one, the caller's role set by ``created_as`` (Service Catalog calls CreateStack as the
  launch constraint's role).
- A resource that fails is CREATE_FAILED with the reason, and the stack rolls back: what was created is
  deleted, newest first, and the stack ends ROLLBACK_COMPLETE ("If stack creation fails, CloudFormation
  rolls back any changes by deleting the resources that it created", User Guide, "Stack failure
  options"). CreateStack itself succeeds, as in AWS, where the failure shows in the stack's status.
- Resources are created in dependency order (dependencies.py), references included, and deleted in the
  reverse of their creation, so a resource goes before what it refers to.
- Each resource's CREATE_IN_PROGRESS, CREATE_COMPLETE or CREATE_FAILED and DELETE_COMPLETE is an event.
- A ``Custom::`` resource is answered by the function behind its ServiceToken, run as its role, through a
  pre-signed HTTPS response URL (custom_resources.py).
"""

import contextlib
import contextvars
import copy
import json
import warnings

from products.analysis import handler_permissions
from products.analysis.parameter_constraints import violations
from products.analysis.template_rules import rule_violations
from products.analysis.resolve import Environment
from products.local_aws import iam as emulated_iam
from products.local_aws.cloudformation import (
    change_sets, custom_resources, moto_deletions, moto_names, moto_tags, template_limits, template_parsing,
    template_values, update_reach)
from products.local_aws.cloudformation.dependencies import creation_order, unresolved


class ResourceFailed(Exception):
    """A resource CloudFormation could not create; the stack rolls back."""

    def __init__(self, logical_id: str, resource_type: str, reason: str):
        super().__init__(f"{logical_id} ({resource_type}): {reason}")
        self.logical_id, self.resource_type, self.reason = logical_id, resource_type, reason


# The role whose credentials created a stack that has no stack role: CloudFormation then calls as its caller
# ("If you don't specify a value, CloudFormation uses the role that was previously associated with the stack. If no
# role is available, CloudFormation uses a temporary session that is generated from your user credentials",
# CreateStack, RoleARN). Service Catalog calls CreateStack as the launch constraint's role, with no stack role.
_calling_role = contextvars.ContextVar("calling_role", default=None)
# Set while a failed update is undone: moto's restore re-applies every resource of the previous template, those the
# update never changed included, where CloudFormation touches only what it changed; the restore is not role-checked.
_restoring = contextvars.ContextVar("restoring", default=False)


@contextlib.contextmanager
def created_as(role_arn: str | None):
    """Stacks created inside this block have their resources checked against ``role_arn`` (the caller's role)."""
    token = _calling_role.set(role_arn)
    try:
        yield
    finally:
        _calling_role.reset(token)


def backend(account: str, region: str):
    """moto's CloudFormation of an account and region, where the local AWS's services create stacks."""
    from moto.cloudformation.models import cloudformation_backends

    return cloudformation_backends[account][region]


def failure_reason(stack) -> str:
    """Why the stack's latest operation failed: its first resource failure, as the stack's events give it (the
    stack's own latest reason if no resource failed)."""
    events = list(stack.events)
    starts = [i for i, e in enumerate(events) if e.logical_resource_id == stack.name and
              e.resource_status in ("CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS")]
    latest = events[starts[-1]:] if starts else events
    for event in latest:
        if event.resource_status.endswith("_FAILED") and event.logical_resource_id != stack.name:
            return f"{event.logical_resource_id} ({event.resource_type}): {event.resource_status_reason}"
    return next((e.resource_status_reason for e in reversed(latest) if e.resource_status_reason), "no reason")


def supported(resource_type: str) -> bool:
    """moto's own types, the ones resource_types registers with it (install() registers them first) and custom
    resources (custom_resources.py)."""
    from moto.cloudformation.parsing import get_model_map

    return custom_resources.is_custom(resource_type) or resource_type in get_model_map()


def _stack(account_id: str, region_name: str, stack_id: str):
    from moto.cloudformation.models import cloudformation_backends

    return cloudformation_backends[account_id][region_name].stacks.get(stack_id)


def check_stack_role(role_arn: str, resource_type: str, raw: dict, resolved: dict, account_id: str, region: str) -> None:
    """The stack role's policies must allow every call the resource's handlers make (RoleDenied if not)."""
    env = Environment(account=account_id, region=region)
    try:
        calls = handler_permissions.needed_calls(resource_type, raw, resolved, env)
    except (KeyError, handler_permissions.Undecided) as unknown:
        raise emulated_iam.RoleDenied(f"the local AWS does not know the calls {resource_type} needs ({unknown}); "
                                      "see products/analysis/handler_permissions.py") from None
    emulated_iam.check(account_id, role_arn, calls, caller=f"cloudformation:{resource_type}")


def _event(stack, logical_id: str, resource_type: str, status: str, physical_id: str = "", reason: str | None = None):
    from moto.cloudformation.models import Event

    stack.events.append(Event(stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
                              physical_resource_id=physical_id, resource_type=resource_type, resource_status=status,
                              resource_status_reason=reason, resource_properties=None))


def _physical_id(resource) -> str:
    return str(getattr(resource, "physical_resource_id", "") or "")


def create_resource(original, logical_id, resource_json, resources_map, account_id, region_name):
    """moto's parse_and_create_resource, as CloudFormation: type, role, events, failure (see module doc)."""
    condition = resource_json.get("Condition")
    if condition and not resources_map.lazy_condition_map[condition]:
        return None
    resource_type = resource_json["Type"]
    stack = _stack(account_id, region_name, resources_map.stack_id)
    if stack is not None:
        _event(stack, logical_id, resource_type, "CREATE_IN_PROGRESS")
    if not supported(resource_type):
        raise ResourceFailed(logical_id, resource_type, f"the local AWS cannot create resources of type {resource_type} "
                                                        "(add it in products/local_aws/cloudformation/resource_types)")
    try:
        _check_acting_role(stack, resource_json, resources_map, account_id, region_name)
        resource = original(logical_id, resource_json, resources_map, account_id, region_name)
    except ResourceFailed:
        raise
    except Exception as error:  # noqa: BLE001 - any handler error fails the resource, as in AWS
        raise ResourceFailed(logical_id, resource_type, _reason(error)) from error
    if not hasattr(resources_map, "creation_order"):  # a change set's stack: created without create_resources
        resources_map.creation_order = []
    resources_map.creation_order.append(logical_id)
    if stack is not None:
        _event(stack, logical_id, resource_type, "CREATE_COMPLETE", _physical_id(resource))
    return resource


def _checked_update(update_resource):
    """moto's parse_and_update_resource, with the resource's handler calls checked against the acting role first (as
    ``create_resource`` does): an update runs as the stack's role, or as its caller's (Service Catalog's launch role)."""
    def wrapper(logical_id, resource_json, resources_map, account_id, region_name):
        try:
            _check_acting_role(_stack(account_id, region_name, resources_map.stack_id), resource_json, resources_map,
                               account_id, region_name)
        except emulated_iam.RoleDenied as denied:
            raise ResourceFailed(logical_id, resource_json["Type"], _reason(denied)) from None
        return update_resource(logical_id, resource_json, resources_map, account_id, region_name)
    return wrapper


def _check_acting_role(stack, resource_json: dict, resources_map, account_id: str, region_name: str) -> None:
    """The resource's handler calls against the role CloudFormation acts as: the stack's, else its caller's (none:
    the harness's own credentials, unchecked). RoleDenied if one is not allowed."""
    acting_role = (stack.role_arn or _calling_role.get()) if stack is not None else None
    if not acting_role or _restoring.get():
        return
    from moto.cloudformation.parsing import clean_json

    raw = resource_json.get("Properties", {})
    resolved = clean_json(copy.deepcopy({"Properties": raw}), resources_map)["Properties"]
    check_stack_role(acting_role, resource_json["Type"], raw, _json_ready(resolved), account_id, region_name)


def _json_ready(value):
    """Resolved properties with moto's resource objects (a Ref to a resource without a physical id) as text."""
    return json.loads(json.dumps(value, default=str))


def _reason(error: Exception) -> str:
    if isinstance(error, custom_resources.CustomResourceFailed):  # CloudFormation's own words, not a handler's
        return str(error)
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    return f"Resource handler returned message: \"{message}\""


def create_resources(stack) -> None:
    """moto's Stack.create_resources, with AWS's failure and rollback (see module doc)."""
    stack.status = "CREATE_IN_PROGRESS"
    stack.resource_map.creation_order = []
    try:
        ready = stack.resource_map.create(stack.template_dict)
    except ResourceFailed as failed:
        roll_back(stack, _failed_to_create(stack, failed) + " Rollback requested by user.")
        return
    stack.description = stack.template_dict.get("Description")
    if ready:
        stack.mark_creation_complete()


def _failed_to_create(stack, failed: ResourceFailed) -> str:
    """The resource's CREATE_FAILED event; the stack's reason, as CloudFormation words it."""
    _event(stack, failed.logical_id, failed.resource_type, "CREATE_FAILED", reason=failed.reason)
    return f"The following resource(s) failed to create: [{failed.logical_id}]."


def roll_back(stack, reason: str) -> None:
    from moto.cloudformation.parsing import OutputMap

    stack.output_map = OutputMap(stack.resource_map, {}, stack.stack_id)  # a rolled-back stack has no outputs
    stack.status = "ROLLBACK_IN_PROGRESS"
    stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
    try:
        delete_resources(stack, rolling_back_creation=True)
    except ResourceFailed as failed:
        stack.status = "ROLLBACK_FAILED"
        stack._add_stack_event("ROLLBACK_FAILED", resource_status_reason=str(failed))
        return
    stack.status = "ROLLBACK_COMPLETE"
    stack._add_stack_event("ROLLBACK_COMPLETE")


def _retained(policy: str | None, rolling_back_creation: bool) -> bool:
    """DeletionPolicy Retain keeps a resource always; RetainExceptOnCreate except when the stack that created it
    rolls back its creation (CloudFormation User Guide, DeletionPolicy attribute)."""
    return policy == "Retain" or (policy == "RetainExceptOnCreate" and not rolling_back_creation)


def delete_resources(stack, rolling_back_creation: bool = False) -> None:
    """Every created resource deleted, newest first; ResourceFailed for the first that cannot be."""
    resource_map = stack.resource_map
    order = getattr(resource_map, "creation_order", None)
    if order is None:  # created before install(): moto's own order
        resource_map.delete()
        return
    for logical_id in reversed(list(order)):
        resource = resource_map._parsed_resources.get(logical_id)
        resource_json = resource_map._resource_json_map[logical_id]
        resource_type = resource_json["Type"]
        if _retained(resource_json.get("DeletionPolicy"), rolling_back_creation) or resource is None:
            order.remove(logical_id)
            continue
        _event(stack, logical_id, resource_type, "DELETE_IN_PROGRESS", _physical_id(resource))
        try:
            if not moto_deletions.deletable(resource):
                raise ResourceFailed(logical_id, resource_type, f"the local AWS cannot delete resources of type "
                                     f"{resource_type} (add it in products/local_aws/cloudformation/moto_deletions.py)")
            resource_map._delete_resource(resource, resource_json)
        except ResourceFailed as failed:
            _event(stack, logical_id, resource_type, "DELETE_FAILED", _physical_id(resource), failed.reason)
            raise
        except Exception as error:  # noqa: BLE001 - any handler error fails the deletion, as in AWS
            _event(stack, logical_id, resource_type, "DELETE_FAILED", _physical_id(resource), _reason(error))
            raise ResourceFailed(logical_id, resource_type, _reason(error)) from error
        resource_map._parsed_resources.pop(logical_id, None)
        order.remove(logical_id)
        _event(stack, logical_id, resource_type, "DELETE_COMPLETE", _physical_id(resource))


def delete(stack) -> None:
    """moto's Stack.delete: resources newest first; DELETE_FAILED naming the resource that would not go."""
    stack._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
    try:
        delete_resources(stack)
    except ResourceFailed as failed:
        stack.status = "DELETE_FAILED"
        stack._add_stack_event("DELETE_FAILED", resource_status_reason=f"The following resource(s) failed to delete: "
                                                                         f"[{failed.logical_id}]. {failed.reason}")
        return
    stack._add_stack_event("DELETE_COMPLETE")
    stack.status = "DELETE_COMPLETE"


def install() -> None:
    """Patch moto (in this process) so stacks are created and deleted as described in the module doc."""
    from moto.cloudformation import models, parsing

    from products.local_aws.cloudformation import resource_types

    resource_types.register()
    change_sets.install()
    template_values.install()
    update_reach.install()
    template_limits.install()
    template_parsing.install()
    custom_resources.install()
    moto_deletions.install()
    moto_names.install()
    moto_tags.install()
    original = parsing.parse_and_create_resource
    if getattr(original, "local_aws", False):
        return

    def parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name):
        return create_resource(original, logical_id, resource_json, resources_map, account_id, region_name)

    parse_and_create_resource.local_aws = True
    parsing.parse_and_create_resource = parse_and_create_resource
    parsing.parse_and_update_resource = _checked_update(parsing.parse_and_update_resource)
    parsing.ResourceMap._ResourceMap__get_resources_in_dependency_order = lambda self: creation_order(self._resource_json_map)
    models.Stack.create_resources = create_resources
    models.Stack.delete = delete
    # A resource whose Condition is false is not the stack's (moto listed it as an empty entry).
    models.Stack.stack_resources = property(lambda stack: [r for r in stack.resource_map.values() if r is not None])
    models.Stack.update = _updating_as_aws(models.Stack.update)
    parsing.ResourceMap.load_parameters = _only_declared(parsing.ResourceMap.load_parameters)
    models.CloudFormationBackend.delete_stack = _keeping_failed_deletions(models.CloudFormationBackend.delete_stack)
    models.CloudFormationBackend.execute_change_set = _failing_as_aws(models.CloudFormationBackend.execute_change_set)
    for method, position in (("create_stack", 1), ("update_stack", 1), ("create_change_set", 2)):
        setattr(models.CloudFormationBackend, method, _validated(getattr(models.CloudFormationBackend, method), position))
    models.CloudFormationBackend.create_change_set = _naming_stacks_by_id(models.CloudFormationBackend.create_change_set)


def _naming_stacks_by_id(create_change_set):
    """CreateChangeSet's StackName is "the name or the unique ID (ARN)" of the stack (API Reference); moto finds an
    UPDATE change set's stack by name only, and answered a stack's ARN with "does not exist"."""
    def wrapper(backend, *args, **kwargs):
        stack = backend.stacks.get(kwargs.get("stack_name", ""))
        if stack is not None:
            kwargs["stack_name"] = stack.name
        return create_change_set(backend, *args, **kwargs)
    return wrapper


def _validated(call, position: int):
    """CreateStack, UpdateStack and CreateChangeSet refuse a template that refers to what it does not declare, and
    a parameter value its declaration does not allow (AllowedValues, AllowedPattern, lengths), as CloudFormation's
    validation does; moto answered the first with an HTTP 500 and let the second through."""
    def wrapper(backend, *args, **kwargs):
        from cfn_tools import load_yaml
        from moto.cloudformation.exceptions import ValidationError

        body = kwargs.get("template", args[position] if len(args) > position else None)  # the template's place
        try:
            template = json.loads(body) if isinstance(body, str) else None
        except ValueError:
            template = load_yaml(body)
        problem = unresolved(template) if isinstance(template, dict) else None
        if not problem and isinstance(template, dict):
            given = _given(kwargs.get("parameters"), backend.stacks.get(kwargs.get("name", "")) or next(
                (st for st in backend.stacks.values() if st.name == kwargs.get("name")), None))
            problem = next(iter(violations(template.get("Parameters", {}), given) + rule_violations(template, given)), None)
        if problem:
            raise ValidationError(message=problem)
        return call(backend, *args, **kwargs)
    return wrapper


def _given(parameters, stack) -> dict:
    """The parameter values a call gives: moto passes a mapping (CreateChangeSet's with previous values filled in),
    or UpdateStack's list, whose UsePreviousValue entries take the stack's value, which the new template checks too."""
    if isinstance(parameters, dict):
        return parameters
    previous = stack.stack_parameters if stack is not None else {}
    return {p["ParameterKey"]: previous.get(p["ParameterKey"]) if p.get("UsePreviousValue") else p.get("ParameterValue")
            for p in parameters or [] if p.get("UsePreviousValue") or "ParameterValue" in p}


def _failing_as_aws(execute_change_set):
    """moto lets a resource's failure escape ExecuteChangeSet (an HTTP 500), and leaves the stack with the outputs
    of the template before the change. In AWS the call succeeds, the outputs are the new template's, and the
    stack fails: a CREATE change set's stack rolls back to ROLLBACK_COMPLETE, an UPDATE's to its previous
    template and parameters (``roll_back_update``)."""
    def wrapper(backend, change_set_name: str, stack_name: str | None = None) -> None:
        change_set = backend.change_sets.get(change_set_name) or next(
            (c for c in backend.change_sets.values() if c.change_set_name == change_set_name), None)
        previous_parameters = dict(change_set.stack.resource_map.input_parameters or {}) if change_set else {}
        try:
            execute_change_set(backend, change_set_name, stack_name)
            stack = backend.stacks[change_set.stack_id]
            # moto computes a stack's outputs when the stack is made, before a change set has created anything:
            # a stack created or updated by a change set had no outputs (the portfolio stack no PortfolioId).
            stack._parse_template()  # execute_change_set set stack.template, not the parsed template_dict
            stack.output_map = stack._create_output_map()
        except Exception as error:  # noqa: BLE001 - a resource's failure, or moto's own update errors
            if change_set is None or (change_set.change_set_type == "CREATE" and not isinstance(error, ResourceFailed)):
                raise
            change_set.execution_status = "EXECUTE_FAILED"
            stack = backend.stacks[change_set.stack_id]
            if change_set.change_set_type == "CREATE":
                roll_back(stack, _failed_to_create(stack, error) + " Rollback requested by user.")
            else:
                _update_failed(stack, error, stack.template, previous_parameters)
    return wrapper


def _updating_as_aws(update):
    """moto's Stack.update lets a resource's failure escape (an HTTP 500) and leaves the stack half updated; in AWS
    UpdateStack's stack goes to UPDATE_ROLLBACK_COMPLETE, back on its previous template and parameters."""
    def wrapper(stack, template: str, role_arn: str | None = None, parameters: dict | None = None, tags=None) -> None:
        previous_template = stack.template
        previous_parameters = dict(stack.resource_map.input_parameters or {})
        # The update runs as the role it names (moto associated it only afterwards); without one, as the stack's.
        stack.role_arn = role_arn or stack.role_arn
        try:
            update(stack, template, role_arn=stack.role_arn, parameters=parameters, tags=tags)
        except Exception as error:  # noqa: BLE001 - a resource's failure, or moto's own update errors
            _update_failed(stack, error, previous_template, previous_parameters)
    return wrapper


def _update_failed(stack, error: Exception, previous_template: str, previous_parameters: dict) -> None:
    """The failed resource's event (CREATE_FAILED for one the update added, UPDATE_FAILED for one it changed), then
    the rollback. An error moto raised itself (a Modify it could not make) names no resource."""
    if isinstance(error, ResourceFailed):
        verb = "create" if error.logical_id not in (stack.resource_map._parsed_resources or {}) else "update"
        _event(stack, error.logical_id, error.resource_type, f"{verb.upper()}_FAILED", reason=error.reason)
        reason = f"The following resource(s) failed to {verb}: [{error.logical_id}]."
    else:
        reason = _reason(error)
    roll_back_update(stack, reason, previous_template, previous_parameters)


def _only_declared(load_parameters):
    """moto adds each template's parameters to the stack's, so a parameter an update drops stayed listed
    (DescribeStacks); a stack has exactly its template's parameters."""
    def wrapper(resource_map) -> None:
        resource_map.resolved_parameters = {}
        load_parameters(resource_map)
    return wrapper


def roll_back_update(stack, reason: str, previous_template: str, previous_parameters: dict) -> None:
    """A failed update, undone: the previous template's resources and parameters restored, UPDATE_ROLLBACK_COMPLETE
    with the failure's reason (UPDATE_ROLLBACK_FAILED when the previous resources cannot be restored). What AWS keeps
    and moto cannot (a removed resource's data) is not emulated: moto deletes before it adds, AWS after."""
    stack.status = "UPDATE_ROLLBACK_IN_PROGRESS"
    stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
    stack.template = previous_template
    stack._parse_template()
    token = _restoring.set(True)
    try:
        with warnings.catch_warnings():  # moto warns of each failed resource it has nothing to remove for
            warnings.simplefilter("ignore")
            stack.resource_map.update(stack.template_dict, previous_parameters)
    except Exception as error:  # noqa: BLE001 - whatever stops the restore fails the rollback, as in AWS
        stack.status = "UPDATE_ROLLBACK_FAILED"
        stack._add_stack_event("UPDATE_ROLLBACK_FAILED", resource_status_reason=_reason(error))
        return
    finally:
        _restoring.reset(token)
    stack.output_map = stack._create_output_map()
    stack.status = "UPDATE_ROLLBACK_COMPLETE"
    stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE", resource_status_reason=reason)


def _keeping_failed_deletions(delete_stack):
    """moto moves a stack to its deleted stacks whatever happened; in AWS a DELETE_FAILED stack stays listed."""
    def wrapper(backend, name_or_stack_id: str) -> None:
        before = dict(backend.stacks)
        delete_stack(backend, name_or_stack_id)
        for stack_id, stack in before.items():
            if stack.status == "DELETE_FAILED" and stack_id not in backend.stacks:
                backend.stacks[stack_id] = stack
                backend.deleted_stacks.pop(stack_id, None)
    return wrapper
