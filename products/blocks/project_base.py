"""What every project product starts with: its parameters, artifact bucket and seed-code locations."""

from dataclasses import dataclass

from troposphere import Template, s3

from products.blocks.naming import artifact_bucket_name
from products.blocks.parameters import add_project_parameters, add_seed_code_parameters
from products.blocks.product import ProductSettings, new_template
from products.blocks.storage import add_access_logging_parameter, artifact_bucket


@dataclass(frozen=True)
class ProjectBase:
    template: Template
    bucket: s3.Bucket
    seed: dict  # seed repo -> (bucket expression, key expression)


def project_base(description: str, settings: ProductSettings, seed_key_parameters: dict[str, str]) -> ProjectBase:
    """A template with the project parameters, the artifact bucket and its policy added.

    ``seed_key_parameters`` maps each seed repo the product uses to its key parameter's name.
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
    bucket, policy = artifact_bucket("ArtifactBucket", artifact_bucket_name())
    template.add_resource(bucket)
    template.add_resource(policy)
    return ProjectBase(template, bucket, seed)
