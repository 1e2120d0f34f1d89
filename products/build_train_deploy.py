"""Product ``build-train-deploy``: model building, training and deployment on CodeCommit.

The flow: a push to the model-build repo runs the SageMaker Pipeline that registers a
model as PendingManualApproval; approving it (or pushing to the model-deploy repo)
runs the deploy pipeline: build stage configs, deploy staging, test, manual gate, prod.
"""

from troposphere import Output, Ref, Sub, Template

from products.blocks import build_contract as contract
from products.blocks.events import branch_push_rule
from products.blocks.model_build import model_build
from products.blocks.model_deploy import model_deploy
from products.blocks.naming import PROJECT, artifact_bucket_name, model_package_group_name, project_resource_name
from products.blocks.parameters import add_project_parameters, add_seed_code_parameters
from products.blocks.pipelines import codecommit_source
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
        "ModelPackageGroup", model_package_group_name(), Sub(f"Models of SageMaker project {PROJECT}")
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
    source = contract.SOURCE_ARTIFACT
    build_half = model_build(roles, bucket, codecommit_source(build_repo.RepositoryName, contract.SEED_BRANCH, source))
    deploy_half = model_deploy(roles, bucket, codecommit_source(deploy_repo.RepositoryName, contract.SEED_BRANCH, source))
    push_rules = [
        branch_push_rule(
            "ModelBuildPushRule", project_resource_name("build"), build_repo,
            contract.SEED_BRANCH, build_half.pipeline, roles.arn("events"),
        ),
        branch_push_rule(
            "ModelDeployPushRule", project_resource_name("deploy"), deploy_repo,
            contract.SEED_BRANCH, deploy_half.pipeline, roles.arn("events"),
        ),
    ]
    for resource in (
        bucket, bucket_policy, group, build_repo, deploy_repo,
        *build_half.resources, *deploy_half.resources, *push_rules,
    ):
        template.add_resource(resource)

    template.add_output(
        [
            Output("ArtifactBucketName", Value=Ref(bucket)),
            Output("ModelPackageGroupName", Value=model_package_group_name()),
            Output("ModelBuildRepositoryName", Value=build_repo.RepositoryName),
            Output("ModelDeployRepositoryName", Value=deploy_repo.RepositoryName),
            Output("ModelBuildPipelineName", Value=Ref(build_half.pipeline)),
            Output("ModelDeployPipelineName", Value=Ref(deploy_half.pipeline)),
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
