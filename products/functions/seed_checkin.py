"""Custom resource: push the seed code into an empty third-party Git repository.

CloudFormation waits up to an hour for a custom resource's answer, and a stack whose
delete cannot be answered is stuck. So this function answers every request exactly
once, before its own timeout: FAILED with the reason on any error, SUCCESS on delete
without touching the repository. The push itself runs in a CodeBuild project (git and
the connection's credentials live there); this function starts that build and waits.

The file is inlined into the product template (``Code.ZipFile``) after the shared
cfn_response.py, so it may only import the standard library and boto3, which the Lambda
Python runtime provides.
"""

import json
import time

try:  # in Lambda, cfn_response.py is inlined above this module (products/blocks/functions.py)
    from products.functions.cfn_response import ANSWER_MARGIN_SECONDS, failure_reason, send_response
except ImportError:
    pass

REQUIRED_PROPERTIES = (
    "BuildProjectName",
    "ConnectionArn",
    "RepositoryFullName",
    "Branch",
    "SeedCodeBucket",
    "SeedCodeKey",
)
# Properties whose change means a different repository or seed: re-run the check-in.
CHECKIN_PROPERTIES = ("ConnectionArn", "RepositoryFullName", "Branch", "SeedCodeBucket", "SeedCodeKey")
POLL_SECONDS = 10
TERMINAL_STATUSES = {"SUCCEEDED", "FAILED", "FAULT", "TIMED_OUT", "STOPPED"}


class CheckinError(Exception):
    """The check-in failed; the message is the reason CloudFormation shows."""


def handler(event, context, codebuild=None, sleep=time.sleep):
    """Lambda entry point. Answers CloudFormation whatever happens."""
    physical_id = event.get("PhysicalResourceId") or _physical_id(event.get("ResourceProperties", {}))
    try:
        data = {}
        if _checkin_needed(event):
            properties = _properties(event)
            physical_id = _physical_id(properties)
            data = run_checkin(properties, codebuild or _codebuild_client(), context, sleep)
        status, reason = "SUCCESS", ""
    except Exception as error:  # noqa: BLE001 - every error must become a FAILED answer
        status, data, reason = "FAILED", {}, failure_reason(error, CheckinError)
    print(json.dumps({"RequestType": event.get("RequestType"), "Status": status, "Reason": reason, "Data": data}))
    send_response(event, status, physical_id, data, reason)


def _checkin_needed(event) -> bool:
    request = event["RequestType"]
    if request == "Delete":
        return False  # never touch the repositories: they hold the team's work
    if request == "Create":
        return True
    if request == "Update":
        old = event.get("OldResourceProperties", {})
        new = event.get("ResourceProperties", {})
        return any(old.get(key) != new.get(key) for key in CHECKIN_PROPERTIES)
    raise CheckinError(f"unknown RequestType {request!r}")


def _properties(event) -> dict:
    properties = event.get("ResourceProperties", {})
    missing = [key for key in REQUIRED_PROPERTIES if not properties.get(key)]
    if missing:
        raise CheckinError(f"missing resource properties: {', '.join(missing)}")
    return properties


def _physical_id(properties) -> str:
    """The repository and branch: a new one makes CloudFormation delete (ignore) the old."""
    return f"{properties.get('RepositoryFullName', 'unknown')}@{properties.get('Branch', '')}"


def git_url(connection_arn: str, full_name: str) -> str:
    """The HTTPS Git URL through which CodeConnections serves a connection's repositories."""
    parts = connection_arn.split(":", 5)
    if len(parts) != 6 or parts[2] not in ("codeconnections", "codestar-connections"):
        raise CheckinError(f"not a CodeConnections connection ARN: {connection_arn!r}")
    _, _, service, region, account, resource = parts
    connection_id = resource.split("/", 1)[-1]
    return f"https://{service}.{region}.amazonaws.com/git-http/{account}/{region}/{connection_id}/{full_name}.git"


def run_checkin(properties, codebuild, context, sleep=time.sleep) -> dict:
    """Start the check-in build and wait for it; the data returned is the resource's attributes."""
    url = git_url(properties["ConnectionArn"], properties["RepositoryFullName"])
    overrides = {
        "GIT_REPOSITORY_URL": url,
        "GIT_BRANCH": properties["Branch"],
        "SEED_CODE_URI": f"s3://{properties['SeedCodeBucket']}/{properties['SeedCodeKey']}",
    }
    build = codebuild.start_build(
        projectName=properties["BuildProjectName"],
        environmentVariablesOverride=[
            {"name": name, "value": value, "type": "PLAINTEXT"} for name, value in sorted(overrides.items())
        ],
    )["build"]
    build_id = build["id"]
    while build["buildStatus"] not in TERMINAL_STATUSES:
        if context.get_remaining_time_in_millis() / 1000 < ANSWER_MARGIN_SECONDS + POLL_SECONDS:
            codebuild.stop_build(id=build_id)
            raise CheckinError(f"seed check-in build {build_id} did not finish in time and was stopped")
        sleep(POLL_SECONDS)
        build = codebuild.batch_get_builds(ids=[build_id])["builds"][0]
    if build["buildStatus"] != "SUCCEEDED":
        raise CheckinError(_build_failure(build))
    exported = {v["name"]: v.get("value", "") for v in build.get("exportedEnvironmentVariables", [])}
    return {"RepositoryUrl": url, "SeedResult": exported.get("SEED_RESULT", "unknown"), "BuildId": build_id}


def _build_failure(build) -> str:
    """Status, the failed phase and its message, and where the log is."""
    reason = f"seed check-in build {build['id']} {build['buildStatus']}"
    for phase in build.get("phases", []):
        if phase.get("phaseStatus") not in (None, "SUCCEEDED"):
            messages = "; ".join(c.get("message", "") for c in phase.get("contexts", []) if c.get("message"))
            reason += f" in {phase['phaseType']}" + (f": {messages}" if messages else "")
            break
    link = build.get("logs", {}).get("deepLink")
    return reason + (f" (log: {link})" if link else "")




def _codebuild_client():
    import boto3  # imported here so that the module loads without it in unit tests

    return boto3.client("codebuild")


