"""Deletion for moto's own resource types that moto creates in a stack but never deletes with it.

moto deletes a stack's resource through the resource's ``delete`` or its model's
``delete_from_cloudformation_json``; a model with neither is skipped without a word, so the resource outlives its
stack. Two of the catalog's types were: ``AWS::IAM::ManagedPolicy`` (publishing again after ``destroy --roles``
failed with EntityAlreadyExists on the S3 route's user policy) and ``AWS::Lambda::Permission`` (the statement
stayed in the function's policy). Their deletion here does what their registry handlers' delete permissions say:
the policy is detached from its roles, groups and users, then deleted (iam:Detach*Policy, iam:DeletePolicy); the
permission's statement is removed (lambda:RemovePermission).

``deletable`` lets stacks.py fail a deletion, naming the type, for any other type without deletion, rather than
leave a resource behind silently.
"""

import json
import uuid

from moto.core.common_models import CloudFormationModel


def deletable(resource) -> bool:
    """Whether moto (or this module) can delete ``resource`` when its stack goes."""
    if isinstance(resource, str) or not isinstance(resource, CloudFormationModel):
        return True  # not a created resource (a parameter's value, a plain reference): nothing to delete
    if callable(getattr(resource, "delete", None)):
        return True
    return not hasattr(type(resource).delete_from_cloudformation_json, "__isabstractmethod__")


def _delete_managed_policy(policy, account_id: str, region_name: str) -> None:
    """Detach from every role, group and user, then delete (the handler's order; IAM refuses an attached policy)."""
    backend = policy.backend
    for entities in (backend.roles.values(), backend.groups.values(), backend.users.values()):
        for entity in list(entities):
            if policy.arn in entity.managed_policies:
                policy.detach_from(entity)
    backend.delete_policy(policy.arn)


def _create_permission(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    """moto's creation, keeping the function and the statement id (moto kept neither, so could not delete)."""
    from moto.awslambda.models import get_backend

    properties = dict(cloudformation_json["Properties"])
    properties.setdefault("StatementId", f"{resource_name}-{uuid.uuid4().hex[:12]}")  # CloudFormation names it so
    function = get_backend(account_id, region_name).get_function(properties["FunctionName"])
    function.policy.add_statement(raw=json.dumps(properties))
    permission = cls(region=region_name)
    permission.function_name, permission.statement_id = properties["FunctionName"], properties["StatementId"]
    permission.account_id = account_id
    return permission


def _delete_permission(permission, account_id: str, region_name: str) -> None:
    from moto.awslambda.models import get_backend

    backend = get_backend(account_id, region_name)
    if any(f.function_name == permission.function_name or f.function_arn == permission.function_name
           for f in backend.list_functions()):  # the function may already be gone with the stack: so is its policy
        backend.get_function(permission.function_name).policy.del_statement(permission.statement_id)


def install() -> None:
    from moto.awslambda.models import Permission
    from moto.iam.models import ManagedPolicy

    ManagedPolicy.delete = _delete_managed_policy
    Permission.create_from_cloudformation_json = classmethod(_create_permission)
    Permission.delete = _delete_permission
