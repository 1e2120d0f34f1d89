"""Product ``image-build-git``: the image-build flow with the repository on GitHub, GitLab or Bitbucket.

The repository is reached through an AWS CodeConnections connection; the pipeline is started by
pushes to the configured branch (V2 trigger) and by the rebuild schedule. An empty repository gets
the seed code pushed by the stack (seed check-in), and the pipeline waits for it.
"""

from troposphere import Template

from products.blocks import build_contract as contract
from products.blocks.git_connection import add_connection_parameter
from products.blocks.image_build import add_rebuild_schedule_parameter, image_build, rebuild_rule
from products.blocks.product import Product, ProductSettings
from products.blocks.project_base import project_base
from products.blocks.seed_checkin import seed_checkin_machine
from products.blocks.storage import artifact_bucket_output
from products.image_build import SEED_KEY_PARAMETERS, image_outputs, image_pipeline

NAME = "image-build-git"
VERSION = "1.0.0"
DESCRIPTION = ("SageMaker project: build the project's container image on every push and on a schedule, push it to "
               "ECR and register it as a SageMaker image version; code on GitHub, GitLab or Bitbucket through AWS "
               "CodeConnections.")


def build(settings: ProductSettings) -> Template:
    roles = settings.roles
    base = project_base(DESCRIPTION, settings, SEED_KEY_PARAMETERS)
    template = base.template
    connection = add_connection_parameter(template)
    seeding = seed_checkin_machine(roles)
    image_repo = seeding.seeded_source(template, connection, "ImageBuild", "image build",
                                       base.seed[contract.IMAGE_BUILD.name])
    images = image_build(roles, roles.boundary_arn(), base.bucket)
    runner = image_pipeline(roles, base.bucket, image_repo.action, images, triggers=image_repo.triggers)
    image_repo.gate(runner)
    schedule = add_rebuild_schedule_parameter(template)
    for resource in (*seeding.resources, image_repo.checkin, *images.resources, runner,
                     rebuild_rule(schedule, runner, roles.arn("events"))):
        template.add_resource(resource)
    template.add_output([artifact_bucket_output(base.bucket), *image_outputs(images, runner),
                         image_repo.seed_result_output()])
    return template


PRODUCT = Product(
    name=NAME,
    title="MLOps template for image building (third-party Git)",
    description=(
        "The image-build flow with the repository on GitHub, GitHub Enterprise, GitLab or Bitbucket through an AWS "
        "CodeConnections connection. An empty repository gets the image-build seed code pushed when the project is "
        "created; a repository with commits is left untouched."
    ),
    version=VERSION,
    seed_repos=(contract.IMAGE_BUILD,),
    build=build,
)
