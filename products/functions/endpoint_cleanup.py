"""Custom resource: when a project is deleted, delete the endpoint stacks its deploy pipeline made.

The deploy pipeline creates ``sagemaker-<project>-deploy-staging`` and ``-prod`` itself, so
they are not part of the project's stack; left behind, their endpoints keep billing. On
Delete this function deletes each that exists and waits until they are gone. CloudFormation
deletes them with their own service role (the one that created them), so this function
needs only DeleteStack and DescribeStacks. Create and Update do nothing.

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


def handler(event, context, cloudformation=None, sleep=time.sleep):
    """Lambda entry point. Answers CloudFormation whatever happens."""
    try:
        data = {}
        if event["RequestType"] == "Delete":
            names = event.get("ResourceProperties", {}).get("StackNames") or []
            data = {"DeletedStacks": ",".join(delete_stacks(names, cloudformation or _client(), context, sleep))}
        elif event["RequestType"] not in ("Create", "Update"):
            raise CleanupError(f"unknown RequestType {event['RequestType']!r}")
        status, reason = "SUCCESS", ""
    except Exception as error:  # noqa: BLE001 - every error must become a FAILED answer
        status, data, reason = "FAILED", {}, failure_reason(error, CleanupError)
    print(json.dumps({"RequestType": event.get("RequestType"), "Status": status, "Reason": reason, "Data": data}))
    send_response(event, status, event.get("PhysicalResourceId") or PHYSICAL_ID, data, reason)


def delete_stacks(names, cloudformation, context, sleep) -> list:
    """Delete the stacks of ``names`` that exist and wait until they are gone; the ones deleted."""
    deleting = []
    for name in names:
        if _status(cloudformation, name)[0] not in (None, "DELETE_COMPLETE"):
            cloudformation.delete_stack(StackName=name)
            deleting.append(name)
    waiting = list(deleting)
    while waiting:
        for name in list(waiting):
            status, reason = _status(cloudformation, name)
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


def _client():
    import boto3  # imported here so that the module loads without it in unit tests

    return boto3.client("cloudformation")
