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


def custom_resource_function(logical_id: str, name_suffix: str, description: str, handler_module,
                             roles: RoleNames, checkov_skips: list[dict]) -> awslambda.Function:
    """A project's function (``sagemaker-<project>-<suffix>``) running ``handler_module.handler``."""
    return awslambda.Function(
        logical_id,
        FunctionName=project_resource_name(name_suffix),
        Description=description,
        Runtime=LAMBDA_RUNTIME,
        Handler="index.handler",
        Code=awslambda.Code(ZipFile=inline_source(handler_module)),
        Role=roles.arn("function"),
        Timeout=FUNCTION_TIMEOUT_SECONDS,
        MemorySize=128,
        Tags=project_tags(),
        Metadata={"checkov": {"skip": checkov_skips}},
    )


# checkov's Lambda checks, and why they do not apply to a custom resource's function.
CUSTOM_RESOURCE_FUNCTION_SKIPS = [
    {"id": "CKV_AWS_116", "comment": "CloudFormation invokes it synchronously; a DLQ only receives "
                                     "failed asynchronous invocations, and every failure is answered to CloudFormation"},
    {"id": "CKV_AWS_117", "comment": "It calls only AWS APIs and reaches no private resource; "
                                     "a VPC would add NAT or endpoints for nothing"},
    {"id": "CKV_AWS_115", "comment": "Only CloudFormation invokes it, a few times per stack operation; "
                                     "reserved concurrency would take from the account's unreserved pool"},
]
