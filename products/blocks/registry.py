"""The SageMaker model package group a project registers its models in."""

from troposphere import Output, Sub, sagemaker

from products.blocks.naming import project_tags


def model_package_group(logical_id: str, name: Sub, description: Sub, policy=None) -> sagemaker.ModelPackageGroup:
    """A model package group tagged with its project, kept when the project is deleted:
    SageMaker refuses to delete a group that holds model packages, and the packages are
    the record of what was trained and approved. ``policy``: its resource policy, if any."""
    group = sagemaker.ModelPackageGroup(
        logical_id,
        ModelPackageGroupName=name,
        ModelPackageGroupDescription=description,
        Tags=project_tags(),
        DeletionPolicy="Retain",
        UpdateReplacePolicy="Retain",
    )
    if policy is not None:
        group.ModelPackageGroupPolicy = policy
    return group


def model_package_group_output(name: Sub) -> Output:
    return Output("ModelPackageGroupName", Value=name,
                  Description="Kept when the project is deleted (the model registry's record)")
