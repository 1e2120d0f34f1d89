"""SageMaker projects in the local AWS: CreateProject, DescribeProject, ListProjects, UpdateProject and DeleteProject,
which moto lacks, on both of Studio's routes.

- Service Catalog route (``ServiceCatalogProvisioningDetails``): SageMaker provisions the product for the caller,
  with the caller's credentials (so the caller needs ``servicecatalog:ProvisionProduct`` and a portfolio that lets
  it in), adding the parameters ``SageMakerProjectName`` and ``SageMakerProjectId`` and the tags
  ``sagemaker:project-name`` and ``sagemaker:project-id``. With no version named, the product's latest is used
  (CreateProject, ServiceCatalogProvisioningDetails: "will default to the latest provisioning artifact ID").
- S3 route (``TemplateProviders``): SageMaker calls CreateStack with the caller's credentials and the provider's
  ``RoleARN`` as the stack role, for a stack named ``SP-<project name>-<project id>`` (the S3 route's stacks are
  ``SP-*`` in AWS's sample policies; the rest of the name is ours): the caller needs ``s3:GetObject`` on the
  template, ``cloudformation:CreateStack`` on the stack and ``iam:PassRole`` on the role; the role must trust
  ``cloudformation.amazonaws.com``.

A request the caller may not make, or a template CloudFormation would refuse, fails the request; a stack that
fails leaves the project CreateFailed with the reason, as in AWS. DeleteProject terminates the provisioned product
or deletes the stack, as the same caller. Projects are created before CreateProject answers (moto creates stacks
synchronously), so none is seen CreateInProgress. Kept on moto's SageMaker backend as ``local_projects``.

UpdateProject updates the provisioned product (UpdateProvisionedProduct, to the version given or the product's
latest) or the stack (UpdateStack with the provider's new TemplateURL and Parameters, the project's RoleARN), with
the caller's credentials; a stack that rolls back leaves the project UpdateFailed with the reason, on its old
version.

Not emulated: Studio's user context (CreatedBy), pagination of ListProjects.
"""

import datetime
import secrets
import uuid

from moto.cloudformation.exceptions import ValidationError

from products.analysis.iam_resources import Authorization
from products.local_aws import api_model
from products.local_aws import iam as emulated_iam
from products.local_aws import servicecatalog_provisioning as provisioning
from products.local_aws.cloudformation import stacks
from products.local_aws.cloudformation.resource_types.servicecatalog import backend as servicecatalog_backend

SAGEMAKER_PARAMETERS = ("SageMakerProjectName", "SageMakerProjectId")


class ProjectRefused(api_model.Refused):
    """CreateProject, DescribeProject or DeleteProject refused (SageMaker's error code)."""


def _projects(account: str, region: str) -> dict:
    from moto.sagemaker.models import sagemaker_backends

    found = sagemaker_backends[account][region]
    if not hasattr(found, "local_projects"):
        found.local_projects = {}
    return found.local_projects


def _provider_calls(template_url: str, role: str | None, stack_call: Authorization) -> list[Authorization]:
    """What SageMaker does with the caller's credentials for a template provider: read the template, the stack call,
    and pass the provider's role to CloudFormation."""
    bucket, key = provisioning.template_location(template_url)
    calls = [Authorization("s3:GetObject", f"arn:aws:s3:::{bucket}/{key}"), stack_call]
    if role:
        calls.append(Authorization("iam:PassRole", role, {"iam:PassedToService": "cloudformation.amazonaws.com"}))
    return calls


def _check_caller(account: str, caller: str | None, checks: list, operation: str) -> None:
    """The calls SageMaker makes with the caller's credentials must be the caller's to make."""
    if caller is None:
        return  # the harness's own credentials: not checked (products/local_aws/iam.py)
    try:
        emulated_iam.check(account, caller, checks, caller=f"sagemaker:{operation}")
    except emulated_iam.RoleDenied as denied:
        raise ProjectRefused("AccessDeniedException", f"User: {denied}", status=403) from None


def _project_id() -> str:
    return "p-" + "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))


