"""Product ``deploy``: the model-deploy half only, for an existing model package group.

Approving (or rejecting) a package of the given group, or pushing to the model-deploy
repo, deploys the newest approved package to staging, tests it, and after a manual
approval to prod. For models trained elsewhere.
"""

from troposphere import Output, Ref, Template

from products.blocks import build_contract as contract
from products.blocks.codecommit_source import DEPLOY_REPO_DESCRIPTION, codecommit_repository
from products.blocks.model_deploy import model_deploy
from products.blocks.product import Product, ProductSettings
from products.blocks.project_base import project_base
from products.blocks.registry import add_source_group_parameter
from products.blocks.storage import artifact_bucket_output

NAME = "deploy"
VERSION = "1.0.0"
SEED_KEY_PARAMETERS = contract.seed_key_parameters(contract.MODEL_DEPLOY)


def build(settings: ProductSettings) -> Template:
    base = project_base(
        "SageMaker project: deploy the newest approved model of an existing model package group to staging "
        "and, after a manual approval, prod (CodeCommit, CodePipeline, CodeBuild, CloudFormation).",
        settings,
        SEED_KEY_PARAMETERS,
    )
    group = add_source_group_parameter(base.template)
    repo = codecommit_repository(
        "ModelDeployRepository", "modeldeploy", DEPLOY_REPO_DESCRIPTION, base.seed[contract.MODEL_DEPLOY.name]
    )
    half = model_deploy(settings.roles, base.bucket, repo.action, group_name=group)
    for resource in (
        repo.repository, *half.resources,
        repo.push_rule("ModelDeployPushRule", "deploy", half.pipeline, settings.roles.arn("events")),
    ):
        base.template.add_resource(resource)
    base.template.add_output([
        artifact_bucket_output(base.bucket),
        Output("ModelDeployRepositoryName", Value=repo.repository.RepositoryName),
        Output("ModelDeployPipelineName", Value=Ref(half.pipeline)),
    ])
    return base.template


PRODUCT = Product(
    name=NAME,
    title="MLOps template for model deployment (CodeCommit)",
    description=(
        "Deploys the newest approved model package of an existing group to staging and, after a test and a "
        "manual approval, to production endpoints."
    ),
    version=VERSION,
    seed_repos=(contract.MODEL_DEPLOY,),
    build=build,
)
