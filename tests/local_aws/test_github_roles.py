"""build-train-deploy-github's workflow roles, as the product renders them, against the local STS's web-identity
check (products/local_aws/sts_web_identity.py): each role lets in exactly its repository's workflow tokens.

The tokens are unsigned stand-ins with the claims GitHub's carry; GitHub itself (runners, environments' reviewers)
is not emulated."""

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from products.analysis.resolve import resolve
from products.local_aws.emulator import moto_server
from products.local_aws.sts_web_identity import unsigned_token
from tests.conftest import sample_parameters

ISSUER = "token.actions.githubusercontent.com"
BUILD, DEPLOY = "acme/abalone-build", "acme/abalone-deploy"  # tests/conftest.py SAMPLE_VALUES
ROLES = ("ModelBuildWorkflowRole", "StagingWorkflowRole", "ProdWorkflowRole")


@pytest.fixture(scope="module")
def roles(rendered):
    """The two roles created in the emulator with the trust policies the product renders, and a client maker."""
    template = rendered["templates/build-train-deploy-github.json"]
    resources = resolve(template, sample_parameters(template)).resources()
    assert resources["GitHubOidcProvider"]["Properties"]["ClientIdList"] == ["sts.amazonaws.com"]
    with moto_server() as endpoint:
        def client(service):
            return boto3.client(service, region_name="us-east-1", endpoint_url=endpoint,
                                aws_access_key_id="admin", aws_secret_access_key="admin")
        provider = resources["GitHubOidcProvider"]["Properties"]
        client("iam").create_open_id_connect_provider(Url=provider["Url"], ClientIDList=provider["ClientIdList"])
        arns = {}
        for logical_id in ROLES:
            properties = resources[logical_id]["Properties"]
            arns[logical_id] = client("iam").create_role(
                RoleName=properties["RoleName"], Path=properties["Path"],
                AssumeRolePolicyDocument=json.dumps(properties["AssumeRolePolicyDocument"]))["Role"]["Arn"]
        yield client, arns


def _assume(roles, logical_id: str, sub: str):
    client, arns = roles
    token = unsigned_token({"iss": f"https://{ISSUER}", "aud": "sts.amazonaws.com", "sub": sub})
    return client("sts").assume_role_with_web_identity(RoleArn=arns[logical_id], RoleSessionName="workflow",
                                                       WebIdentityToken=token)


@pytest.mark.parametrize("logical_id, sub", [
    ("ModelBuildWorkflowRole", f"repo:{BUILD}:ref:refs/heads/main"),
    ("StagingWorkflowRole", f"repo:{DEPLOY}:ref:refs/heads/main"),
    ("ProdWorkflowRole", f"repo:{DEPLOY}:environment:production"),
])
def test_each_workflow_gets_its_role(roles, logical_id, sub):
    assert _assume(roles, logical_id, sub)["Credentials"]["AccessKeyId"]


@pytest.mark.parametrize("logical_id, sub, why", [
    ("ModelBuildWorkflowRole", f"repo:{DEPLOY}:ref:refs/heads/main", "the other repository of the project"),
    ("ModelBuildWorkflowRole", f"repo:someone/abalone-build:ref:refs/heads/main", "a fork"),
    ("ModelBuildWorkflowRole", f"repo:{BUILD}:ref:refs/heads/feature", "another branch"),
    ("ModelBuildWorkflowRole", f"repo:{BUILD}:pull_request", "a pull request"),
    ("ModelBuildWorkflowRole", f"repo:{BUILD}:environment:production", "an environment the build does not use"),
    ("StagingWorkflowRole", f"repo:{BUILD}:ref:refs/heads/main", "the build repository"),
    ("StagingWorkflowRole", f"repo:{DEPLOY}:pull_request", "a pull request"),
    ("StagingWorkflowRole", f"repo:{DEPLOY}:environment:production", "the prod job's environment"),
    ("StagingWorkflowRole", f"repo:{DEPLOY}:ref:refs/tags/v1", "a tag"),
    # the gate: only a job in the protected environment gets the prod role, not the staging job nor any push
    ("ProdWorkflowRole", f"repo:{DEPLOY}:ref:refs/heads/main", "a job outside the production environment"),
    ("ProdWorkflowRole", f"repo:{DEPLOY}:environment:staging", "another environment"),
    ("ProdWorkflowRole", f"repo:{BUILD}:environment:production", "the build repository's environment"),
])
def test_any_other_token_is_refused(roles, logical_id, sub, why):
    with pytest.raises(ClientError) as refused:
        _assume(roles, logical_id, sub)
    assert refused.value.response["Error"]["Code"] == "AccessDenied", why


def test_the_staging_role_cannot_deploy_prod(rendered):
    """The staging job's role reaches the staging stack only: prod needs the prod role, behind the reviewers."""
    from products.analysis.iam_evaluator import evaluate

    template = rendered["templates/build-train-deploy-github.json"]
    resources = resolve(template, sample_parameters(template)).resources()
    policies = [p["PolicyDocument"] for p in resources["StagingWorkflowRole"]["Properties"]["Policies"]]
    stack = "arn:aws:cloudformation:us-east-1:123456789012:stack/sagemaker-abalone-p-abc123def456-deploy-{}/1"
    assert evaluate(policies, "cloudformation:CreateChangeSet", stack.format("staging")).allowed
    assert not evaluate(policies, "cloudformation:CreateChangeSet", stack.format("prod")).allowed
    prod = [p["PolicyDocument"] for p in resources["ProdWorkflowRole"]["Properties"]["Policies"]]
    assert evaluate(prod, "cloudformation:CreateChangeSet", stack.format("prod")).allowed
    assert not evaluate(prod, "sagemaker:ListModelPackages", "*").allowed
