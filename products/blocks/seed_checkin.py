"""Seed-code check-in for repositories the stack does not create (third-party Git).

A CodeBuild project pushes a seed zip into an empty repository through the project's
CodeConnections connection; a Lambda-backed custom resource per repository starts it
and reports the result to CloudFormation. The function's code is
``products/functions/seed_checkin.py``, inlined so the template stays self-contained.
"""

from dataclasses import dataclass
from pathlib import Path

from troposphere import AWSObject, GetAtt, Ref, awslambda, codebuild

from products.blocks import build_contract as contract
from products.blocks.codebuild import standalone_build_project
from products.blocks.git_connection import GitRepository
from products.blocks.iam import RoleNames
from products.blocks.naming import PROJECT_ID_PARAMETER, PROJECT_NAME_PARAMETER, project_resource_name, project_tags
from products.functions import seed_checkin as handler_module

BUILDSPEC_PATH = Path(__file__).resolve().parents[2] / "buildspecs" / contract.SEED_CHECKIN_BUILDSPEC
HANDLER_SOURCE = Path(handler_module.__file__)
LAMBDA_RUNTIME = "python3.12"
# Queued plus running, the build must end before the function gives up on it, so that a
# stuck push is reported as the build's own timeout rather than as a stopped build.
BUILD_QUEUED_TIMEOUT_MINUTES = 5
BUILD_TIMEOUT_MINUTES = 8
FUNCTION_TIMEOUT_SECONDS = 900
_SET_PER_BUILD = "set per build by the seed check-in custom resource"


class SeedCheckin(AWSObject):
    """``Custom::SeedCheckin``: the properties are those the handler reads."""

    resource_type = "Custom::SeedCheckin"
    props = {
        "ServiceToken": (str, True),
        "BuildProjectName": (str, True),
        "ConnectionArn": (str, True),
        "RepositoryFullName": (str, True),
        "Branch": (str, True),
        "SeedCodeBucket": (str, True),
        "SeedCodeKey": (str, True),
    }


@dataclass(frozen=True)
class SeedCheckinMachine:
    project: codebuild.Project
    function: awslambda.Function

    @property
    def resources(self) -> list:
        return [self.project, self.function]

    def checkin(self, logical_id: str, connection_arn, repository: GitRepository, seed_location) -> SeedCheckin:
        """One repository to seed; ``seed_location`` is ``(bucket, key)`` of its seed zip."""
        bucket, key = seed_location
        return SeedCheckin(
            logical_id,
            ServiceToken=GetAtt(self.function, "Arn"),
            BuildProjectName=Ref(self.project),
            ConnectionArn=connection_arn,
            RepositoryFullName=repository.full_name,
            Branch=repository.branch,
            SeedCodeBucket=bucket,
            SeedCodeKey=key,
        )


def seed_checkin_machine(roles: RoleNames) -> SeedCheckinMachine:
    """The build that pushes and the function that starts it, shared by all repositories."""
    project = standalone_build_project(
        "SeedCheckinProject",
        project_resource_name("seed"),
        "Pushes the seed code into an empty repository of the project (started by the stack)",
        roles.arn("codebuild"),
        BUILDSPEC_PATH.read_text(),
        {
            contract.ENV_PROJECT_NAME: Ref(PROJECT_NAME_PARAMETER),
            contract.ENV_PROJECT_ID: Ref(PROJECT_ID_PARAMETER),
            contract.ENV_GIT_REPOSITORY_URL: _SET_PER_BUILD,
            contract.ENV_GIT_BRANCH: _SET_PER_BUILD,
            contract.ENV_SEED_CODE_URI: _SET_PER_BUILD,
        },
        timeout_minutes=BUILD_TIMEOUT_MINUTES,
        queued_timeout_minutes=BUILD_QUEUED_TIMEOUT_MINUTES,
    )
    function = awslambda.Function(
        "SeedCheckinFunction",
        FunctionName=project_resource_name("seed"),
        Description="Answers the stack's seed check-in custom resources (starts and watches the build)",
        Runtime=LAMBDA_RUNTIME,
        Handler="index.handler",
        Code=awslambda.Code(ZipFile=HANDLER_SOURCE.read_text()),
        Role=roles.arn("function"),
        Timeout=FUNCTION_TIMEOUT_SECONDS,
        MemorySize=128,
        Tags=project_tags(),
        Metadata={"checkov": {"skip": [
            {"id": "CKV_AWS_116", "comment": "CloudFormation invokes it synchronously; a DLQ only receives "
                                             "failed asynchronous invocations, and every failure is answered to CloudFormation"},
            {"id": "CKV_AWS_117", "comment": "It calls only AWS APIs (CodeBuild) and reaches no private resource; "
                                             "a VPC would add NAT or endpoints for nothing"},
            {"id": "CKV_AWS_115", "comment": "Only CloudFormation invokes it, once per repository per stack operation; "
                                             "reserved concurrency would take from the account's unreserved pool"},
        ]}},
    )
    return SeedCheckinMachine(project, function)
