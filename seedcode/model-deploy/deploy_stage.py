"""Create or update one stage's endpoint stack: what the deploy pipeline's CloudFormation action does.

The GitHub Actions workflow (.github/workflows/model-deploy.yml) runs it; in CodePipeline the action itself does
the same from the same files. It reads a stage configuration build.py wrote ({"Parameters": ..., "Tags": ...},
CodePipeline's template configuration format) and deploys endpoint-config-template.yml with it, as the given
CloudFormation role, through a change set: created, waited for, executed, waited for. A stack left in
ROLLBACK_COMPLETE by a failed first deployment is deleted first (it cannot be updated). A change set with no
changes is deleted and the stage is left as it is.

    python deploy_stage.py --stack-name NAME --config staging-config-export.json --role-arn ARN

Exit 0 when the stack is deployed (or unchanged); 1 with one line saying why otherwise.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError, WaiterError

TEMPLATE = Path(__file__).resolve().parent / "endpoint-config-template.yml"
CHANGE_SET = "deploy"
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")


class DeployError(RuntimeError):
    """The stage was not deployed; the message says why, in one line."""


def stack_status(cloudformation, stack: str) -> str | None:
    """The stack's status, None when there is none (CloudFormation answers a missing stack with an error)."""
    try:
        return cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise


def change_set_request(stack: str, config: dict, role_arn: str, kind: str) -> dict:
    """CreateChangeSet for the stage's configuration: CodePipeline's template configuration, as its action reads it."""
    return {
        "StackName": stack, "ChangeSetName": CHANGE_SET, "ChangeSetType": kind, "RoleARN": role_arn,
        "TemplateBody": TEMPLATE.read_text(),
        "Parameters": [{"ParameterKey": k, "ParameterValue": str(v)} for k, v in config["Parameters"].items()],
        "Tags": [{"Key": k, "Value": v} for k, v in config.get("Tags", {}).items()],
    }


def _forget_change_set(cloudformation, stack: str) -> None:
    """A change set an earlier run left (failed, or never executed): its name must be free for this run's."""
    try:
        cloudformation.delete_change_set(StackName=stack, ChangeSetName=CHANGE_SET)
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("ChangeSetNotFound", "ChangeSetNotFoundException", "ValidationError"):
            raise


def deploy(cloudformation, stack: str, config: dict, role_arn: str, wait_seconds: int = 5) -> str:
    """``created``, ``updated`` or ``unchanged``; DeployError if CloudFormation refuses or rolls back."""
    status = stack_status(cloudformation, stack)
    if status == "ROLLBACK_COMPLETE":
        cloudformation.delete_stack(StackName=stack)
        cloudformation.get_waiter("stack_delete_complete").wait(StackName=stack, WaiterConfig={"Delay": wait_seconds})
        status = None
    if status is not None:
        _forget_change_set(cloudformation, stack)
    # A stack only a CREATE change set ever touched is REVIEW_IN_PROGRESS: it takes another CREATE change set.
    kind = "CREATE" if status in (None, "REVIEW_IN_PROGRESS") else "UPDATE"
    cloudformation.create_change_set(**change_set_request(stack, config, role_arn, kind))
    try:
        cloudformation.get_waiter("change_set_create_complete").wait(
            StackName=stack, ChangeSetName=CHANGE_SET, WaiterConfig={"Delay": wait_seconds})
    except WaiterError:
        reason = cloudformation.describe_change_set(StackName=stack, ChangeSetName=CHANGE_SET).get("StatusReason", "")
        cloudformation.delete_change_set(StackName=stack, ChangeSetName=CHANGE_SET)
        if any(text in reason for text in NO_CHANGES):
            return "unchanged"
        raise DeployError(f"{stack}: the change set failed: {reason}") from None
    cloudformation.execute_change_set(StackName=stack, ChangeSetName=CHANGE_SET)
    done = "stack_create_complete" if kind == "CREATE" else "stack_update_complete"
    try:
        cloudformation.get_waiter(done).wait(StackName=stack, WaiterConfig={"Delay": wait_seconds, "MaxAttempts": 720})
    except WaiterError:
        raise DeployError(f"{stack}: {stack_status(cloudformation, stack)} (see the stack's events)") from None
    return "created" if kind == "CREATE" else "updated"


def main(argv=None, cloudformation=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack-name", required=True, help="the stage's stack, e.g. sagemaker-<project>-deploy-staging")
    parser.add_argument("--config", required=True, type=Path, help="a stage configuration build.py wrote")
    parser.add_argument("--role-arn", required=True, help="the role CloudFormation deploys the stack as")
    args = parser.parse_args(argv)
    try:
        config = json.loads(args.config.read_text())
        started = time.monotonic()
        outcome = deploy(cloudformation or boto3.client("cloudformation"), args.stack_name, config, args.role_arn)
    except (OSError, ValueError, KeyError) as error:
        print(f"deploy_stage.py: {args.config}: {error}", file=sys.stderr)
        return 1
    except (DeployError, ClientError, BotoCoreError) as error:
        print(f"deploy_stage.py: {error}", file=sys.stderr)
        return 1
    print(f"{args.stack_name}: {outcome} in {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
