"""Product ``build-train-deploy``: model building, training and deployment on CodeCommit.

The flow: a push to the model-build repo runs the SageMaker Pipeline that registers a
model as PendingManualApproval; approving it (or pushing to the model-deploy repo)
runs the deploy pipeline: build stage configs, deploy staging, test, manual gate, prod.
"""

from troposphere import Output, Ref, Sub, Template

from products.blocks import build_contract as contract
from products.blocks.codebuild import pipeline_build_project
from products.blocks.events import branch_push_rule, model_approval_rule
from products.blocks.naming import (
    PROJECT,
    artifact_bucket_name,
    model_package_group_name,
    project_resource_name,
)
from products.blocks.parameters import add_project_parameters, add_seed_code_parameters
from products.blocks.pipelines import (
    cloudformation_deploy,
    codebuild_action,
    codecommit_source,
    manual_approval,
    pipeline,
)
from products.blocks.product import Product, ProductSettings, new_template
from products.blocks.registry import model_package_group
from products.blocks.repositories import seeded_repository
from products.blocks.storage import add_access_logging_parameter, artifact_bucket

NAME = "build-train-deploy"
VERSION = "1.0.0"

SEED_KEY_PARAMETERS = {
    contract.MODEL_BUILD.name: "ModelBuildSeedCodeKey",
    contract.MODEL_DEPLOY.name: "ModelDeploySeedCodeKey",
}


