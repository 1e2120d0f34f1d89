"""Create a SageMaker project on the S3 route the way Studio does: one CreateProject request whose
template provider names the template's S3 URL, its parameters and the S3 launch role.

SageMaker's API model (CreateProject: TemplateProviders, CfnTemplateProvider with TemplateName,
TemplateURL, RoleARN, Parameters) is the contract: the request is validated against botocore's
model before it is sent, so a malformed request fails here, naming the field, not in SageMaker.
"""

import json
import re

from products.catalog.config import CatalogConfig
from products.publishing.aws import BadInput
from products.publishing.assets import studio_template_key

# SageMaker fills these in itself; the user gives the rest (the same on both routes).
FILLED_BY_SAGEMAKER = ("SageMakerProjectName", "SageMakerProjectId")
PROJECT_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$")  # CreateProject's ProjectName pattern, 32 at most


def template_url(bucket: str, region: str, key: str) -> str:
    """The template's virtual-hosted-style HTTPS URL (TemplateURL must be https://)."""
    return f"https://{bucket}.s3.{region}.amazonaws.com/{key}"


def user_parameters(template: dict, given: dict[str, str], product: str) -> list[dict]:
    """The parameters Studio would ask the user for, checked against the template: every key known,
    every parameter without a default given."""
    declared = {k: v for k, v in template.get("Parameters", {}).items() if k not in FILLED_BY_SAGEMAKER}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise BadInput(f"--parameter {unknown[0]}: {product} has no such parameter (it has: {', '.join(sorted(declared))})")
    missing = sorted(k for k, v in declared.items() if "Default" not in v and k not in given)
    if missing:
        raise BadInput(f"--parameter {missing[0]}=...: {product} needs it (no default)")
    return [{"Key": key, "Value": value} for key, value in sorted(given.items())]


def create_project_request(config: CatalogConfig, *, product: str, template: dict, project_name: str,
                           parameters: dict[str, str], bucket: str, region: str, account: str, partition: str) -> dict:
    if product not in config.products:
        raise BadInput(f"--product: {product!r} is not offered by this catalog (offered: {', '.join(config.products)})")
    if not PROJECT_NAME.match(project_name):
        raise BadInput(f"project name {project_name!r}: 1-32 letters, digits and hyphens, starting with a letter or digit")
    launch_role = f"arn:{partition}:iam::{account}:role{config.roles.path}{config.roles.s3_launch}"
    return {
        "ProjectName": project_name,
        "TemplateProviders": [{"CfnTemplateProvider": {
            "TemplateName": product,
            "TemplateURL": template_url(bucket, region, studio_template_key(config, product)),
            "RoleARN": launch_role,
            "Parameters": user_parameters(template, parameters, product),
        }}],
    }


def validated(client, request: dict, operation: str = "CreateProject") -> dict:
    """``request`` if botocore's model of ``operation`` accepts it; BadInput naming the problem otherwise."""
    from botocore.exceptions import ParamValidationError
    from botocore.validate import validate_parameters

    try:
        validate_parameters(request, client.meta.service_model.operation_model(operation).input_shape)
    except ParamValidationError as error:
        raise BadInput(f"{operation} request: {error}") from None
    return request


def describe(request: dict) -> str:
    return json.dumps(request, indent=2, sort_keys=True)


# CreateProject answers at once; the project's stack is created after it (ProjectStatus, DescribeProject).
PROJECT_WAITING = ("Pending", "CreateInProgress")
UPDATE_WAITING = ("Pending", "UpdateInProgress")
STALE_READS = 6  # DescribeProject reads that may still show the status from before UpdateProject


def project_outcome(project: dict) -> tuple[str, str]:
    """The project's status and, if its latest creation or update failed, why: the provisioned product's message
    (Service Catalog route) or the stack's (S3 route)."""
    provisioned = project.get("ServiceCatalogProvisionedProductDetails", {})
    stacks = [p.get("CfnTemplateProviderDetail", {}).get("StackDetail", {}) for p in project.get("TemplateProviderDetails", [])]
    reason = provisioned.get("ProvisionedProductStatusMessage") or next(
        (s.get("StatusMessage", "") for s in stacks if s.get("StatusMessage")), "")
    return project["ProjectStatus"], reason


def wait_for_project(sagemaker, name: str, say, poll_seconds: float, sleep, waiting=PROJECT_WAITING, before=None) -> dict:
    """DescribeProject until the project's status is no longer one of ``waiting``, saying so at each poll. With
    ``before`` (its LastModifiedTime before an UpdateProject), a status read before SageMaker took the update in (the
    time not yet moved) is read again, up to STALE_READS times, rather than taken for the outcome."""
    unchanged_reads = 0
    while True:
        project = sagemaker.describe_project(ProjectName=name)
        moved = before is None or project.get("LastModifiedTime") != before
        if project["ProjectStatus"] not in waiting and (moved or unchanged_reads >= STALE_READS):
            return project
        unchanged_reads += not moved
        say(f"project {name}: {project['ProjectStatus']}")
        sleep(poll_seconds)
