"""Service Catalog launching, updating and terminating products in the local AWS, as its API Reference describes it.

ProvisionProduct (and SageMaker's CreateProject on the Service Catalog route, which calls it for the user):
- the caller reaches the product through a portfolio whose principals let the caller's role in (else "No launch
  paths found for resource"), and names a version that is active and not deprecated;
- the product's launch constraint names the role Service Catalog assumes (its trust must name
  ``servicecatalog.amazonaws.com``); with no constraint Service Catalog acts with the caller's credentials;
- as that role it reads the version's template from S3 and calls CreateStack for a stack named
  ``SC-<account>-<provisioned product id>``, with no stack role, so every resource's calls are checked against
  the launch role (cloudformation/stacks.py, ``created_as``), and with Service Catalog's AutoTags
  (``aws:servicecatalog:*``, Administrator Guide, "AWS Service Catalog AutoTags") beside the request's tags;
- the request returns a record at once (Status CREATED); DescribeRecord gives its end: SUCCEEDED with the stack's
  outputs and ``CloudformationStackARN``, or FAILED with the reason. A failed launch leaves the provisioned
  product in ERROR, to be terminated, as in AWS.

UpdateProvisionedProduct updates the stack to the named version's template as the same role (UpdateStack; a
parameter with UsePreviousValue keeps the stack's value); a stack that rolls back leaves the record FAILED and the
product TAINTED on its old version.

TerminateProvisionedProduct deletes the stack as the same role (RetainPhysicalResources keeps it; IgnoreErrors
forgets the product even when the stack would not go).

The stack is created before ProvisionProduct answers (moto creates stacks synchronously): no record is ever seen
IN_PROGRESS here. What is kept, on moto's Service Catalog backend: ``local_provisioned`` (id -> details) and
``local_records`` (id -> record).
"""

import datetime
import json
import secrets
from urllib.parse import unquote, urlparse

import yaml
from moto.cloudformation.exceptions import ValidationError

from products.analysis import portfolio_access
from products.analysis.iam_resources import Authorization
from products.local_aws import api_model
from products.local_aws import iam as emulated_iam
from products.local_aws.cloudformation import stacks
from products.local_aws.cloudformation.resource_types.servicecatalog import backend

SERVICE_PRINCIPAL = "servicecatalog.amazonaws.com"


class Refused(api_model.Refused):
    """The request itself is refused (the API's error ``code``); nothing is provisioned."""


class LaunchFailed(Exception):
    """The launch started and failed: the record is FAILED with this reason."""


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _id(prefix: str) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return prefix + "".join(secrets.choice(alphabet) for _ in range(13))


def find_product(found, product_id: str | None, product_name: str | None):
    for product in found.products.values():
        if product.id == product_id or (product_id is None and product.name == product_name):
            return product
    raise Refused("ResourceNotFoundException", f"Product {product_id or product_name} not found")


def find_artifact(product, artifact_id: str | None, artifact_name: str | None) -> dict:
    """The version named (by id or name); SageMaker's CreateProject names none and takes the latest."""
    artifacts = product.local_artifacts
    if artifact_id is None and artifact_name is None:
        raise Refused("InvalidParametersException", "ProvisioningArtifactId or ProvisioningArtifactName is required")
    for artifact in artifacts:
        if artifact["Id"] == artifact_id or (artifact_id is None and artifact["Name"] == artifact_name):
            return artifact
    raise Refused("ResourceNotFoundException",
                  f"Provisioning artifact {artifact_id or artifact_name} not found for product {product.id}")


def _launch_path(found, product_id: str, caller_role: str | None, path_id: str | None) -> str:
    """The portfolio through which the caller reaches the product (a launch path's id is its portfolio's)."""
    for portfolio_id, product_ids in found.local_portfolio_products.items():
        if product_id not in product_ids or (path_id and path_id != portfolio_id):
            continue
        if caller_role and portfolio_access.has_access(caller_role, found.local_principals.get(portfolio_id, [])):
            return portfolio_id
    raise Refused("InvalidParametersException", f"No launch paths found for resource: {product_id}")


def _launch_role(found, portfolio_id: str, product_id: str, account: str) -> str | None:
    for constraint in found.local_constraints.values():
        if (constraint["Type"], constraint["PortfolioId"], constraint["ProductId"]) == ("LAUNCH", portfolio_id, product_id):
            parameters = json.loads(constraint["Parameters"])
            return parameters.get("RoleArn") or f"arn:aws:iam::{account}:role/{parameters['LocalRoleName']}"
    return None


