"""Product ``build-train``: the model-building half only.

A push to the model-build repo runs the SageMaker Pipeline that trains, evaluates and
registers a model in the project's group. For teams that deploy some other way.
"""

from troposphere import Output, Ref, Template

from products.blocks import build_contract as contract
from products.blocks.codecommit_source import BUILD_REPO_DESCRIPTION, codecommit_repository
from products.blocks.model_build import model_build
from products.blocks.naming import model_package_group_name
from products.blocks.product import Product, ProductSettings
from products.blocks.project_base import project_base
from products.blocks.registry import model_package_group_output, project_model_package_group
from products.blocks.storage import artifact_bucket_output

NAME = "build-train"
VERSION = "1.0.0"
SEED_KEY_PARAMETERS = contract.seed_key_parameters(contract.MODEL_BUILD)


def build(settings: ProductSettings) -> Template:
    base = project_base(
        "SageMaker project: build, train and register a model on every push (CodeCommit, CodePipeline, CodeBuild).",
        settings,
        SEED_KEY_PARAMETERS,
    )
    repo = codecommit_repository("ModelBuildRepository", "modelbuild", BUILD_REPO_DESCRIPTION, base.seed[contract.MODEL_BUILD.name])
    half = model_build(settings.roles, base.bucket, repo.action)
    for resource in (
        project_model_package_group(), repo.repository, *half.resources,
        repo.push_rule("ModelBuildPushRule", "build", half.pipeline, settings.roles.arn("events")),
    ):
        base.template.add_resource(resource)
    base.template.add_output([
        artifact_bucket_output(base.bucket),
        model_package_group_output(model_package_group_name()),
        Output("ModelBuildRepositoryName", Value=repo.repository.RepositoryName),
        Output("ModelBuildPipelineName", Value=Ref(half.pipeline)),
    ])
    return base.template


PRODUCT = Product(
    name=NAME,
    title="MLOps template for model building and training (CodeCommit)",
    description=(
        "Trains, evaluates and registers an abalone regression model with a SageMaker Pipeline on every push; "
        "registered models wait for approval in the project's model package group."
    ),
    version=VERSION,
    seed_repos=(contract.MODEL_BUILD,),
    build=build,
)
