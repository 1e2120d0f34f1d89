"""``Custom::`` resources, answered as CloudFormation has them answered: by the function behind the ServiceToken.

moto sends a custom resource's Create to its function in a thread (which, without Docker, runs nothing)
and leaves the stack waiting, with an http ResponseURL no CloudFormation would send. Here, for Create,
Update and Delete, CloudFormation's request (User Guide, "Custom resource request objects": RequestType,
RequestId, ResponseURL, ResourceType, LogicalResourceId, StackId, ResourceProperties with the ServiceToken,
and PhysicalResourceId and OldResourceProperties where they apply) goes to the function, which runs its
own code as its role (lambda_runtime.py), and the answer PUT to the pre-signed HTTPS URL
(response_urls.py) decides the resource, read as AWS reads it ("Custom resource response objects"):

- Status SUCCESS or FAILED; a FAILED answer fails the resource with the function's Reason;
- PhysicalResourceId non-empty and at most 1 KB; StackId, RequestId and LogicalResourceId as sent;
  the whole body at most 4096 bytes; Data's names are the resource's Fn::GetAtt attributes, and a name
  the answer lacks fails whatever reads it;
- an Update answered with another PhysicalResourceId is a replacement: the old one gets a Delete.

The function runs to its end before CloudFormation reads the answer; where it ended without one, AWS would
wait up to an hour ("CloudFormation did not receive a response"): here the resource fails at once with
that message and the function's own error. Not emulated: a Delete sent during rollback to a custom
resource whose Create failed; SNS-backed ServiceTokens (the resource fails, naming it).
"""

import json
import uuid
from typing import Any

from moto.core.common_models import CloudFormationModel

from products.local_aws.cloudformation.response_urls import endpoint as response_endpoint

MAX_ANSWER_BYTES = 4096
MAX_PHYSICAL_ID_BYTES = 1024


class CustomResourceFailed(Exception):
    """The provider's answer (or its absence) fails the resource; the message is CloudFormation's reason."""


class CustomResource(CloudFormationModel):
    """One custom resource of a stack: what its provider answered last."""

    def __init__(self, stack_id: str, logical_id: str, resource_type: str, properties: dict, account_id: str,
                 region: str, physical_id: str, data: dict):
        self.stack_id, self.logical_id, self.resource_type = stack_id, logical_id, resource_type
        self.properties, self.account_id, self.region = properties, account_id, region
        self.physical_id, self.data = physical_id, data

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudFormation::CustomResource"

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    def is_created(self) -> bool:
        return True

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True  # the provider's Data decides, once it has answered

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.data:
            raise CustomResourceFailed(f"CustomResource attribute error: Vendor response doesn't contain "
                                       f"{attribute_name} attribute in object {self.stack_id}|{self.logical_id}|"
                                       f"{self.physical_id}")
        return self.data[attribute_name]

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict, account_id: str,
                                        region_name: str, **kwargs: Any) -> "CustomResource":
        properties = cloudformation_json.get("Properties", {})
        request = {"RequestType": "Create", "ResourceType": kwargs["ResourceType"],
                   "LogicalResourceId": kwargs["LogicalId"], "StackId": kwargs["StackId"],
                   "ResourceProperties": properties}
        physical_id, data = send(request, account_id, region_name)
        return cls(kwargs["StackId"], kwargs["LogicalId"], kwargs["ResourceType"], properties, account_id,
                   region_name, physical_id, data)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id,
                                        region_name) -> "CustomResource":
        old, properties = original_resource, cloudformation_json.get("Properties", {})
        request = {**old.request("Update"), "ResourceProperties": properties, "OldResourceProperties": old.properties}
        physical_id, data = send(request, account_id, region_name)
        if physical_id != old.physical_id:
            old.delete(account_id, region_name)  # a replacement: the old resource goes
        return cls(old.stack_id, old.logical_id, old.resource_type, properties, account_id, region_name, physical_id, data)

    def request(self, request_type: str) -> dict:
        return {"RequestType": request_type, "ResourceType": self.resource_type, "LogicalResourceId": self.logical_id,
                "StackId": self.stack_id, "ResourceProperties": self.properties, "PhysicalResourceId": self.physical_id}

    def delete(self, account_id: str, region_name: str) -> None:
        send(self.request("Delete"), account_id, region_name)