def create_project(account: str, region: str, caller: str | None, request: dict) -> dict:
    projects, name = _projects(account, region), request["ProjectName"]
    if name in projects:
        raise ProjectRefused("ValidationException", f"Project {name} already exists")
    routes = [k for k in ("ServiceCatalogProvisioningDetails", "TemplateProviders") if request.get(k)]
    if len(routes) != 1:
        raise ProjectRefused("ValidationException",
                             "exactly one of ServiceCatalogProvisioningDetails and TemplateProviders is required")
    project_id = _project_id()
    now = datetime.datetime.now(datetime.timezone.utc)
    project = {"ProjectArn": f"arn:aws:sagemaker:{region}:{account}:project/{name.lower()}", "ProjectName": name,
               "ProjectId": project_id, "ProjectDescription": request.get("ProjectDescription", ""),
               "ProjectStatus": "CreateInProgress", "CreationTime": now, "LastModifiedTime": now, "local_caller": caller}
    tags = [*request.get("Tags", []), {"Key": "sagemaker:project-name", "Value": name},
            {"Key": "sagemaker:project-id", "Value": project_id}]
    given = {"SageMakerProjectName": name, "SageMakerProjectId": project_id}
    if routes == ["TemplateProviders"]:
        _create_stack(account, region, caller, project, request["TemplateProviders"][0]["CfnTemplateProvider"], given, tags)
    else:
        _provision(account, region, caller, project, request["ServiceCatalogProvisioningDetails"], given, tags)
    projects[name] = project
    return {"ProjectArn": project["ProjectArn"], "ProjectId": project_id}


def _with_sagemaker_parameters(parameters: list[dict], given: dict) -> list[dict]:
    named = sorted({p["Key"] for p in parameters} & set(SAGEMAKER_PARAMETERS))
    if named:
        raise ProjectRefused("ValidationException", f"parameter {named[0]} is set by SageMaker, not by the request")
    return [*parameters, *({"Key": k, "Value": v} for k, v in given.items())]


def _provision(account, region, caller, project, details: dict, given: dict, tags: list) -> None:
    found = servicecatalog_backend(account, region)
    try:
        product = provisioning.find_product(found, details["ProductId"], None)
        artifact_id = details.get("ProvisioningArtifactId") or product.local_artifacts[-1]["Id"]
        _check_caller(account, caller, [Authorization("servicecatalog:ProvisionProduct", product.arn)], "CreateProject")
        record = provisioning.provision(account, region, caller, {
            "ProductId": product.id, "ProvisioningArtifactId": artifact_id, "PathId": details.get("PathId"),
            "ProvisionedProductName": f"{project['ProjectName']}-{project['ProjectId']}", "Tags": tags,
            "ProvisioningParameters": _with_sagemaker_parameters(details.get("ProvisioningParameters", []), given),
            "ProvisionToken": str(uuid.uuid4())})
    except provisioning.Refused as refused:
        raise ProjectRefused("ValidationException", f"Service Catalog: {refused}") from None
    project["ServiceCatalogProvisioningDetails"] = {**details, "ProvisioningArtifactId": artifact_id}
    provisioned = found.local_provisioned[record["ProvisionedProductId"]]
    project["ServiceCatalogProvisionedProductDetails"] = {"ProvisionedProductId": provisioned["Id"],
                                                          "ProvisionedProductStatusMessage": provisioned["StatusMessage"]}
    project["ProjectStatus"] = "CreateCompleted" if provisioned["Status"] == "AVAILABLE" else "CreateFailed"


def _create_stack(account, region, caller, project, provider: dict, given: dict, tags: list) -> None:
    stack_name = f"SP-{project['ProjectName']}-{project['ProjectId']}"
    role = provider.get("RoleARN")
    _check_caller(account, caller, _provider_calls(provider["TemplateURL"], role, Authorization(
        "cloudformation:CreateStack", f"arn:aws:cloudformation:{region}:{account}:stack/{stack_name}/*")), "CreateProject")
    try:
        if role:
            emulated_iam.check_trust("cloudformation.amazonaws.com", role)
        body = provisioning.read_template(account, provider["TemplateURL"])
        parameters = provisioning.stack_parameters(body, _with_sagemaker_parameters(provider.get("Parameters", []), given))
    except emulated_iam.RoleDenied:
        raise ProjectRefused("ValidationException", f"CloudFormation: Role {role} is invalid or cannot be assumed") from None
    except provisioning.LaunchFailed as failed:
        raise ProjectRefused("ValidationException", f"CloudFormation: {failed}") from None
    try:
        with stacks.created_as(None if role else caller):
            stack = stacks.backend(account, region).create_stack(
                name=stack_name, template=body, parameters=parameters, tags={t["Key"]: t["Value"] for t in tags},
                role_arn=role)
    except ValidationError as refused:  # CreateStack's synchronous refusal, which SageMaker passes on
        raise ProjectRefused("ValidationException", f"CloudFormation: {refused.message}") from None
    failed = stack.status != "CREATE_COMPLETE"
    project["TemplateProviderDetails"] = [{"CfnTemplateProviderDetail": {
        **provider, "StackDetail": {"Name": stack_name, "Id": stack.stack_id,
                                    "StatusMessage": stacks.failure_reason(stack) if failed else stack.status}}}]
    project["ProjectStatus"] = "CreateFailed" if failed else "CreateCompleted"