def template_location(url: str) -> tuple[str, str]:
    """(bucket, key) of an S3 HTTPS URL, virtual-hosted or path style."""
    parsed = urlparse(url)
    host, path = parsed.netloc, unquote(parsed.path.lstrip("/"))
    if ".s3." in host or host.endswith(".s3.amazonaws.com"):
        return host.split(".s3", 1)[0], path
    bucket, _, key = path.partition("/")
    return bucket, key


def read_template(account: str, url: str) -> str:
    from moto.s3.models import s3_backends

    bucket, key = template_location(url)
    stored = s3_backends[account]["aws"].buckets.get(bucket)
    found = stored.keys.get(key) if stored else None
    if found is None:
        raise LaunchFailed(f"Template could not be read from {url}: the object does not exist")
    return found.value.decode()


class _TemplateLoader(yaml.SafeLoader):
    """YAML that keeps CloudFormation's short-form tags (``!Ref``) as plain values: only Parameters are read."""


_TemplateLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def template_dict(body: str) -> dict:
    return json.loads(body) if body.lstrip().startswith("{") else (yaml.load(body, Loader=_TemplateLoader) or {})


def stack_parameters(body: str, given: list[dict]) -> dict:
    """The stack's parameters, checked as CreateStack checks them: every key declared, every one without a
    default given."""
    declared = template_dict(body).get("Parameters", {})
    values = {p["Key"]: p.get("Value", "") for p in given}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise LaunchFailed(f"Parameters: {unknown} do not exist in the template")
    missing = sorted(k for k, v in declared.items() if "Default" not in v and k not in values)
    if missing:
        raise LaunchFailed(f"Parameters: {missing} must have values")
    return values


def _auto_tags(found, portfolio_id: str, product, artifact: dict, provisioned_arn: str, caller_role: str) -> dict:
    return {"aws:servicecatalog:portfolioArn": found.portfolios[portfolio_id].arn,
            "aws:servicecatalog:productArn": product.arn,
            "aws:servicecatalog:provisionedProductArn": provisioned_arn,
            "aws:servicecatalog:provisioningArtifactIdentifier": artifact["Id"],
            "aws:servicecatalog:provisioningPrincipalArn": caller_role}


def _record(found, record_type: str, provisioned: dict, token: str) -> dict:
    record = {"RecordId": _id("rec-"), "ProvisionedProductName": provisioned["Name"], "Status": "CREATED",
              "CreatedTime": _now(), "UpdatedTime": _now(), "ProvisionedProductType": "CFN_STACK",
              "RecordType": record_type, "ProvisionedProductId": provisioned["Id"],
              "ProductId": provisioned["ProductId"], "ProvisioningArtifactId": provisioned["ProvisioningArtifactId"],
              "PathId": provisioned["PathId"], "RecordErrors": [], "RecordTags": [],
              "LaunchRoleArn": provisioned.get("LaunchRoleArn") or "", "local_token": token, "local_outputs": []}
    found.local_records[record["RecordId"]] = record
    provisioned["LastRecordId"] = record["RecordId"]
    return record


def _check_deprecation(artifact: dict, product_id: str) -> None:
    if not artifact["Active"] or artifact["Guidance"] == "DEPRECATED":
        state = "inactive" if not artifact["Active"] else "deprecated"
        raise Refused("InvalidParametersException",
                      f"Provisioning artifact {artifact['Id']} of product {product_id} is {state}: "
                      "new products cannot be provisioned from it")


def provision(account: str, region: str, caller_role: str | None, request: dict) -> dict:
    """ProvisionProduct (see the module doc); the record as the request returns it. Refused if nothing starts."""
    found = backend(account, region)
    earlier = [r for r in found.local_records.values() if r["local_token"] == request["ProvisionToken"]]
    if earlier:  # the same token: the same request, answered again (ProvisionToken is an idempotency token)
        return earlier[0]
    product = find_product(found, request.get("ProductId"), request.get("ProductName"))
    portfolio_id = _launch_path(found, product.id, caller_role, request.get("PathId"))
    artifact = find_artifact(product, request.get("ProvisioningArtifactId"), request.get("ProvisioningArtifactName"))
    _check_deprecation(artifact, product.id)
    name = request["ProvisionedProductName"]
    if any(p["Name"] == name for p in found.local_provisioned.values()):
        raise Refused("DuplicateResourceException", f"A provisioned product named {name} already exists")
    launch_role = _launch_role(found, portfolio_id, product.id, account)
    if launch_role:
        try:
            emulated_iam.check_trust(SERVICE_PRINCIPAL, launch_role)
        except emulated_iam.RoleDenied as denied:
            raise Refused("InvalidParametersException",
                          f"Access denied while assuming the role {launch_role} ({denied})") from None
    provisioned_id = _id("pp-")
    provisioned = {"Name": name, "Arn": f"arn:aws:servicecatalog:{region}:{account}:stack/{name}/{provisioned_id}",
                   "Type": "CFN_STACK", "Id": provisioned_id, "Status": "UNDER_CHANGE", "StatusMessage": "",
                   "CreatedTime": _now(), "IdempotencyToken": request["ProvisionToken"], "ProductId": product.id,
                   "ProvisioningArtifactId": artifact["Id"], "LaunchRoleArn": launch_role, "PathId": portfolio_id,
                   "local_stack_name": f"SC-{account}-{provisioned_id}", "local_stack_id": None}
    found.local_provisioned[provisioned_id] = provisioned
    record = _record(found, "PROVISION_PRODUCT", provisioned, request["ProvisionToken"])
    answer = dict(record)
    tags = {**{t["Key"]: t["Value"] for t in request.get("Tags", [])},
            **_auto_tags(found, portfolio_id, product, artifact, provisioned["Arn"], caller_role)}
    _launch(account, region, launch_role or caller_role, artifact["TemplateUrl"], request, provisioned, record, tags)
    provisioned["LastProvisioningRecordId"] = record["RecordId"]
    if record["Status"] == "SUCCEEDED":
        provisioned["LastSuccessfulProvisioningRecordId"] = record["RecordId"]
    return answer


