"""Product ``image-build``: a project's own container image, built from a CodeCommit repository.

A push to the image-build repo (and a weekly schedule, for the base image's patches) runs a
pipeline whose build derives an image from SageMaker's scikit-learn image (the repo's
Dockerfile), pushes it to the project's ECR repository tagged with the commit, and registers
it as a version of the project's SageMaker image. The model-build repo's pipeline takes the
image's URI as its ``ProcessingImageUri`` parameter.
"""

from troposphere import GetAtt, Output, Ref, Template

from products.blocks import build_contract as contract
from products.blocks.codecommit_source import codecommit_repository
from products.blocks.image_build import ImageBuild, add_rebuild_schedule_parameter, image_build, rebuild_rule
from products.blocks.pipelines import codebuild_action, pipeline
from products.blocks.naming import project_resource_name
from products.blocks.product import Product, ProductSettings
from products.blocks.project_base import project_base
from products.blocks.storage import artifact_bucket_output

NAME = "image-build"
VERSION = "1.0.0"
SEED_KEY_PARAMETERS = contract.seed_key_parameters(contract.IMAGE_BUILD)
IMAGE_REPO_DESCRIPTION = "Image build code: the Dockerfile of the project's processing image"
DESCRIPTION = ("SageMaker project: build the project's container image on every push and on a schedule, push it to "
               "ECR and register it as a SageMaker image version (CodeCommit, CodePipeline, CodeBuild).")


def image_outputs(images: ImageBuild, image_pipeline) -> list[Output]:
    return [
        Output("ImageRepositoryUri", Value=GetAtt(images.repository, "RepositoryUri")),
        Output("SageMakerImageName", Value=images.image.ImageName),
        Output("ImageBuildPipelineName", Value=Ref(image_pipeline)),
    ]


def image_pipeline(roles, bucket, source, images: ImageBuild, triggers=None):
    return pipeline(
        "ImageBuildPipeline", project_resource_name("imagebuild"), roles.arn("codepipeline"), bucket,
        [("Source", [source]),
         ("Build", [codebuild_action("BuildPushAndRegisterImage", images.project, [contract.SOURCE_ARTIFACT])])],
        triggers=triggers,
    )


def build(settings: ProductSettings) -> Template:
    roles = settings.roles
    base = project_base(DESCRIPTION, settings, SEED_KEY_PARAMETERS)
    image_repo = codecommit_repository(
        "ImageBuildRepository", "imagebuild", IMAGE_REPO_DESCRIPTION, base.seed[contract.IMAGE_BUILD.name])
    images = image_build(roles, roles.boundary_arn(), base.bucket)
    runner = image_pipeline(roles, base.bucket, image_repo.action, images)
    schedule = add_rebuild_schedule_parameter(base.template)
    for resource in (image_repo.repository, *images.resources, runner,
                     image_repo.push_rule("ImageBuildPushRule", "image", runner, roles.arn("events")),
                     rebuild_rule(schedule, runner, roles.arn("events"))):
        base.template.add_resource(resource)
    base.template.add_output([
        artifact_bucket_output(base.bucket),
        Output("ImageBuildRepositoryName", Value=image_repo.repository.RepositoryName),
        *image_outputs(images, runner),
    ])
    return base.template


PRODUCT = Product(
    name=NAME,
    title="MLOps template for image building (CodeCommit)",
    description=(
        "Builds the project's processing image from a Dockerfile on every push and on a schedule: derived from "
        "SageMaker's scikit-learn image, pushed to the project's ECR repository (scanned, immutable tags) and "
        "registered as a SageMaker image version for Studio and the model-build pipeline."
    ),
    version=VERSION,
    seed_repos=(contract.IMAGE_BUILD,),
    build=build,
)
