"""Template parameters every SageMaker project product declares."""

from troposphere import Equals, If, Not, Parameter, Ref, Sub, Template

from products.blocks.naming import PROJECT_ID_PARAMETER, PROJECT_NAME_PARAMETER

# SageMaker's first-party project templates use exactly this pattern and length.
PROJECT_NAME_PATTERN = "^[a-zA-Z](-*[a-zA-Z0-9])*"
PROJECT_NAME_MAX_LENGTH = 32


def add_project_parameters(template: Template) -> None:
    """The two parameters SageMaker fills in when a user creates a project."""
    template.add_parameter(
        Parameter(
            PROJECT_NAME_PARAMETER,
            Type="String",
            Description="Name of the project",
            MinLength=1,
            MaxLength=PROJECT_NAME_MAX_LENGTH,
            AllowedPattern=PROJECT_NAME_PATTERN,
        )
    )
    template.add_parameter(
        Parameter(
            PROJECT_ID_PARAMETER,
            Type="String",
            Description="Service generated Id of the project.",
        )
    )


SEED_CODE_BUCKET_PARAMETER = "SeedCodeBucket"
_SEED_CODE_BUCKET_GIVEN = "SeedCodeBucketGiven"


def add_seed_code_parameters(
    template: Template, asset_bucket_pattern: str, keys: dict[str, tuple[str, str]]
) -> dict[str, tuple[If, Ref]]:
    """Where each seed repo's zip lies; returns ``{repo: (bucket, key)}`` expressions.

    The publisher fills the key defaults with content-hashed object keys. The bucket
    defaults to the catalog's asset bucket, whose name depends on the account and
    region a product is launched in, so it is an expression rather than a default.
    ``keys`` maps a repo to ``(parameter name, default key)``.
    """
    template.add_parameter(
        Parameter(
            SEED_CODE_BUCKET_PARAMETER,
            Type="String",
            Default="",
            Description="Bucket holding the seed-code zips; empty means the catalog's asset bucket.",
        )
    )
    template.add_condition(
        _SEED_CODE_BUCKET_GIVEN, Not(Equals(Ref(SEED_CODE_BUCKET_PARAMETER), ""))
    )
    bucket = If(
        _SEED_CODE_BUCKET_GIVEN, Ref(SEED_CODE_BUCKET_PARAMETER), Sub(asset_bucket_pattern)
    )
    locations = {}
    for repo, (parameter_name, default_key) in keys.items():
        template.add_parameter(
            Parameter(
                parameter_name,
                Type="String",
                Default=default_key,
                Description=f"Object key of the {repo} seed-code zip (set by the publisher).",
            )
        )
        locations[repo] = (bucket, Ref(parameter_name))
    return locations


# Studio's project form asks for every parameter unless this template metadata marks
# it optional (the format of SageMaker's own third-party Git templates).
PARAMETER_RULES_METADATA = "SagemakerTemplateParameterRules"


def mark_optional_parameters(template: Template) -> None:
    """Mark every parameter with a default optional, so Studio users may leave it blank."""
    optional = {name: {"Optional": True} for name, p in sorted(template.parameters.items()) if "Default" in p.properties}
    if optional:
        template.set_metadata({**template.metadata, PARAMETER_RULES_METADATA: optional})
