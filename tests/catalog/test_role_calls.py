"""Calls each role must be allowed, checked on templates/roles.json as rendered and resolved.

The demo checks every call it makes against its role in the emulator (products/local_aws/iam.py);
these tests pin the grants whose absence once broke a core flow, so that removing one fails
fast, without the demo. Each names the code path that makes the call.
"""

import pytest

from products.analysis.iam_evaluator import evaluate

ACCOUNT, REGION = "123456789012", "us-east-1"
GROUP = "abalone-p-abc123def456"


def _sagemaker(resource: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{resource}"


@pytest.mark.parametrize("role, action, resource, context, who", [
    ("codebuild", "sagemaker:ListTags", _sagemaker(f"model-package-group/{GROUP}"), {},
     "seedcode/model-deploy/build.py reads the group's tags (every model-deploy build)"),
    ("codebuild", "sagemaker:CreatePipeline", _sagemaker(f"pipeline/sagemaker-{GROUP}"), {}, "run-pipeline upserts"),
    ("codebuild", "iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMakerServiceCatalogProductsUseRole",
     {"iam:PassedToService": "sagemaker.amazonaws.com"}, "run-pipeline passes the pipeline role"),
    ("codebuild", "s3:ListBucket", "arn:aws:s3:::sagemaker-project-p-abc123def456", {},
     "the SDK's HeadBucket on the default bucket"),
    ("use", "sagemaker:CreateProcessingJob", _sagemaker("processing-job/pipelines-abc-preprocess"), {},
     "SageMaker Pipelines starts the processing steps"),
    ("use", "iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMakerServiceCatalogProductsExecutionRole",
     {"iam:PassedToService": "sagemaker.amazonaws.com"}, "the jobs run as the execution role"),
    ("use", "sagemaker:CreateModelPackage", _sagemaker(f"model-package/{GROUP}/*"), {}, "RegisterModel"),
    ("execution", "s3:GetObject", "arn:aws:s3:::sagemaker-project-p-abc123def456/abalone/input/abalone.data", {},
     "a job reads its inputs"),
])
def test_the_role_allows_the_call(role_policies, role, action, resource, context, who):
    decision = evaluate(role_policies[role], action, resource, context)
    assert decision.allowed, f"{role} must allow {action} on {resource} ({who}): {decision.reason}"


@pytest.mark.parametrize("role, action, resource, context", [
    ("codebuild", "iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMakerServiceCatalogProductsUseRole",
     {"iam:PassedToService": "lambda.amazonaws.com"}),
    ("codebuild", "sagemaker:DeleteModelPackageGroup", _sagemaker(f"model-package-group/{GROUP}"), {}),
    ("execution", "s3:GetObject", "arn:aws:s3:::someone-elses-bucket/data.csv", {}),
])
def test_the_role_refuses_what_it_does_not_need(role_policies, role, action, resource, context):
    assert not evaluate(role_policies[role], action, resource, context).allowed


@pytest.mark.parametrize("role, action, resource", [
    ("codebuild", "sagemaker:StartPipelineExecution", "arn:aws:sagemaker:eu-west-1:123456789012:pipeline/sagemaker-abalone-p-1"),
    ("launch", "codepipeline:CreatePipeline", "arn:aws:codepipeline:ap-southeast-2:123456789012:sagemaker-abalone-p-1-modelbuild"),
    ("cloudformation", "sagemaker:CreateEndpoint", "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/abalone-prod"),
])
def test_roles_deployed_in_one_region_serve_projects_in_every_region(role_policies, role, action, resource):
    """The roles stack lives in the first configured region only (IAM is global)."""
    assert evaluate(role_policies[role], action, resource).allowed