def _launch(account, region, acting_role, template_url, request, provisioned, record, tags) -> None:
    """Read the template and create the stack as ``acting_role``; the record and the product take the result."""
    stack_name = provisioned["local_stack_name"]
    try:
        body = _read_as(account, acting_role, template_url, "ProvisionProduct", Authorization(
            "cloudformation:CreateStack", f"arn:aws:cloudformation:{region}:{account}:stack/{stack_name}/*"))
        parameters = stack_parameters(body, request.get("ProvisioningParameters", []))
        with stacks.created_as(acting_role):
            stack = stacks.backend(account, region).create_stack(
                name=stack_name, template=body, parameters=parameters, tags=tags,
                notification_arns=request.get("NotificationArns"))
    except (emulated_iam.RoleDenied, LaunchFailed, ValidationError) as error:  # CreateStack's refusal fails the record
        _finish(record, provisioned, getattr(error, "message", None) or f"{error}")
        return
    provisioned["local_stack_id"] = stack.stack_id
    if stack.status == "CREATE_COMPLETE":
        record["local_outputs"] = [{"OutputKey": o.key, "OutputValue": str(o.value), "Description": o.description or ""}
                                   for o in stack.output_map.values() if o] + [
            {"OutputKey": "CloudformationStackARN", "OutputValue": stack.stack_id,
             "Description": "The ARN of the launched CloudFormation stack"}]
        _finish(record, provisioned, None)
    else:
        _finish(record, provisioned, f"{stack_name} is {stack.status}: {stacks.failure_reason(stack)}")


def _read_as(account: str, acting_role: str | None, template_url: str, operation: str, stack_call: Authorization) -> str:
    """The version's template, read as ``acting_role``, which must also be allowed ``stack_call`` (RoleDenied if not;
    no role: Service Catalog acts with the caller's credentials, checked at the API)."""
    if acting_role:
        bucket, key = template_location(template_url)
        emulated_iam.check(account, acting_role, [Authorization("s3:GetObject", f"arn:aws:s3:::{bucket}/{key}"), stack_call],
                           caller=f"servicecatalog:{operation}")
    return read_template(account, template_url)


def _finish(record: dict, provisioned: dict, error: str | None, failed_status: str = "ERROR") -> None:
    record["UpdatedTime"] = _now()
    if error is None:
        record["Status"], provisioned["Status"], provisioned["StatusMessage"] = "SUCCEEDED", "AVAILABLE", ""
        return
    record["Status"], provisioned["Status"], provisioned["StatusMessage"] = "FAILED", failed_status, error
    record["RecordErrors"] = [{"Code": "ProvisioningFailed", "Description": error}]


def find_provisioned(found, provisioned_id: str | None, name: str | None) -> dict:
    for provisioned in found.local_provisioned.values():
        if provisioned["Id"] == provisioned_id or (provisioned_id is None and provisioned["Name"] == name):
            return provisioned
    raise Refused("ResourceNotFoundException", f"Provisioned product {provisioned_id or name} not found")


def terminate(account: str, region: str, caller_role: str | None, request: dict) -> dict:
    """TerminateProvisionedProduct (see the module doc); the record as the request returns it."""
    found = backend(account, region)
    provisioned = find_provisioned(found, request.get("ProvisionedProductId"), request.get("ProvisionedProductName"))
    record = _record(found, "TERMINATE_PROVISIONED_PRODUCT", provisioned, request["TerminateToken"])
    answer = dict(record)
    error = None
    if not request.get("RetainPhysicalResources") and provisioned["local_stack_id"]:
        error = _delete_stack(account, region, provisioned["LaunchRoleArn"] or caller_role, provisioned)
    if error and not request.get("IgnoreErrors"):
        _finish(record, provisioned, error, failed_status="TAINTED")
    else:
        _finish(record, provisioned, None)
        del found.local_provisioned[provisioned["Id"]]
    return answer


