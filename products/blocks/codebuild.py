"""CodeBuild projects that run inside a CodePipeline."""

from troposphere import codebuild

from products.blocks.naming import project_tags

# Ubuntu standard image 7.0 ships the Python 3.12 runtime our buildspecs ask for.
BUILD_IMAGE = "aws/codebuild/standard:7.0"


def pipeline_build_project(
    logical_id: str,
    name,
    description: str,
    service_role_arn,
    buildspec_path: str,
    environment: dict,
    timeout_minutes: int = 60,
) -> codebuild.Project:
    """A project fed by CodePipeline, reading ``buildspec_path`` from its source.

    ``environment`` maps variable names to values (strings or intrinsic functions);
    they are written in sorted order so templates diff cleanly.
    """
    return codebuild.Project(
        logical_id,
        Name=name,
        Description=description,
        ServiceRole=service_role_arn,
        Source=codebuild.Source(Type="CODEPIPELINE", BuildSpec=buildspec_path),
        Artifacts=codebuild.Artifacts(Type="CODEPIPELINE"),
        Environment=codebuild.Environment(
            ComputeType="BUILD_GENERAL1_SMALL",
            Image=BUILD_IMAGE,
            Type="LINUX_CONTAINER",
            EnvironmentVariables=[
                codebuild.EnvironmentVariable(Name=key, Type="PLAINTEXT", Value=environment[key])
                for key in sorted(environment)
            ],
        ),
        TimeoutInMinutes=timeout_minutes,
        Tags=project_tags(),
    )