def build(settings: ProductSettings) -> Template:
    roles = settings.roles
    template = new_template(
        "SageMaker project: build, train and register a model on every push, deploy it to "
        "staging and prod on approval (CodeCommit, CodePipeline, CodeBuild)."
    )
    add_project_parameters(template)
    add_access_logging_parameter(template)
    seed = add_seed_code_parameters(
        template,
        settings.asset_bucket,
        {repo: (SEED_KEY_PARAMETERS[repo], settings.seed_code_keys[repo]) for repo in SEED_KEY_PARAMETERS},
    )

    bucket, bucket_policy = artifact_bucket("ArtifactBucket", artifact_bucket_name())
    group = model_package_group(
        "ModelPackageGroup",
        model_package_group_name(),
        Sub(f"Models of SageMaker project {PROJECT}"),
    )
    build_repo = seeded_repository(
        "ModelBuildRepository",
        project_resource_name("modelbuild"),
        "Model build code: the SageMaker Pipeline that trains and registers the model",
        *seed[contract.MODEL_BUILD.name],
        branch=contract.SEED_BRANCH,
    )
    deploy_repo = seeded_repository(
        "ModelDeployRepository",
        project_resource_name("modeldeploy"),
        "Model deploy code: staging and prod endpoints for the latest approved model",
        *seed[contract.MODEL_DEPLOY.name],
        branch=contract.SEED_BRANCH,
    )

    build_pipeline_name = project_resource_name("modelbuild")
    deploy_pipeline_name = project_resource_name("modeldeploy")
    common_env = {
        contract.ENV_PROJECT_NAME: Ref("SageMakerProjectName"),
        contract.ENV_PROJECT_ID: Ref("SageMakerProjectId"),
        contract.ENV_ARTIFACT_BUCKET: Ref(bucket),
        contract.ENV_MODEL_PACKAGE_GROUP_NAME: model_package_group_name(),
        contract.ENV_MODEL_EXECUTION_ROLE_ARN: roles.arn("execution"),
    }
    model_build = pipeline_build_project(
        "ModelBuildProject",
        project_resource_name("modelbuild"),
        "Runs the project's SageMaker Pipeline (upsert and start, waits for the result)",
        roles.arn("codebuild"),
        contract.MODEL_BUILD.buildspecs["model-build.yml"],
        {
            **common_env,
            contract.ENV_PIPELINE_NAME: project_resource_name(),
            contract.ENV_PIPELINE_ROLE_ARN: roles.arn("use"),
        },
        timeout_minutes=480,
    )
    model_deploy = pipeline_build_project(
        "ModelDeployProject",
        project_resource_name("modeldeploy"),
        "Writes the staging and prod configurations for the latest approved model",
        roles.arn("codebuild"),
        contract.MODEL_DEPLOY.buildspecs["model-deploy.yml"],
        {
            **common_env,
            contract.ENV_EXPORT_TEMPLATE_NAME: contract.EXPORT_TEMPLATE_NAME,
            contract.ENV_EXPORT_STAGING_CONFIG: contract.EXPORT_STAGING_CONFIG,
            contract.ENV_EXPORT_PROD_CONFIG: contract.EXPORT_PROD_CONFIG,
        },
    )
    staging_test = pipeline_build_project(
        "StagingTestProject",
        project_resource_name("staging-test"),
        "Tests the staging endpoint before the manual approval to prod",
        roles.arn("codebuild"),
        contract.MODEL_DEPLOY.buildspecs["staging-test.yml"],
        {
            contract.ENV_PROJECT_NAME: Ref("SageMakerProjectName"),
            contract.ENV_PROJECT_ID: Ref("SageMakerProjectId"),
            contract.ENV_BUILD_CONFIG: contract.EXPORT_STAGING_CONFIG,
            contract.ENV_EXPORT_TEST_RESULTS: contract.EXPORT_TEST_RESULTS,
        },
    )

    source, built = contract.SOURCE_ARTIFACT, contract.BUILD_ARTIFACT
    build_pipeline = pipeline(
        "ModelBuildPipeline",
        build_pipeline_name,
        roles.arn("codepipeline"),
        bucket,
        [
            ("Source", [codecommit_source(build_repo.RepositoryName, contract.SEED_BRANCH, source)]),
            ("Build", [codebuild_action("BuildAndRunSageMakerPipeline", model_build, [source])]),
        ],
    )
    deploy_pipeline = pipeline(
        "ModelDeployPipeline",
        deploy_pipeline_name,
        roles.arn("codepipeline"),
        bucket,
        [
            ("Source", [codecommit_source(deploy_repo.RepositoryName, contract.SEED_BRANCH, source)]),
            ("Build", [codebuild_action("BuildStageConfigs", model_deploy, [source], [built])]),
            (
                "DeployStaging",
                [
                    cloudformation_deploy(
                        "DeployStagingEndpoint",
                        project_resource_name("deploy-staging"),
                        f"{built}::{contract.EXPORT_TEMPLATE_NAME}",
                        f"{built}::{contract.EXPORT_STAGING_CONFIG}",
                        roles.arn("cloudformation"),
                    )
                ],
            ),
            (
                "TestStaging",
                [codebuild_action("TestStagingEndpoint", staging_test, [source, built], [contract.TEST_ARTIFACT])],
            ),
            (
                "ApproveDeployment",
                [manual_approval("ApproveDeployment", "Approve to deploy the tested model to production")],
            ),
            (
                "DeployProd",
                [
                    cloudformation_deploy(
                        "DeployProdEndpoint",
                        project_resource_name("deploy-prod"),
                        f"{built}::{contract.EXPORT_TEMPLATE_NAME}",
                        f"{built}::{contract.EXPORT_PROD_CONFIG}",
                        roles.arn("cloudformation"),
                    )
                ],
            ),
        ],
    )

    events_role = roles.arn("events")
    rules = [
        branch_push_rule(
            "ModelBuildPushRule", project_resource_name("build"), build_repo,
            contract.SEED_BRANCH, build_pipeline, events_role,
        ),
        branch_push_rule(
            "ModelDeployPushRule", project_resource_name("deploy"), deploy_repo,
            contract.SEED_BRANCH, deploy_pipeline, events_role,
        ),
        model_approval_rule(
            "ModelApprovalRule", project_resource_name("model"), model_package_group_name(),
            deploy_pipeline, events_role,
        ),
    ]
    for resource in (
        bucket, bucket_policy, group, build_repo, deploy_repo,
        model_build, model_deploy, staging_test, build_pipeline, deploy_pipeline, *rules,
    ):
        template.add_resource(resource)

    template.add_output(
        [
            Output("ArtifactBucketName", Value=Ref(bucket)),
            Output("ModelPackageGroupName", Value=model_package_group_name()),
            Output("ModelBuildRepositoryName", Value=build_repo.RepositoryName),
            Output("ModelDeployRepositoryName", Value=deploy_repo.RepositoryName),
            Output("ModelBuildPipelineName", Value=build_pipeline_name),
            Output("ModelDeployPipelineName", Value=deploy_pipeline_name),
        ]
    )
    return template


PRODUCT = Product(
    name=NAME,
    title="MLOps template for model building, training, and deployment (CodeCommit)",
    description=(
        "Trains, evaluates and registers an abalone regression model with a SageMaker Pipeline "
        "on every push, and deploys approved models to staging and, after a manual approval, "
        "to production endpoints."
    ),
    version=VERSION,
    seed_repos=(contract.MODEL_BUILD, contract.MODEL_DEPLOY),
    build=build,
)
