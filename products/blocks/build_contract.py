"""Names shared by the templates, the buildspecs and the seed code.

A renamed variable or file here changes the templates; the buildspecs and seed code
must follow, and ``tests/products/test_wiring.py`` fails until they do.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class SeedRepo:
    """A seed-code repository: its folder under ``seedcode/`` and the buildspecs it carries.

    ``buildspecs`` maps a file in ``buildspecs/`` to its path inside the repo, which is
    where the product's CodeBuild projects look for it.
    """

    name: str
    buildspecs: dict[str, str]
    key_parameter: str  # the product parameter the publisher fills with this repo's seed zip key


# The batch and monitor buildspecs ship in every model-build repo; only the products with batch
# inference (build-train-batch) or drift monitoring (*-monitor) have CodeBuild projects running them.
MODEL_BUILD = SeedRepo(
    "model-build",
    {"model-build.yml": "codebuild-buildspec.yml", "batch-inference.yml": "batch-buildspec.yml",
     "drift-monitor.yml": "monitor-buildspec.yml"},
    "ModelBuildSeedCodeKey",
)
MODEL_DEPLOY = SeedRepo(
    "model-deploy",
    {"model-deploy.yml": "buildspec.yml", "staging-test.yml": "test/buildspec.yml"},
    "ModelDeploySeedCodeKey",
)
IMAGE_BUILD = SeedRepo("image-build", {"image-build.yml": "buildspec.yml"}, "ImageBuildSeedCodeKey")
SEED_REPOS = {repo.name: repo for repo in (MODEL_BUILD, MODEL_DEPLOY, IMAGE_BUILD)}


def seed_key_parameters(*repos: SeedRepo) -> dict[str, str]:
    """Each repo's name -> its key parameter, for ``project_base``."""
    return {repo.name: repo.key_parameter for repo in repos}

SEED_BRANCH = "main"

# Pipeline artifact names; CodeBuild exposes secondary inputs as CODEBUILD_SRC_DIR_<name>.
SOURCE_ARTIFACT = "SourceArtifact"
BUILD_ARTIFACT = "BuildArtifact"
TEST_ARTIFACT = "TestArtifact"

# Files the model-deploy build exports for the CloudFormation deploy actions.
EXPORT_TEMPLATE_NAME = "template-export.yml"
EXPORT_STAGING_CONFIG = "staging-config-export.json"
EXPORT_PROD_CONFIG = "prod-config-export.json"
EXPORT_TEST_RESULTS = "test-results.json"

# Environment variable names the CodeBuild projects set.
ENV_PROJECT_NAME = "SAGEMAKER_PROJECT_NAME"
ENV_PROJECT_ID = "SAGEMAKER_PROJECT_ID"
ENV_ARTIFACT_BUCKET = "ARTIFACT_BUCKET"
ENV_PIPELINE_NAME = "SAGEMAKER_PIPELINE_NAME"
ENV_PIPELINE_ROLE_ARN = "SAGEMAKER_PIPELINE_ROLE_ARN"
ENV_MODEL_PACKAGE_GROUP_NAME = "MODEL_PACKAGE_GROUP_NAME"
ENV_MODEL_EXECUTION_ROLE_ARN = "MODEL_EXECUTION_ROLE_ARN"
ENV_EXPORT_TEMPLATE_NAME = "EXPORT_TEMPLATE_NAME"
ENV_EXPORT_STAGING_CONFIG = "EXPORT_TEMPLATE_STAGING_CONFIG"
ENV_EXPORT_PROD_CONFIG = "EXPORT_TEMPLATE_PROD_CONFIG"
ENV_BUILD_CONFIG = "BUILD_CONFIG"
ENV_EXPORT_TEST_RESULTS = "EXPORT_TEST_RESULTS"
ENV_STAGING_STACK_NAME = "STAGING_STACK_NAME"
ENV_PROD_STACK_NAME = "PROD_STACK_NAME"
ENV_PROD_ROLE_ARN = "PROD_ROLE_ARN"  # the prod account's deploy role, or "" (prod here)
# The staging test's way into a staging account of its own (empty: staging is in this account).
ENV_STAGING_ROLE_ARN = "STAGING_ROLE_ARN"
# Each stage's model role for the stage configurations: the stage account's execution role (or this account's).
ENV_STAGE_EXECUTION_ROLE_ARN = {"staging": "STAGING_EXECUTION_ROLE_ARN", "prod": "PROD_EXECUTION_ROLE_ARN"}
ENV_CAPTURE_URI = "CAPTURE_URI"
# The image build (image-build repo): where it pushes, and the SageMaker image it adds versions to.
ENV_IMAGE_REPOSITORY_URI = "IMAGE_REPOSITORY_URI"
ENV_SAGEMAKER_IMAGE_NAME = "SAGEMAKER_IMAGE_NAME"

# Where the model-deploy seed's build.py points each stage's data capture (DataCaptureUploadPath):
# s3://<artifact bucket>/<CAPTURE_FOLDER>/<stage>; the drift monitor reads prod's.
CAPTURE_FOLDER = "datacapture"
# s3://<artifact bucket>/<ASYNC_FOLDER>/<stage>/{input,output,failure}/: an async endpoint's requests and answers
# (the model-deploy seed's endpoint_types.py and test/test.py).
ASYNC_FOLDER = "async-inference"

# The seed check-in build (third-party Git): the custom resource overrides these per repository.
SEED_CHECKIN_BUILDSPEC = "seed-checkin.yml"
ENV_GIT_REPOSITORY_URL = "GIT_REPOSITORY_URL"
ENV_GIT_BRANCH = "GIT_BRANCH"
ENV_SEED_CODE_URI = "SEED_CODE_URI"
