"""The model-deploy half of a project: stage configs, staging, test, approval, prod.

The deploy pipeline starts on a push to the deploy repo (wired by the product, as it
depends on where the code lives) and whenever a model package of the project's group
is approved or rejected (wired here).
"""

from dataclasses import dataclass

from troposphere import AWSObject, GetAtt, If, NoValue, Ref, awslambda, codebuild, codepipeline as cp, events, s3

from products.blocks import build_contract as contract
from products.blocks.codebuild import pipeline_build_project
from products.blocks.cross_account import ANY_OTHER_ACCOUNT, TargetAccounts
from products.blocks.events import model_approval_rule
from products.blocks.functions import CUSTOM_RESOURCE_FUNCTION_SKIPS, custom_resource_function
from products.blocks.iam import RoleNames
from products.blocks.model_build import project_environment
from products.blocks.naming import PROJECT_ID_PARAMETER, PROJECT_NAME_PARAMETER, model_package_group_name, project_resource_name
from products.blocks.pipelines import cloudformation_deploy, codebuild_action, manual_approval, pipeline
from products.functions import endpoint_cleanup

STAGE_CONFIGS = {"staging": contract.EXPORT_STAGING_CONFIG, "prod": contract.EXPORT_PROD_CONFIG}


class EndpointCleanup(AWSObject):
    """``Custom::EndpointCleanup``: deletes the stage stacks when the project is deleted."""

    resource_type = "Custom::EndpointCleanup"
    props = {"ServiceToken": (str, True), "Stacks": (list, True)}  # [{StackName, RoleArn ("": this account)}]


@dataclass(frozen=True)
class ModelDeploy:
    build_project: codebuild.Project
    test_project: codebuild.Project
    pipeline: cp.Pipeline
    approval_rule: events.Rule
    cleanup_function: awslambda.Function
    cleanup: EndpointCleanup

    @property
    def resources(self) -> list:
        return [self.build_project, self.test_project, self.pipeline, self.approval_rule, self.cleanup_function,
                self.cleanup]


def endpoint_cleanup_resources(roles: RoleNames, accounts: TargetAccounts | None = None
                               ) -> tuple[awslambda.Function, EndpointCleanup]:
    """The function and custom resource that delete the stage stacks with the project.

    The stage stacks are the deploy pipeline's, not the project stack's, so without this
    their endpoints would outlive the project and keep billing. A stage in another account is
    deleted through that account's deploy role, which created it.
    """
    function = custom_resource_function(
        "EndpointCleanupFunction", "clean", "Deletes the project's endpoint stacks when the project is deleted",
        endpoint_cleanup, roles, CUSTOM_RESOURCE_FUNCTION_SKIPS,
    )
    cleanup = EndpointCleanup(
        "EndpointCleanup",
        ServiceToken=GetAtt(function, "Arn"),
        Stacks=[{"StackName": stage_stack_name(stage), "RoleArn": accounts.deploy_role_if_elsewhere(stage) if accounts else ""}
                for stage in STAGE_CONFIGS],
    )
    return function, cleanup


def stage_stack_name(stage: str):
    """``sagemaker-<name>-<id>-deploy-<stage>``: the endpoint stack of a stage."""
    return project_resource_name(f"deploy-{stage}")


def _deploy_stage(stage: str, roles: RoleNames, accounts: TargetAccounts | None) -> tuple[str, list[cp.Actions]]:
    """Deploy a stage's endpoint stack: here with this account's CloudFormation role, or, for a stage in
    another account, through that account's deploy role (the action's role) with its CloudFormation role."""
    built = contract.BUILD_ARTIFACT
    name = f"Deploy{stage.capitalize()}"
    action = cloudformation_deploy(
        f"{name}Endpoint",
        stage_stack_name(stage),
        f"{built}::{contract.EXPORT_TEMPLATE_NAME}",
        f"{built}::{STAGE_CONFIGS[stage]}",
        accounts.role_for(stage, "cloudformation") if accounts else roles.arn("cloudformation"),
    )
    if accounts:
        action.RoleArn = accounts.action_role(stage)
    return name, [action]


