"""The model-build half of a project: the CodeBuild project and the pipeline that runs it."""

from dataclasses import dataclass

from troposphere import Ref, codebuild, codepipeline as cp, s3

from products.blocks import build_contract as contract
from products.blocks.codebuild import pipeline_build_project
from products.blocks.iam import RoleNames
from products.blocks.naming import PROJECT_ID_PARAMETER, PROJECT_NAME_PARAMETER, model_package_group_name, project_resource_name
from products.blocks.pipelines import codebuild_action, pipeline


@dataclass(frozen=True)
class ModelBuild:
    project: codebuild.Project
    pipeline: cp.Pipeline

    @property
    def resources(self) -> list:
        return [self.project, self.pipeline]


def project_environment(bucket: s3.Bucket, roles: RoleNames, group_name) -> dict:
    """Variables every project build gets: who the project is and where its things are."""
    return {
        contract.ENV_PROJECT_NAME: Ref(PROJECT_NAME_PARAMETER),
        contract.ENV_PROJECT_ID: Ref(PROJECT_ID_PARAMETER),
        contract.ENV_ARTIFACT_BUCKET: Ref(bucket),
        contract.ENV_MODEL_PACKAGE_GROUP_NAME: group_name,
        contract.ENV_MODEL_EXECUTION_ROLE_ARN: roles.arn("execution"),
    }


def sagemaker_pipeline_runner(logical_prefix: str, name_suffix: str, description: str, action_name: str, buildspec: str,
                              sagemaker_pipeline_name, roles: RoleNames, bucket: s3.Bucket, source: cp.Actions,
                              group_name=None, triggers=None, environment: dict | None = None) -> ModelBuild:
    """Source -> Build, where the build (``buildspec`` of the model-build repo) upserts and runs a SageMaker pipeline.

    ``group_name`` defaults to the project's own model package group; ``environment`` adds build variables.
    """
    project = pipeline_build_project(
        f"{logical_prefix}Project",
        project_resource_name(name_suffix),
        description,
        roles.arn("codebuild"),
        buildspec,
        {
            **project_environment(bucket, roles, group_name or model_package_group_name()),
            contract.ENV_PIPELINE_NAME: sagemaker_pipeline_name,
            contract.ENV_PIPELINE_ROLE_ARN: roles.arn("use"),
            **(environment or {}),
        },
        timeout_minutes=480,
    )
    runner = pipeline(
        f"{logical_prefix}Pipeline",
        project_resource_name(name_suffix),
        roles.arn("codepipeline"),
        bucket,
        [("Source", [source]), ("Build", [codebuild_action(action_name, project, [contract.SOURCE_ARTIFACT])])],
        triggers=triggers,
    )
    return ModelBuild(project, runner)


def model_build(roles: RoleNames, bucket: s3.Bucket, source: cp.Actions, group_name=None, triggers=None) -> ModelBuild:
    """The training pipeline's runner: ``sagemaker-<project>`` upserted and run on every push."""
    return sagemaker_pipeline_runner(
        "ModelBuild", "modelbuild", "Runs the project's SageMaker Pipeline (upsert and start, waits for the result)",
        "BuildAndRunSageMakerPipeline", contract.MODEL_BUILD.buildspecs["model-build.yml"], project_resource_name(),
        roles, bucket, source, group_name, triggers,
    )