def update(account: str, region: str, caller_role: str | None, request: dict) -> dict:
    """UpdateProvisionedProduct: the product's stack updated to the artifact's template, as the launch role of the
    path it was launched by. A stack that rolls back leaves the provisioned product TAINTED on its old version
    ("a request to update to a new version failed and the stack rolled back": ProvisionedProductDetail, Status)."""
    found = backend(account, region)
    provisioned = find_provisioned(found, request.get("ProvisionedProductId"), request.get("ProvisionedProductName"))
    if provisioned["Status"] == "UNDER_CHANGE":
        raise Refused("InvalidStateException", f"Provisioned product {provisioned['Id']} is UNDER_CHANGE")
    product = find_product(found, request.get("ProductId") or provisioned["ProductId"], request.get("ProductName"))
    artifact = find_artifact(product, request.get("ProvisioningArtifactId") or provisioned["ProvisioningArtifactId"],
                             request.get("ProvisioningArtifactName"))
    record = _record(found, "UPDATE_PROVISIONED_PRODUCT", provisioned, request.get("UpdateToken", ""))
    record["ProvisioningArtifactId"] = artifact["Id"]
    answer = dict(record)
    acting_role = provisioned["LaunchRoleArn"] or caller_role
    error = _update_stack(account, region, acting_role, artifact["TemplateUrl"], request, provisioned)
    if error is None:
        provisioned["ProvisioningArtifactId"] = artifact["Id"]
        provisioned["LastSuccessfulProvisioningRecordId"] = record["RecordId"]
    _finish(record, provisioned, error, failed_status="TAINTED")
    provisioned["LastProvisioningRecordId"] = record["RecordId"]
    return answer


def _update_stack(account, region, acting_role, template_url, request, provisioned) -> str | None:
    """UpdateStack as ``acting_role`` with the request's parameters (UsePreviousValue: the stack's value); the
    failure's reason, or None."""
    stack_backend = stacks.backend(account, region)
    stack = stack_backend.stacks[provisioned["local_stack_id"]]
    try:
        body = _read_as(account, acting_role, template_url, "UpdateProvisionedProduct",
                        Authorization("cloudformation:UpdateStack", stack.stack_id))
        previous = stack.resource_map.input_parameters or {}
        given = [{"Key": p["Key"], "Value": previous.get(p["Key"], "") if p.get("UsePreviousValue") else p.get("Value", "")}
                 for p in request.get("ProvisioningParameters", [])]
        parameters = stack_parameters(body, given)
        with stacks.created_as(acting_role):
            stack_backend.update_stack(name=stack.stack_id, template=body, role_arn=None, tags=None, parameters=[
                {"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()])
    except (emulated_iam.RoleDenied, LaunchFailed, ValidationError) as error:
        return getattr(error, "message", None) or f"{error}"
    if stack.status != "UPDATE_COMPLETE":
        return f"{provisioned['local_stack_name']} is {stack.status}: {stacks.failure_reason(stack)}"
    return None


def _delete_stack(account: str, region: str, acting_role: str | None, provisioned: dict) -> str | None:
    stack_id = provisioned["local_stack_id"]
    try:
        if acting_role:
            emulated_iam.check(account, acting_role, [Authorization("cloudformation:DeleteStack", stack_id)],
                               caller="servicecatalog:TerminateProvisionedProduct")
    except emulated_iam.RoleDenied as denied:
        return str(denied)
    stack_backend = stacks.backend(account, region)
    stack_backend.delete_stack(stack_id)
    stack = stack_backend.stacks.get(stack_id)
    if stack is not None and stack.status == "DELETE_FAILED":
        return f"{provisioned['local_stack_name']} is DELETE_FAILED: " + (next(
            (e.resource_status_reason for e in reversed(stack.events) if e.resource_status == "DELETE_FAILED"), ""))
    return None


def record_view(found, record_id: str) -> dict:
    """DescribeRecord's answer."""
    record = found.local_records.get(record_id)
    if record is None:
        raise Refused("ResourceNotFoundException", f"Record {record_id} not found")
    return {"RecordDetail": public(record), "RecordOutputs": record["local_outputs"]}


def public(details: dict) -> dict:
    """What the API returns of a record or a provisioned product: without what the local AWS keeps for itself."""
    return {k: v for k, v in details.items() if not k.startswith("local_") and v is not None}