def model_deploy(roles: RoleNames, bucket: s3.Bucket, source: cp.Actions, group_name=None, triggers=None,
                 accounts: TargetAccounts | None = None, key=None) -> ModelDeploy:
    """The deploy pipeline for the models of ``group_name`` (default: the project's own group).

    ``accounts`` and ``key`` (``project_base(..., deploys_to_accounts=True)``): stages may live in other
    accounts; the staging test then reaches the staging endpoint through the staging deploy role.
    """
    group_name = group_name or model_package_group_name()
    build_project = _stage_configs_project(roles, bucket, group_name, accounts)
    test_project = _staging_test_project(roles, accounts)
    source_artifact, built = contract.SOURCE_ARTIFACT, contract.BUILD_ARTIFACT
    deploy_pipeline = pipeline(
        "ModelDeployPipeline",
        project_resource_name("modeldeploy"),
        roles.arn("codepipeline"),
        bucket,
        [
            ("Source", [source]),
            ("Build", [codebuild_action("BuildStageConfigs", build_project, [source_artifact], [built])]),
            _deploy_stage("staging", roles, accounts),
            (
                "TestStaging",
                [codebuild_action("TestStagingEndpoint", test_project, [source_artifact, built], [contract.TEST_ARTIFACT])],
            ),
            ("ApproveDeployment", [manual_approval("ApproveDeployment", "Approve to deploy the tested model to production")]),
            _deploy_stage("prod", roles, accounts),
        ],
        triggers=triggers,
        encryption_key=(If(ANY_OTHER_ACCOUNT, cp.EncryptionKey(Id=GetAtt(key, "Arn"), Type="KMS"), NoValue)
                        if accounts else None),
    )
    approval_rule = model_approval_rule(
        "ModelApprovalRule", project_resource_name("model"), group_name, deploy_pipeline, roles.arn("events")
    )
    cleanup_function, cleanup = endpoint_cleanup_resources(roles, accounts)
    # CloudFormation deletes dependents first: the pipeline goes before the cleanup runs, so
    # it cannot deploy a stage again while its stacks are being deleted.
    deploy_pipeline.DependsOn = [*(getattr(deploy_pipeline, "DependsOn", None) or []), cleanup.title]
    return ModelDeploy(build_project, test_project, deploy_pipeline, approval_rule, cleanup_function, cleanup)


def _stage_configs_project(roles: RoleNames, bucket: s3.Bucket, group_name, accounts: TargetAccounts | None):
    """The build that writes each stage's configuration for the newest approved model (``build.py``)."""
    return pipeline_build_project(
        "ModelDeployProject",
        project_resource_name("modeldeploy"),
        "Writes the staging and prod configurations for the latest approved model",
        roles.arn("codebuild"),
        contract.MODEL_DEPLOY.buildspecs["model-deploy.yml"],
        {
            **project_environment(bucket, roles, group_name),
            contract.ENV_EXPORT_TEMPLATE_NAME: contract.EXPORT_TEMPLATE_NAME,
            contract.ENV_EXPORT_STAGING_CONFIG: contract.EXPORT_STAGING_CONFIG,
            contract.ENV_EXPORT_PROD_CONFIG: contract.EXPORT_PROD_CONFIG,
            **{contract.ENV_STAGE_EXECUTION_ROLE_ARN[stage]: accounts.role_for(stage, "execution") if accounts
               else roles.arn("execution") for stage in STAGE_CONFIGS},
        },
    )


def _staging_test_project(roles: RoleNames, accounts: TargetAccounts | None):
    """The build that tests the staging endpoint (through staging's deploy role when it is elsewhere)."""
    return pipeline_build_project(
        "StagingTestProject",
        project_resource_name("staging-test"),
        "Tests the staging endpoint before the manual approval to prod",
        roles.arn("codebuild"),
        contract.MODEL_DEPLOY.buildspecs["staging-test.yml"],
        {
            contract.ENV_PROJECT_NAME: Ref(PROJECT_NAME_PARAMETER),
            contract.ENV_PROJECT_ID: Ref(PROJECT_ID_PARAMETER),
            contract.ENV_BUILD_CONFIG: contract.EXPORT_STAGING_CONFIG,
            contract.ENV_EXPORT_TEST_RESULTS: contract.EXPORT_TEST_RESULTS,
            contract.ENV_STAGING_STACK_NAME: stage_stack_name("staging"),
            contract.ENV_STAGING_ROLE_ARN: accounts.deploy_role_if_elsewhere("staging") if accounts else "",
        },
    )
