"""CodeBuild projects: those a CodePipeline runs, and standalone ones started by the stack."""

from troposphere import codebuild

from products.blocks.naming import project_tags

# Ubuntu standard image 7.0 ships the Python 3.12 runtime our buildspecs ask for.
BUILD_IMAGE = "aws/codebuild/standard:7.0"


def _environment(environment: dict, privileged: bool = False) -> codebuild.Environment:
    """``environment`` maps names to values (strings or intrinsics); sorted so templates diff cleanly.

    ``privileged``: the build runs docker (image builds); CodeBuild requires privileged mode for that.
    """
    extra = {"PrivilegedMode": True} if privileged else {}
    return codebuild.Environment(
        ComputeType="BUILD_GENERAL1_SMALL",
        Image=BUILD_IMAGE,
        Type="LINUX_CONTAINER",
        EnvironmentVariables=[
            codebuild.EnvironmentVariable(Name=key, Type="PLAINTEXT", Value=environment[key])
            for key in sorted(environment)
        ],
        **extra,
    )


def _project(logical_id, name, description, service_role_arn, source, artifacts, environment, timeout_minutes,
             privileged=False, **extra):
    return codebuild.Project(
        logical_id,
        Name=name,
        Description=description,
        ServiceRole=service_role_arn,
        Source=source,
        Artifacts=artifacts,
        Environment=_environment(environment, privileged),
        TimeoutInMinutes=timeout_minutes,
        Tags=project_tags(),
        **extra,
    )


def pipeline_build_project(
    logical_id: str,
    name,
    description: str,
    service_role_arn,
    buildspec_path: str,
    environment: dict,
    timeout_minutes: int = 60,
    privileged: bool = False,
) -> codebuild.Project:
    """A project fed by CodePipeline, reading ``buildspec_path`` from its source."""
    return _project(
        logical_id, name, description, service_role_arn,
        codebuild.Source(Type="CODEPIPELINE", BuildSpec=buildspec_path), codebuild.Artifacts(Type="CODEPIPELINE"),
        environment, timeout_minutes, privileged,
    )


def standalone_build_project(
    logical_id: str,
    name,
    description: str,
    service_role_arn,
    buildspec: str,
    environment: dict,
    timeout_minutes: int,
    queued_timeout_minutes: int,
) -> codebuild.Project:
    """A project without source or artifacts whose ``buildspec`` text is inlined in the template.

    Something waits for its builds, so the time a build may queue is bounded as well.
    """
    return _project(
        logical_id, name, description, service_role_arn,
        codebuild.Source(Type="NO_SOURCE", BuildSpec=buildspec), codebuild.Artifacts(Type="NO_ARTIFACTS"),
        environment, timeout_minutes, QueuedTimeoutInMinutes=queued_timeout_minutes,
    )
