"""Custom resource: when a project is deleted, delete the endpoint stacks its deploy pipeline made.

The deploy pipeline creates ``sagemaker-<project>-deploy-staging`` and ``-prod`` itself, so
they are not part of the project's stack; left behind, their endpoints keep billing. On
Delete this function deletes each that exists and waits until they are gone. CloudFormation
deletes them with their own service role (the one that created them), so this function
needs only DeleteStack and DescribeStacks. A stage in another account (``RoleArn`` set: that
account's deploy role, which created the stack) is reached through that role, as the deploy
action reached it. Create and Update only check the ``Stacks`` property.

It answers every request exactly once, before its own timeout: FAILED names the stack that
could not be deleted (a DELETE_FAILED stack, or one still deleting when time runs out), so
that a termination never hides an endpoint that still bills.

The file is inlined into the product template (``Code.ZipFile``) after the shared
cfn_response.py, so it may only import the standard library and boto3.
"""

import json
import time

try:  # in Lambda, cfn_response.py is inlined above this module (products/blocks/functions.py)
    from products.functions.cfn_response import ANSWER_MARGIN_SECONDS, failure_reason, send_response
except ImportError:
    pass

POLL_SECONDS = 15
PHYSICAL_ID = "endpoint-stacks"


class CleanupError(Exception):
    """A stack could not be deleted; the message is the reason CloudFormation shows."""


def handler(event, context, cloudformation_for=None, sleep=time.sleep):
    """Lambda entry point. Answers CloudFormation whatever happens.

    ``cloudformation_for(role_arn)``: a CloudFormation client for the account of a role ("" for this one)."""
    try:
        data = {}
        if event["RequestType"] not in ("Create", "Update", "Delete"):
            raise CleanupError(f"unknown RequestType {event['RequestType']!r}")
        stacks = stacks_property(event.get("ResourceProperties", {}))
        if event["RequestType"] == "Delete":
            deleted = delete_stacks(stacks, cloudformation_for or cloudformation_client, context, sleep)
            data = {"DeletedStacks": ",".join(deleted)}
        status, reason = "SUCCESS", ""
    except Exception as error:  # noqa: BLE001 - every error must become a FAILED answer
        status, data, reason = "FAILED", {}, failure_reason(error, CleanupError)
    print(json.dumps({"RequestType": event.get("RequestType"), "Status": status, "Reason": reason, "Data": data}))
    send_response(event, status, event.get("PhysicalResourceId") or PHYSICAL_ID, data, reason)


def stacks_property(properties: dict) -> list:
    """``Stacks``, checked on every request: a misspelled property must fail the project's creation,
    not let its deletion find nothing to delete and leave the endpoints billing."""
    stacks = properties.get("Stacks")
    if not isinstance(stacks, list) or not all(isinstance(s, dict) and s.get("StackName") for s in stacks):
        raise CleanupError(f"property Stacks must list {{StackName, RoleArn}} objects, got {stacks!r}")
    return stacks


def delete_stacks(stacks, cloudformation_for, context, sleep) -> list:
    """Delete the stacks (``{"StackName", "RoleArn"}``) that exist and wait until they are gone; the ones deleted."""
    clients = {stack["StackName"]: _reach(cloudformation_for, stack) for stack in stacks}
    deleting = []
    for name, cloudformation in clients.items():
        if _status(cloudformation, name)[0] not in (None, "DELETE_COMPLETE"):
            cloudformation.delete_stack(StackName=name)
            deleting.append(name)
    waiting = list(deleting)
    while waiting:
        for name in list(waiting):
            status, reason = _status(clients[name], name)
            if status in (None, "DELETE_COMPLETE"):
                waiting.remove(name)
            elif status == "DELETE_FAILED":
                raise CleanupError(f"stack {name} could not be deleted ({reason}); its endpoint may still be running")
        if waiting and context.get_remaining_time_in_millis() / 1000 < ANSWER_MARGIN_SECONDS + POLL_SECONDS:
            raise CleanupError(f"stacks {', '.join(waiting)} were still being deleted when time ran out; check them")
        if waiting:
            sleep(POLL_SECONDS)
    return deleting


def _status(cloudformation, name):
    """(status, reason) of the stack called ``name``; (None, None) if there is none."""
    try:
        stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    except cloudformation.exceptions.ClientError as error:
        if "does not exist" in str(error):
            return None, None
        raise
    return stack["StackStatus"], stack.get("StackStatusReason", "")


def _reach(cloudformation_for, stack):
    role = stack.get("RoleArn") or ""
    try:
        return cloudformation_for(role)
    except Exception as error:  # noqa: BLE001 - an unreachable stage must fail the termination, naming it
        raise CleanupError(f"cannot reach stack {stack['StackName']} through {role} ({error}); "
                           "its endpoint may still be running") from None


def cloudformation_client(role_arn: str, session=None):
    """CloudFormation in this account (``role_arn`` empty), or in a role's account as that role.

    ``session``: the boto3 session to call STS with (in Lambda, the function role's: the default)."""
    import boto3  # imported here so that the module loads without it in unit tests

    session = session or boto3.Session()
    if not role_arn:
        return session.client("cloudformation")
    credentials = session.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="sagemaker-endpoint-cleanup")["Credentials"]
    return session.client("cloudformation", aws_access_key_id=credentials["AccessKeyId"],
                          aws_secret_access_key=credentials["SecretAccessKey"], aws_session_token=credentials["SessionToken"])
