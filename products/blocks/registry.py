"""The SageMaker model package group a project registers its models in."""

from troposphere import Sub, sagemaker

from products.blocks.naming import project_tags


def model_package_group(logical_id: str, name: Sub, description: Sub) -> sagemaker.ModelPackageGroup:
    """A model package group tagged with its project."""
    return sagemaker.ModelPackageGroup(
        logical_id,
        ModelPackageGroupName=name,
        ModelPackageGroupDescription=description,
        Tags=project_tags(),
    )
