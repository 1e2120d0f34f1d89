"""Seed-code check-in for repositories the stack does not create (third-party Git).

A CodeBuild project pushes a seed zip into an empty repository through the project's
CodeConnections connection; a Lambda-backed custom resource per repository starts it
and reports the result to CloudFormation. The function's code is
``products/functions/seed_checkin.py``, inlined (products/blocks/functions.py).
"""

from dataclasses import dataclass
from pathlib import Path

from troposphere import AWSObject, GetAtt, Output, Ref, Template, awslambda, codebuild

from products.blocks import build_contract as contract
from products.blocks.codebuild import standalone_build_project
from products.blocks.git_connection import GitRepository, add_repository_parameters
from products.blocks.iam import RoleNames
from products.blocks.naming import PROJECT_ID_PARAMETER, PROJECT_NAME_PARAMETER, project_resource_name
from products.blocks.pipelines import connection_source, push_trigger
from products.blocks.functions import CUSTOM_RESOURCE_FUNCTION_SKIPS, custom_resource_function
from products.functions import seed_checkin as handler_module

BUILDSPEC_PATH = Path(__file__).resolve().parents[2] / "buildspecs" / contract.SEED_CHECKIN_BUILDSPEC
# Queued plus running, the build must end before the function gives up on it, so that a
# stuck push is reported as the build's own timeout rather than as a stopped build.
BUILD_QUEUED_TIMEOUT_MINUTES = 5
BUILD_TIMEOUT_MINUTES = 8
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


SEED_RESULT = "pushed, or skipped when the repository already had commits"


@dataclass(frozen=True)
class SeededGitSource:
    """One repository reached through the connection: the pipeline's Source action, started only by
    pushes to the configured branch (V2 trigger), and the check-in that seeds the repository."""

    role: str  # ModelBuild | ModelDeploy: names the parameters, the check-in and its output
    repository: GitRepository
    action: object  # codepipeline.Actions
    triggers: list
    checkin: SeedCheckin

    def gate(self, pipeline) -> None:
        """A new pipeline runs once on creation: it waits for the check-in, so that run finds the seed code."""
        pipeline.DependsOn = [*getattr(pipeline, "DependsOn", []), self.checkin.title]

    def seed_result_output(self) -> Output:
        """``<role>SeedResult``: what the check-in did to the repository."""
        return Output(f"{self.role}SeedResult", Value=GetAtt(self.checkin, "SeedResult"), Description=SEED_RESULT)


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

    def seeded_source(self, template: Template, connection_arn, role: str, title: str, seed_location) -> SeededGitSource:
        """The repository's parameters (``<role>CodeRepositoryFullname``/``Branch``), Source action, trigger
        and check-in (``<role>SeedCheckin``)."""
        repository = add_repository_parameters(template, role, title)
        action = connection_source(connection_arn, repository.full_name, repository.branch, contract.SOURCE_ARTIFACT)
        checkin = self.checkin(f"{role}SeedCheckin", connection_arn, repository, seed_location)
        return SeededGitSource(role, repository, action, [push_trigger(repository.branch)], checkin)


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
    function = custom_resource_function(
        "SeedCheckinFunction", "seed", "Answers the stack's seed check-in custom resources (starts and watches the build)",
        handler_module, roles, CUSTOM_RESOURCE_FUNCTION_SKIPS,
    )
    return SeedCheckinMachine(project, function)
