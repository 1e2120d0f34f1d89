"""Product ``build-train-git``: the model-building half, with its repository on GitHub, GitLab or Bitbucket.

``build-train`` through an AWS CodeConnections connection, as ``build-train-deploy-git`` does it:
the pipeline starts on pushes to the configured branch only (V2 trigger), an empty repository
gets the seed code pushed by the stack, and the pipeline waits for that check-in.
"""

from dataclasses import dataclass

from troposphere import Output, Ref, Template

from products.blocks import build_contract as contract
from products.blocks.git_connection import add_connection_parameter
from products.blocks.model_build import ModelBuild, model_build
from products.blocks.naming import model_package_group_name
from products.blocks.product import Product, ProductSettings
from products.blocks.project_base import ProjectBase, project_base
from products.blocks.registry import model_package_group_output, project_model_package_group
from products.blocks.seed_checkin import SeededGitSource, seed_checkin_machine
from products.blocks.storage import artifact_bucket_output

NAME = "build-train-git"
VERSION = "1.0.0"
SEED_KEY_PARAMETERS = contract.seed_key_parameters(contract.MODEL_BUILD)


DESCRIPTION = ("SageMaker project: build, train and register a model on every push; code on GitHub, GitLab or "
               "Bitbucket through AWS CodeConnections.")


@dataclass(frozen=True)
class GitBuild:
    """A build-train-git project, for products that add to it (build-train-batch-git)."""

    base: ProjectBase
    repo: SeededGitSource
    build_half: ModelBuild


def compose(settings: ProductSettings, description: str = DESCRIPTION) -> GitBuild:
    base = project_base(description, settings, SEED_KEY_PARAMETERS)
    template, roles = base.template, settings.roles
    seeding = seed_checkin_machine(roles)
    repo = seeding.seeded_source(template, add_connection_parameter(template), "ModelBuild", "model build",
                                 base.seed[contract.MODEL_BUILD.name])
    half = model_build(roles, base.bucket, repo.action, triggers=repo.triggers)
    repo.gate(half.pipeline)
    for resource in (project_model_package_group(), *seeding.resources, repo.checkin, *half.resources):
        template.add_resource(resource)
    template.add_output([
        artifact_bucket_output(base.bucket),
        model_package_group_output(model_package_group_name()),
        Output("ModelBuildPipelineName", Value=Ref(half.pipeline)),
        repo.seed_result_output(),
    ])
    return GitBuild(base, repo, half)


def build(settings: ProductSettings) -> Template:
    return compose(settings).base.template


PRODUCT = Product(
    name=NAME,
    title="MLOps template for model building and training (third-party Git)",
    description=(
        "The build-train flow with the model-build repository on GitHub, GitHub Enterprise, GitLab or Bitbucket "
        "through an AWS CodeConnections connection; an empty repository gets the seed code pushed when the project "
        "is created."
    ),
    version=VERSION,
    seed_repos=(contract.MODEL_BUILD,),
    build=build,
)
