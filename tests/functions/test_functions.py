"""The catalog's custom-resource functions, both: what the template inlines, what they may
import, and that the Lambda role allows every call each makes (by their own source)."""

import ast
from pathlib import Path

import pytest

from products.blocks.functions import inline_source
from products.functions import cfn_response, endpoint_cleanup, seed_checkin
from products.analysis.iam_evaluator import evaluate

FUNCTIONS = {
    "SeedCheckinFunction": (seed_checkin, "templates/build-train-deploy-git.json"),
    "EndpointCleanupFunction": (endpoint_cleanup, "templates/build-train-deploy.json"),
}
# The clients each function calls, and the ARN of what its calls act on in a sample project.
CLIENT_RESOURCES = {
    "codebuild": ("codebuild", "arn:aws:codebuild:us-east-1:123456789012:project/sagemaker-abalone-p-abc123def456-seed"),
    "cloudformation": ("cloudformation",
                       "arn:aws:cloudformation:us-east-1:123456789012:stack/sagemaker-abalone-p-abc123def456-deploy-prod/1a2b"),
}


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_the_template_inlines_the_shared_answer_code_and_the_handler(rendered, logical_id):
    module, template = FUNCTIONS[logical_id]
    function = rendered[template]["Resources"][logical_id]["Properties"]
    assert function["Code"]["ZipFile"] == inline_source(module)
    assert function["Code"]["ZipFile"].startswith(Path(cfn_response.__file__).read_text())
    assert function["Handler"] == "index.handler" and callable(module.handler)


def _imports(tree) -> set[str]:
    """Top-level module names imported, except the shared code's guarded import (inlined in Lambda)."""
    guarded = {id(n) for t in ast.walk(tree) if isinstance(t, ast.Try) for n in ast.walk(t)}
    return {
        alias.name.split(".")[0]
        for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in guarded
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module)])
    }


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_a_function_imports_only_what_the_lambda_runtime_has(logical_id):
    module, _ = FUNCTIONS[logical_id]
    assert _imports(ast.parse(inline_source(module))) <= {"json", "time", "urllib", "boto3"}


def _client_calls(module) -> set[tuple[str, str]]:
    tree = ast.parse(Path(module.__file__).read_text())
    return {(node.func.value.id, node.func.attr) for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id in CLIENT_RESOURCES}


def test_the_functions_make_exactly_these_calls():
    assert _client_calls(seed_checkin) == {("codebuild", "start_build"), ("codebuild", "batch_get_builds"),
                                           ("codebuild", "stop_build")}
    assert _client_calls(endpoint_cleanup) == {("cloudformation", "describe_stacks"), ("cloudformation", "delete_stack")}


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_the_lambda_role_allows_every_call_the_function_makes(role_policies, logical_id):
    module, _ = FUNCTIONS[logical_id]
    for client, method in _client_calls(module):
        service, resource = CLIENT_RESOURCES[client]
        action = f"{service}:" + "".join(part.capitalize() for part in method.split("_"))
        decision = evaluate(role_policies["function"], action, resource)
        assert decision.allowed, f"{action} on {resource}: {decision.reason}"


def test_the_lambda_role_cannot_delete_other_stacks(role_policies):
    other = "arn:aws:cloudformation:us-east-1:123456789012:stack/sagemaker-catalog-roles/1a2b"
    assert not evaluate(role_policies["function"], "cloudformation:DeleteStack", other).allowed