def update_project(account: str, region: str, caller: str | None, request: dict) -> dict:
    """UpdateProject: the project's product updated to another version (Service Catalog route) or its stack to the
    template a provider names (S3 route), with the caller's credentials; UpdateCompleted or UpdateFailed."""
    project = _project(account, region, request["ProjectName"])
    if project["ProjectStatus"].endswith("InProgress"):
        raise ProjectRefused("ConflictException", f"Project {project['ProjectName']} is {project['ProjectStatus']}")
    given = {"SageMakerProjectName": project["ProjectName"], "SageMakerProjectId": project["ProjectId"]}
    if request.get("ServiceCatalogProvisioningUpdateDetails"):
        if "ServiceCatalogProvisionedProductDetails" not in project:
            raise ProjectRefused("ValidationException", "the project was not created from Service Catalog")
        _update_provisioned(account, region, caller, project, request["ServiceCatalogProvisioningUpdateDetails"], given)
    elif request.get("TemplateProvidersToUpdate"):
        if not project.get("TemplateProviderDetails"):
            raise ProjectRefused("ValidationException", "the project has no template provider")
        _update_template_stack(account, region, caller, project, request["TemplateProvidersToUpdate"][0]["CfnTemplateProvider"], given)
    project["LastModifiedTime"] = datetime.datetime.now(datetime.timezone.utc)
    return {"ProjectArn": project["ProjectArn"]}


def _update_provisioned(account, region, caller, project, details: dict, given: dict) -> None:
    found = servicecatalog_backend(account, region)
    provisioned_id = project["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductId"]
    try:
        product = provisioning.find_product(found, project["ServiceCatalogProvisioningDetails"]["ProductId"], None)
        # "The provisioning artifact ID will default to the latest ... if you don't provide" it (UpdateProject)
        artifact_id = details.get("ProvisioningArtifactId") or product.local_artifacts[-1]["Id"]
        _check_caller(account, caller, [Authorization("servicecatalog:UpdateProvisionedProduct", "*")], "UpdateProject")
        record = provisioning.update(account, region, caller, {
            "ProvisionedProductId": provisioned_id, "ProductId": product.id, "ProvisioningArtifactId": artifact_id,
            "ProvisioningParameters": _with_sagemaker_parameters(details.get("ProvisioningParameters", []), given),
            "UpdateToken": str(uuid.uuid4())})
    except provisioning.Refused as refused:
        raise ProjectRefused("ValidationException", f"Service Catalog: {refused}") from None
    succeeded = found.local_records[record["RecordId"]]["Status"] == "SUCCEEDED"
    if succeeded:
        project["ServiceCatalogProvisioningDetails"] = {**project["ServiceCatalogProvisioningDetails"],
                                                        "ProvisioningArtifactId": artifact_id}
    project["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductStatusMessage"] = (
        found.local_provisioned[provisioned_id]["StatusMessage"])
    project["ProjectStatus"] = "UpdateCompleted" if succeeded else "UpdateFailed"


