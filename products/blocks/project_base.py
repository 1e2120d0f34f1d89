"""What every project product starts with: its parameters, artifact bucket and seed-code locations."""

from dataclasses import dataclass

from troposphere import Template, codepipeline as cp, kms, s3

from products.blocks.cross_account import (
    TargetAccounts, add_target_account_parameters, artifact_key, bucket_statements, key_arn_if_elsewhere,
)
from products.blocks.model_build import ModelBuild
from products.blocks.model_deploy import ModelDeploy
from products.blocks.naming import artifact_bucket_name
from products.blocks.parameters import add_project_parameters, add_seed_code_parameters
from products.blocks.product import ProductSettings, new_template
from products.blocks.storage import add_access_logging_parameter, artifact_bucket


@dataclass(frozen=True)
class ProjectBase:
    template: Template
    bucket: s3.Bucket
    seed: dict  # seed repo -> (bucket expression, key expression)
    accounts: TargetAccounts | None = None  # where staging and prod may live (products that deploy)
    key: kms.Key | None = None  # the artifact key, made when a stage is in another account


@dataclass(frozen=True)
class Composed:
    """A build-train-deploy project (either Git flavour), for products that add to it (the monitor products)."""

    base: ProjectBase
    build_source: cp.Actions
    build_half: ModelBuild
    deploy_half: ModelDeploy


def project_base(description: str, settings: ProductSettings, seed_key_parameters: dict[str, str],
                 deploys_to_accounts: bool = False) -> ProjectBase:
    """A template with the project parameters, the artifact bucket and its policy added.

    ``seed_key_parameters`` maps each seed repo the product uses to its key parameter's name.
    ``deploys_to_accounts``: the staging and prod account parameters, limited to the catalog's target accounts
    (``settings.deploy_accounts``; none configured, no parameters), and what the bucket grants those accounts (a
    customer-managed key and policy statements, made only when one is set).
    """
    template = new_template(description)
    add_project_parameters(template)
    add_access_logging_parameter(template)
    seed = {}
    if seed_key_parameters:
        seed = add_seed_code_parameters(
            template,
            settings.asset_bucket,
            {repo: (parameter, settings.seed_code_keys[repo]) for repo, parameter in seed_key_parameters.items()},
        )
    if not deploys_to_accounts or not settings.deploy_accounts:  # a catalog without target accounts offers none
        bucket, policy = artifact_bucket("ArtifactBucket", artifact_bucket_name())
        template.add_resource([bucket, policy])
        return ProjectBase(template, bucket, seed)
    accounts = add_target_account_parameters(template, settings.roles, settings.deploy_accounts)
    key, alias = artifact_key(accounts)
    bucket, policy = artifact_bucket("ArtifactBucket", artifact_bucket_name(), key_arn_if_elsewhere(key),
                                     lambda bucket: bucket_statements(accounts, bucket))
    template.add_resource([key, alias, bucket, policy])
    return ProjectBase(template, bucket, seed, accounts, key)
