"""Product ``deploy-git``: the model-deploy half for an existing group, with its repository on a Git provider.

``deploy`` through an AWS CodeConnections connection: approving a package of the given group,
or pushing to the configured branch (V2 trigger), deploys the newest approved package to
staging, tests it, and after a manual approval to prod. An empty repository gets the seed code
pushed by the stack, and the pipeline waits for that check-in.
"""

from troposphere import Output, Ref, Template

from products.blocks import build_contract as contract
from products.blocks.git_connection import add_connection_parameter
from products.blocks.model_deploy import model_deploy
from products.blocks.product import Product, ProductSettings
from products.blocks.project_base import project_base
from products.blocks.registry import add_source_group_parameter
from products.blocks.seed_checkin import seed_checkin_machine
from products.blocks.storage import artifact_bucket_output

NAME = "deploy-git"
VERSION = "1.0.0"
SEED_KEY_PARAMETERS = contract.seed_key_parameters(contract.MODEL_DEPLOY)


def build(settings: ProductSettings) -> Template:
    base = project_base(
        "SageMaker project: deploy the newest approved model of an existing model package group to staging and, "
        "after a manual approval, prod; code on GitHub, GitLab or Bitbucket through AWS CodeConnections.",
        settings,
        SEED_KEY_PARAMETERS,
    )
    template, roles = base.template, settings.roles
    group = add_source_group_parameter(template)
    seeding = seed_checkin_machine(roles)
    repo = seeding.seeded_source(template, add_connection_parameter(template), "ModelDeploy", "model deploy",
                                 base.seed[contract.MODEL_DEPLOY.name])
    half = model_deploy(roles, base.bucket, repo.action, group_name=group, triggers=repo.triggers)
    repo.gate(half.pipeline)  # after the endpoint cleanup it already waits for
    for resource in (*seeding.resources, repo.checkin, *half.resources):
        template.add_resource(resource)
    template.add_output([
        artifact_bucket_output(base.bucket),
        Output("ModelDeployPipelineName", Value=Ref(half.pipeline)),
        repo.seed_result_output(),
    ])
    return template


PRODUCT = Product(
    name=NAME,
    title="MLOps template for model deployment (third-party Git)",
    description=(
        "The deploy flow with the model-deploy repository on GitHub, GitHub Enterprise, GitLab or Bitbucket "
        "through an AWS CodeConnections connection: the newest approved package of an existing group goes to "
        "staging and, after a test and a manual approval, to production."
    ),
    version=VERSION,
    seed_repos=(contract.MODEL_DEPLOY,),
    build=build,
)
