"""The catalog's Lambda-backed custom resources: one function per job, its code inlined.

A function's source is ``products/functions/cfn_response.py`` (answering CloudFormation,
shared) followed by its handler module, so the template stays self-contained and the
two functions share one implementation of the answer.
"""

from pathlib import Path

from troposphere import awslambda

from products.blocks.iam import RoleNames
from products.blocks.naming import project_resource_name, project_tags
from products.functions import cfn_response

LAMBDA_RUNTIME = "python3.12"
FUNCTION_TIMEOUT_SECONDS = 900


def inline_source(handler_module) -> str:
    """What Lambda runs: the shared answer code, then the handler module."""
    return Path(cfn_response.__file__).read_text() + "\n\n" + Path(handler_module.__file__).read_text()


def project_function(logical_id: str, name_suffix: str, description: str, code: str, roles: RoleNames,
                     checkov_skips: list[dict], environment: dict | None = None,
                     reserved_concurrency: int | None = None) -> awslambda.Function:
    """A project's function (``sagemaker-<project>-<suffix>``) running ``index.handler`` of ``code``."""
    function = awslambda.Function(
        logical_id,
        FunctionName=project_resource_name(name_suffix),
        Description=description,
        Runtime=LAMBDA_RUNTIME,
        Handler="index.handler",
        Code=awslambda.Code(ZipFile=code),
        Role=roles.arn("function"),
        Timeout=FUNCTION_TIMEOUT_SECONDS,
        MemorySize=128,
        Tags=project_tags(),
        Metadata={"checkov": {"skip": checkov_skips}},
    )
    if environment:
        function.Environment = awslambda.Environment(Variables=environment)
    if reserved_concurrency is not None:
        function.ReservedConcurrentExecutions = reserved_concurrency
    return function


def custom_resource_function(logical_id: str, name_suffix: str, description: str, handler_module,
                             roles: RoleNames, checkov_skips: list[dict]) -> awslambda.Function:
    """A custom resource's function: the shared CloudFormation answer code, then ``handler_module``."""
    return project_function(logical_id, name_suffix, description, inline_source(handler_module), roles, checkov_skips)


def event_function(logical_id: str, name_suffix: str, description: str, handler_module, roles: RoleNames,
                   checkov_skips: list[dict], environment: dict, reserved_concurrency: int) -> awslambda.Function:
    """A function EventBridge invokes: ``handler_module`` alone (it answers nobody)."""
    return project_function(logical_id, name_suffix, description, Path(handler_module.__file__).read_text(), roles,
                            checkov_skips, environment, reserved_concurrency)


# checkov's Lambda checks, and why they do not apply to a custom resource's function.
CUSTOM_RESOURCE_FUNCTION_SKIPS = [
    {"id": "CKV_AWS_116", "comment": "CloudFormation invokes it synchronously; a DLQ only receives "
                                     "failed asynchronous invocations, and every failure is answered to CloudFormation"},
    {"id": "CKV_AWS_117", "comment": "It calls only AWS APIs and reaches no private resource; "
                                     "a VPC would add NAT or endpoints for nothing"},
    {"id": "CKV_AWS_115", "comment": "Only CloudFormation invokes it, a few times per stack operation; "
                                     "reserved concurrency would take from the account's unreserved pool"},
]