def send(request: dict, account_id: str, region: str) -> tuple[str, dict]:
    """Send one request to the ServiceToken's function and read its answer: (PhysicalResourceId, Data)."""
    from moto.awslambda.utils import get_backend

    token = request["ResourceProperties"].get("ServiceToken", "")
    if ":lambda:" not in token:
        raise CustomResourceFailed(f"ServiceToken {token or '(none)'}: the local AWS sends custom resource requests "
                                   "only to Lambda functions")
    try:
        function = get_backend(account_id, region).get_function(token)
    except Exception:  # noqa: BLE001 - moto's not-found error, whatever its class
        raise CustomResourceFailed(f"ServiceToken {token}: no such function") from None
    request_id = str(uuid.uuid4())
    listener = response_endpoint()
    event = {**request, "RequestId": request_id, "ServiceToken": token,
             "ResponseURL": listener.issue(region, request["StackId"], request["LogicalResourceId"], request_id)}
    payload, errored, _logs = function._invoke_lambda(event=event)
    body = listener.take(request_id)
    if body is None:
        error = f" The function failed: {_error_message(payload)}" if errored else " The function ended without answering."
        raise CustomResourceFailed(f"CloudFormation did not receive a response from your Custom Resource. Please check "
                                   f"your logs for requestId [{request_id}].{error}")
    return read_answer(body, event)


def _error_message(payload: str) -> str:
    try:
        error = json.loads(payload)
    except ValueError:
        return payload
    return f"{error.get('errorType', 'Error')}: {error.get('errorMessage', '')}" if isinstance(error, dict) else payload


def read_answer(body: bytes, event: dict) -> tuple[str, dict]:
    """(PhysicalResourceId, Data) of a SUCCESS answer; CustomResourceFailed naming what is wrong otherwise."""
    if len(body) > MAX_ANSWER_BYTES:
        raise CustomResourceFailed(f"Response object is too long ({len(body)} bytes; at most {MAX_ANSWER_BYTES})")
    try:
        answer = json.loads(body)
    except ValueError:
        raise CustomResourceFailed("Invalid response object: the body is not JSON") from None
    for key in ("StackId", "RequestId", "LogicalResourceId"):
        if answer.get(key) != event[key]:
            raise CustomResourceFailed(f"Invalid response object: {key} {answer.get(key)!r} is not the request's")
    if answer.get("Status") not in ("SUCCESS", "FAILED"):
        raise CustomResourceFailed(f"Invalid response object: Status {answer.get('Status')!r} (SUCCESS or FAILED)")
    if answer["Status"] == "FAILED":
        raise CustomResourceFailed(f"Received response status [FAILED] from custom resource. Message returned: "
                                   f"{answer.get('Reason') or '(no reason)'} (RequestId: {event['RequestId']})")
    physical_id = answer.get("PhysicalResourceId")
    if not isinstance(physical_id, str) or not physical_id or len(physical_id.encode()) > MAX_PHYSICAL_ID_BYTES:
        raise CustomResourceFailed("Invalid PhysicalResourceId: a non-empty string of at most 1 KB")
    data = answer.get("Data") or {}
    if not isinstance(data, dict):
        raise CustomResourceFailed("Invalid response object: Data is not a JSON object")
    return physical_id, data


def install() -> None:
    """Patch moto (in this process): a custom resource type is answered by this module's CustomResource."""
    from moto.cloudformation import parsing

    original = parsing.resource_class_from_type
    if getattr(original, "local_aws", False):
        return

    def resource_class_from_type(resource_type: str):
        if is_custom(resource_type):
            return CustomResource
        return original(resource_type)

    resource_class_from_type.local_aws = True
    parsing.resource_class_from_type = resource_class_from_type


def is_custom(resource_type: str) -> bool:
    return resource_type.startswith("Custom::") or resource_type == "AWS::CloudFormation::CustomResource"
