"""Physical names and tags of a project's resources.

Every name is derived from the two values SageMaker passes to a project stack, so a
resource can always be traced back to its project. The prefix ``sagemaker-`` lets the
roles stack scope permissions to ``sagemaker-*`` resource names.

Length budget: ``SageMakerProjectName`` is at most 32 characters and SageMaker project
ids are 14 (``p-`` and 12 lowercase characters), so ``sagemaker-<name>-<id>`` is at
most 57 characters. ``tests/products/test_naming.py`` checks every name against its AWS limit.
"""

from troposphere import Ref, Sub, Tags

PROJECT_NAME_PARAMETER = "SageMakerProjectName"
PROJECT_ID_PARAMETER = "SageMakerProjectId"

PROJECT_NAME_TAG = "sagemaker:project-name"
PROJECT_ID_TAG = "sagemaker:project-id"

PROJECT = "${SageMakerProjectName}-${SageMakerProjectId}"
RESOURCE_PREFIX = "sagemaker-"


def project_resource_name(suffix: str = "") -> Sub:
    """``sagemaker-<name>-<id>[-suffix]``: the name of most project resources."""
    return Sub(f"{RESOURCE_PREFIX}{PROJECT}" + (f"-{suffix}" if suffix else ""))


def model_package_group_name() -> Sub:
    """``<name>-<id>``, the group name SageMaker's own project templates use."""
    return Sub(PROJECT)


def artifact_bucket_name() -> Sub:
    """``sagemaker-project-<id>``: bucket names must be lowercase, project names may not be."""
    return Sub("sagemaker-project-${SageMakerProjectId}")


def project_tags(**extra: str) -> Tags:
    """The two tags that make every resource traceable to its project."""
    return Tags(
        {
            PROJECT_NAME_TAG: Ref(PROJECT_NAME_PARAMETER),
            PROJECT_ID_TAG: Ref(PROJECT_ID_PARAMETER),
            **extra,
        }
    )

