"""Product ``build-train-batch``: model building, training and scheduled batch inference.

The build half of ``build-train``; instead of endpoints, every approved model is used by
a batch pipeline that the project's schedule runs (``products.blocks.batch_inference``).
"""

from troposphere import Output, Ref, Template

from products.blocks import build_contract as contract
from products.blocks.batch_inference import add_batch_schedule_parameter, batch_inference, batch_outputs
from products.blocks.codecommit_source import BUILD_REPO_DESCRIPTION, codecommit_repository
from products.blocks.model_build import model_build
from products.blocks.naming import model_package_group_name
from products.blocks.product import Product, ProductSettings
from products.blocks.project_base import project_base
from products.blocks.registry import model_package_group_output, project_model_package_group
from products.blocks.storage import artifact_bucket_output

NAME = "build-train-batch"
VERSION = "1.0.0"
SEED_KEY_PARAMETERS = contract.seed_key_parameters(contract.MODEL_BUILD)


def build(settings: ProductSettings) -> Template:
    base = project_base(
        "SageMaker project: build, train and register a model on every push; score new data with the latest "
        "approved model on a schedule, with batch transform (CodeCommit, CodePipeline, CodeBuild, EventBridge Scheduler).",
        settings,
        SEED_KEY_PARAMETERS,
    )
    template, roles = base.template, settings.roles
    repo = codecommit_repository("ModelBuildRepository", "modelbuild", BUILD_REPO_DESCRIPTION, base.seed[contract.MODEL_BUILD.name])
    build_half = model_build(roles, base.bucket, repo.action)
    batch_half = batch_inference(roles, base.bucket, repo.action, add_batch_schedule_parameter(template))
    for resource in (
        project_model_package_group(), repo.repository, *build_half.resources, *batch_half.resources,
        repo.push_rule("ModelBuildPushRule", "build", build_half.pipeline, roles.arn("events")),
    ):
        template.add_resource(resource)
    template.add_output([
        artifact_bucket_output(base.bucket),
        model_package_group_output(model_package_group_name()),
        Output("ModelBuildRepositoryName", Value=repo.repository.RepositoryName),
        Output("ModelBuildPipelineName", Value=Ref(build_half.pipeline)),
        *batch_outputs(),
    ])
    return template


PRODUCT = Product(
    name=NAME,
    title="MLOps template for model building, training and batch inference (CodeCommit)",
    description=(
        "Trains, evaluates and registers an abalone regression model on every push; each approved model scores "
        "new data with a SageMaker batch transform, at approval and then on a schedule, with no endpoint to run."
    ),
    version=VERSION,
    seed_repos=(contract.MODEL_BUILD,),
    build=build,
)
