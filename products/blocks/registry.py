"""The SageMaker model package group a project registers its models in."""

from troposphere import Output, Parameter, Ref, Sub, Template, sagemaker

from products.blocks.cross_account import TargetAccounts, group_policy
from products.blocks.naming import PROJECT, model_package_group_name, project_tags

SOURCE_GROUP_PARAMETER = "SourceModelPackageGroupName"


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


def project_model_package_group(accounts: TargetAccounts | None = None) -> sagemaker.ModelPackageGroup:
    """The project's group; with ``accounts``, readable by the staging and prod accounts' roles."""
    return model_package_group(
        "ModelPackageGroup", model_package_group_name(), Sub(f"Models of SageMaker project {PROJECT}"),
        group_policy(accounts) if accounts else None,
    )


def add_source_group_parameter(template: Template) -> Ref:
    """The existing model package group whose approved models a deploy-only project deploys."""
    return Ref(template.add_parameter(Parameter(
        SOURCE_GROUP_PARAMETER,
        Type="String",
        Description="Name of the existing model package group whose approved models this project deploys",
        MinLength=1,
        MaxLength=63,
        AllowedPattern="^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$",
    )))


def model_package_group_output(name: Sub) -> Output:
    return Output("ModelPackageGroupName", Value=name,
                  Description="Kept when the project is deleted (the model registry's record)")
