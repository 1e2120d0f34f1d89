"""Product ``build-train-deploy-git``: the build-train-deploy flow on GitHub, GitLab or Bitbucket.

The repositories live with a third-party Git provider and are reached through an AWS
CodeConnections connection. Pipelines are CodePipeline V2 with push triggers filtered to
the configured branch; the approval rule, the deploy stages, the manual gate and the tags
are those of build-train-deploy. Empty repositories get the seed code pushed by the
stack (seed check-in); repositories with commits are left as they are. The pipelines
wait for the check-in, so their first run sees the seed code.
"""

from troposphere import Output, Ref, Template

from products.blocks import build_contract as contract
from products.blocks.git_connection import add_connection_parameter, add_distinct_repositories_rule
from products.blocks.model_build import model_build
from products.blocks.model_deploy import model_deploy
from products.blocks.naming import model_package_group_name
from products.blocks.product import Product, ProductSettings
from products.blocks.project_base import Composed, project_base
from products.blocks.registry import model_package_group_output, project_model_package_group
from products.blocks.seed_checkin import seed_checkin_machine
from products.blocks.storage import artifact_bucket_output

NAME = "build-train-deploy-git"
VERSION = "1.0.0"
SEED_KEY_PARAMETERS = contract.seed_key_parameters(contract.MODEL_BUILD, contract.MODEL_DEPLOY)


DESCRIPTION = ("SageMaker project: build, train and register a model on every push, deploy it to staging and prod "
               "on approval; code on GitHub, GitLab or Bitbucket through AWS CodeConnections.")


def compose(settings: ProductSettings, description: str = DESCRIPTION) -> Composed:
    base = project_base(description, settings, SEED_KEY_PARAMETERS, deploys_to_accounts=True)
    template, roles = base.template, settings.roles
    connection = add_connection_parameter(template)
    seeding = seed_checkin_machine(roles)
    build_repo = seeding.seeded_source(template, connection, "ModelBuild", "model build", base.seed[contract.MODEL_BUILD.name])
    deploy_repo = seeding.seeded_source(
        template, connection, "ModelDeploy", "model deploy", base.seed[contract.MODEL_DEPLOY.name])
    add_distinct_repositories_rule(template, build_repo.repository, deploy_repo.repository)
    build_half = model_build(roles, base.bucket, build_repo.action, triggers=build_repo.triggers)
    deploy_half = model_deploy(roles, base.bucket, deploy_repo.action, triggers=deploy_repo.triggers,
                               accounts=base.accounts, key=base.key)
    build_repo.gate(build_half.pipeline)
    deploy_repo.gate(deploy_half.pipeline)  # after the endpoint cleanup it already waits for
    for resource in (
        project_model_package_group(base.accounts), *seeding.resources, build_repo.checkin, deploy_repo.checkin,
        *build_half.resources, *deploy_half.resources,
    ):
        template.add_resource(resource)
    template.add_output([
        artifact_bucket_output(base.bucket),
        model_package_group_output(model_package_group_name()),
        Output("ModelBuildPipelineName", Value=Ref(build_half.pipeline)),
        Output("ModelDeployPipelineName", Value=Ref(deploy_half.pipeline)),
        build_repo.seed_result_output(),
        deploy_repo.seed_result_output(),
    ])
    return Composed(base, build_repo.action, build_half, deploy_half)


def build(settings: ProductSettings) -> Template:
    return compose(settings).base.template


PRODUCT = Product(
    name=NAME,
    title="MLOps template for model building, training, and deployment (third-party Git)",
    description=(
        "The build-train-deploy flow with repositories on GitHub, GitHub Enterprise, GitLab or Bitbucket through "
        "an AWS CodeConnections connection. Empty repositories get the model-build and model-deploy seed code "
        "pushed when the project is created; repositories with commits are left untouched."
    ),
    version=VERSION,
    seed_repos=(contract.MODEL_BUILD, contract.MODEL_DEPLOY),
    build=build,
)