def _update_template_stack(account, region, caller, project, provider: dict, given: dict) -> None:
    current = project["TemplateProviderDetails"][0]["CfnTemplateProviderDetail"]
    if provider.get("TemplateName") != current.get("TemplateName"):
        raise ProjectRefused("ValidationException", f"the project has no template named {provider.get('TemplateName')}")
    role, stack_id = current.get("RoleARN"), current["StackDetail"]["Id"]
    _check_caller(account, caller, _provider_calls(provider["TemplateURL"], role,
                                                   Authorization("cloudformation:UpdateStack", stack_id)), "UpdateProject")
    try:
        body = provisioning.read_template(account, provider["TemplateURL"])
        parameters = provisioning.stack_parameters(body, _with_sagemaker_parameters(provider.get("Parameters", []), given))
        with stacks.created_as(None if role else caller):
            stacks.backend(account, region).update_stack(name=stack_id, template=body, role_arn=role, tags=None, parameters=[
                {"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()])
    except provisioning.LaunchFailed as failed:
        raise ProjectRefused("ValidationException", f"CloudFormation: {failed}") from None
    except ValidationError as refused:  # UpdateStack's synchronous refusal, which SageMaker passes on
        raise ProjectRefused("ValidationException", f"CloudFormation: {refused.message}") from None
    stack = stacks.backend(account, region).stacks[stack_id]
    failed = stack.status != "UPDATE_COMPLETE"
    if not failed:  # a rolled-back stack runs the template and parameters it had, and the project says so
        current.update(TemplateURL=provider["TemplateURL"], Parameters=provider.get("Parameters", []))
    current["StackDetail"] = {**current["StackDetail"],
                              "StatusMessage": stacks.failure_reason(stack) if failed else stack.status}
    project["ProjectStatus"] = "UpdateFailed" if failed else "UpdateCompleted"


def describe_project(account: str, region: str, caller, request: dict) -> dict:
    project = _project(account, region, request["ProjectName"])
    return {k: v for k, v in project.items() if not k.startswith("local_")}


def _project(account: str, region: str, name: str) -> dict:
    project = _projects(account, region).get(name)
    if project is None:
        raise ProjectRefused("ValidationException", f"Project {name} does not exist")
    return project


def list_projects(account: str, region: str, caller, request: dict) -> dict:
    keys = ("ProjectName", "ProjectDescription", "ProjectArn", "ProjectId", "CreationTime", "ProjectStatus")
    listed = [{k: p[k] for k in keys} for p in _projects(account, region).values()
              if request.get("NameContains", "") in p["ProjectName"]]
    by = "ProjectName" if request.get("SortBy") == "Name" else "CreationTime"
    listed.sort(key=lambda p: p[by], reverse=request.get("SortOrder", "Descending") == "Descending")
    return {"ProjectSummaryList": listed[: request.get("MaxResults", 100)]}


def delete_project(account: str, region: str, caller, request: dict) -> dict:
    project = _project(account, region, request["ProjectName"])
    if "ServiceCatalogProvisionedProductDetails" in project:
        _check_caller(account, caller, [Authorization("servicecatalog:TerminateProvisionedProduct", "*")], "DeleteProject")
        provisioned_id = project["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductId"]
        record = provisioning.terminate(account, region, caller, {"ProvisionedProductId": provisioned_id,
                                                                  "TerminateToken": str(uuid.uuid4())})
        error = "; ".join(e["Description"] for e in record["RecordErrors"]) or None
    else:
        stack_id = project["TemplateProviderDetails"][0]["CfnTemplateProviderDetail"]["StackDetail"]["Id"]
        _check_caller(account, caller, [Authorization("cloudformation:DeleteStack", stack_id)], "DeleteProject")
        cloudformation = stacks.backend(account, region)
        cloudformation.delete_stack(stack_id)
        stack = cloudformation.stacks.get(stack_id)
        error = stacks.failure_reason(stack) if stack is not None and stack.status == "DELETE_FAILED" else None
    if error:
        project.update(ProjectStatus="DeleteFailed", LastModifiedTime=datetime.datetime.now(datetime.timezone.utc))
    else:
        del _projects(account, region)[project["ProjectName"]]
    return {}


OPERATIONS = {"CreateProject": create_project, "DescribeProject": describe_project, "ListProjects": list_projects,
              "UpdateProject": update_project, "DeleteProject": delete_project}


def install() -> None:
    """Patch moto (in this process): its SageMaker answers the project operations above."""
    from moto.sagemaker.responses import SageMakerResponse

    api_model.install(SageMakerResponse, "sagemaker", OPERATIONS, invalid_code="ValidationException")
