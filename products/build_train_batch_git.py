"""Product ``build-train-batch-git``: batch inference, with the model-build repository on GitHub, GitLab or Bitbucket.

``build-train-batch`` through an AWS CodeConnections connection, as ``build-train-git`` reaches its repository:
pushes to the configured branch start the model build (V2 trigger); the batch pipeline reads the same repository
but is started only by approvals and by its schedule; an empty repository gets the seed code pushed by the stack,
and both pipelines wait for that check-in before their first run.
"""

from troposphere import Output, Ref, Template

from products.blocks import build_contract as contract
from products.blocks.batch_inference import add_batch_schedule_parameter, batch_inference, batch_outputs
from products.blocks.git_connection import add_connection_parameter
from products.blocks.model_build import model_build
from products.blocks.naming import model_package_group_name
from products.blocks.product import Product, ProductSettings
from products.blocks.project_base import project_base
from products.blocks.registry import model_package_group_output, project_model_package_group
from products.blocks.seed_checkin import seed_checkin_machine
from products.blocks.storage import artifact_bucket_output

NAME = "build-train-batch-git"
VERSION = "1.0.0"
SEED_KEY_PARAMETERS = contract.seed_key_parameters(contract.MODEL_BUILD)


def build(settings: ProductSettings) -> Template:
    base = project_base(
        "SageMaker project: build, train and register a model on every push; score new data with the latest "
        "approved model on a schedule, with batch transform; code on GitHub, GitLab or Bitbucket through AWS "
        "CodeConnections.",
        settings,
        SEED_KEY_PARAMETERS,
    )
    template, roles = base.template, settings.roles
    seeding = seed_checkin_machine(roles)
    repo = seeding.seeded_source(template, add_connection_parameter(template), "ModelBuild", "model build",
                                 base.seed[contract.MODEL_BUILD.name])
    build_half = model_build(roles, base.bucket, repo.action, triggers=repo.triggers)
    batch_half = batch_inference(roles, base.bucket, repo.action, add_batch_schedule_parameter(template))
    for pipeline in (build_half.pipeline, batch_half.pipeline):
        repo.gate(pipeline)
    for resource in (project_model_package_group(), *seeding.resources, repo.checkin, *build_half.resources,
                     *batch_half.resources):
        template.add_resource(resource)
    template.add_output([
        artifact_bucket_output(base.bucket),
        model_package_group_output(model_package_group_name()),
        Output("ModelBuildPipelineName", Value=Ref(build_half.pipeline)),
        *batch_outputs(),
        repo.seed_result_output(),
    ])
    return template


PRODUCT = Product(
    name=NAME,
    title="MLOps template for model building, training and batch inference (third-party Git)",
    description=(
        "The build-train-batch flow with the model-build repository on GitHub, GitHub Enterprise, GitLab or "
        "Bitbucket through an AWS CodeConnections connection; an empty repository gets the seed code pushed when "
        "the project is created."
    ),
    version=VERSION,
    seed_repos=(contract.MODEL_BUILD,),
    build=build,
)
