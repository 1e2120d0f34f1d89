"""Product ``build-train-batch-git``: batch inference, with the model-build repository on GitHub, GitLab or Bitbucket.

``build-train-batch`` through an AWS CodeConnections connection, as ``build-train-git`` reaches its repository:
pushes to the configured branch start the model build (V2 trigger); the batch pipeline reads the same repository
but is started only by approvals and by its schedule; an empty repository gets the seed code pushed by the stack,
and both pipelines wait for that check-in before their first run.
"""

from troposphere import Template

from products import build_train_git
from products.blocks import build_contract as contract
from products.blocks.batch_inference import add_batch_schedule_parameter, batch_inference, batch_outputs
from products.blocks.product import Product, ProductSettings

NAME = "build-train-batch-git"
VERSION = "1.0.0"
DESCRIPTION = (
    "SageMaker project: build, train and register a model on every push; score new data with the latest approved "
    "model on a schedule, with batch transform; code on GitHub, GitLab or Bitbucket through AWS CodeConnections."
)


def build(settings: ProductSettings) -> Template:
    """build-train-git, plus the batch half reading the same repository (its first run waits for the check-in)."""
    composed = build_train_git.compose(settings, DESCRIPTION)
    template = composed.base.template
    batch_half = batch_inference(settings.roles, composed.base.bucket, composed.repo.action,
                                 add_batch_schedule_parameter(template))
    composed.repo.gate(batch_half.pipeline)
    for resource in batch_half.resources:
        template.add_resource(resource)
    template.add_output(batch_outputs())
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
