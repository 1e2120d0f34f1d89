"""Product ``build-train-deploy``: model building, training and deployment on CodeCommit.

The flow: a push to the model-build repo runs the SageMaker Pipeline that registers a
model as PendingManualApproval; approving it (or pushing to the model-deploy repo)
runs the deploy pipeline: build stage configs, deploy staging, test, manual gate, prod.
"""

from troposphere import Output, Ref, Template

from products.blocks import build_contract as contract
from products.blocks.codecommit_source import BUILD_REPO_DESCRIPTION, DEPLOY_REPO_DESCRIPTION, codecommit_repository
from products.blocks.model_build import model_build
from products.blocks.model_deploy import model_deploy
from products.blocks.naming import model_package_group_name
from products.blocks.product import Product, ProductSettings
from products.blocks.project_base import Composed, project_base
from products.blocks.registry import model_package_group_output, project_model_package_group
from products.blocks.storage import artifact_bucket_output

NAME = "build-train-deploy"
VERSION = "1.0.0"
SEED_KEY_PARAMETERS = contract.seed_key_parameters(contract.MODEL_BUILD, contract.MODEL_DEPLOY)

DESCRIPTION = ("SageMaker project: build, train and register a model on every push, deploy it to "
               "staging and prod on approval (CodeCommit, CodePipeline, CodeBuild).")


def compose(settings: ProductSettings, description: str = DESCRIPTION) -> Composed:
    roles = settings.roles
    base = project_base(description, settings, SEED_KEY_PARAMETERS, deploys_to_accounts=True)
    build_repo = codecommit_repository(
        "ModelBuildRepository", "modelbuild", BUILD_REPO_DESCRIPTION, base.seed[contract.MODEL_BUILD.name]
    )
    deploy_repo = codecommit_repository(
        "ModelDeployRepository", "modeldeploy", DEPLOY_REPO_DESCRIPTION, base.seed[contract.MODEL_DEPLOY.name]
    )
    build_half = model_build(roles, base.bucket, build_repo.action)
    deploy_half = model_deploy(roles, base.bucket, deploy_repo.action, accounts=base.accounts, key=base.key)
    for resource in (
        project_model_package_group(base.accounts), build_repo.repository, deploy_repo.repository,
        *build_half.resources, *deploy_half.resources,
        build_repo.push_rule("ModelBuildPushRule", "build", build_half.pipeline, roles.arn("events")),
        deploy_repo.push_rule("ModelDeployPushRule", "deploy", deploy_half.pipeline, roles.arn("events")),
    ):
        base.template.add_resource(resource)

    base.template.add_output(
        [
            artifact_bucket_output(base.bucket),
            model_package_group_output(model_package_group_name()),
            Output("ModelBuildRepositoryName", Value=build_repo.repository.RepositoryName),
            Output("ModelDeployRepositoryName", Value=deploy_repo.repository.RepositoryName),
            Output("ModelBuildPipelineName", Value=Ref(build_half.pipeline)),
            Output("ModelDeployPipelineName", Value=Ref(deploy_half.pipeline)),
        ]
    )
    return Composed(base, build_repo.action, build_half, deploy_half)


def build(settings: ProductSettings) -> Template:
    return compose(settings).base.template


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
