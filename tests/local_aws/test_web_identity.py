"""AssumeRoleWithWebIdentity in the local AWS (products/local_aws/sts_web_identity.py): a role trusted through
GitHub's OIDC provider lets in exactly the tokens its trust names, as STS does; moto let any token in.

The tokens are unsigned stand-ins with the claims GitHub's carry (issuer, audience, and ``sub`` as GitHub's docs
give it: ``repo:ORG/REPO:ref:refs/heads/BRANCH``, ``...:environment:NAME``, ``...:pull_request``)."""

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from products.local_aws.emulator import moto_server
from products.local_aws.sts_web_identity import unsigned_token

ACCOUNT, ISSUER = "123456789012", "token.actions.githubusercontent.com"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER}"
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Federated": PROVIDER}, "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {"StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com"},
                  "StringLike": {f"{ISSUER}:sub": ["repo:acme/abalone-deploy:ref:refs/heads/main",
                                                   "repo:acme/abalone-deploy:environment:production"]}}}]}


@pytest.fixture(scope="module")
def emulator():
    with moto_server() as endpoint:
        def client(service):
            return boto3.client(service, region_name="us-east-1", endpoint_url=endpoint,
                                aws_access_key_id="admin", aws_secret_access_key="admin")
        client("iam").create_open_id_connect_provider(Url=f"https://{ISSUER}", ClientIDList=["sts.amazonaws.com"],
                                                      ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"])
        role = client("iam").create_role(RoleName="github-deploy", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]
        yield client, role["Arn"]


def _assume(emulator, sub: str, aud: str = "sts.amazonaws.com", iss: str = f"https://{ISSUER}", **claims):
    client, role_arn = emulator
    token = unsigned_token({"iss": iss, "aud": aud, "sub": sub, "repository": sub.split(":")[1], **claims})
    return client("sts").assume_role_with_web_identity(RoleArn=role_arn, RoleSessionName="workflow",
                                                       WebIdentityToken=token)


@pytest.mark.parametrize("sub", ["repo:acme/abalone-deploy:ref:refs/heads/main",
                                 "repo:acme/abalone-deploy:environment:production"])
def test_the_configured_repository_on_its_branch_or_environment_gets_the_role(emulator, sub):
    assumed = _assume(emulator, sub)["AssumedRoleUser"]["Arn"]
    assert assumed == f"arn:aws:sts::{ACCOUNT}:assumed-role/github-deploy/workflow"


@pytest.mark.parametrize("sub, why", [
    ("repo:other/abalone-deploy:ref:refs/heads/main", "another repository"),
    ("repo:acme/abalone-deploy:ref:refs/heads/feature", "another branch"),
    ("repo:acme/abalone-deploy:pull_request", "a pull request"),
    ("repo:acme/abalone-deploy:environment:staging", "another environment"),
])
def test_a_token_the_trust_does_not_name_is_refused(emulator, sub, why):
    with pytest.raises(ClientError) as refused:
        _assume(emulator, sub)
    assert refused.value.response["Error"]["Code"] == "AccessDenied", why


def test_a_token_for_another_audience_or_from_an_unknown_issuer_is_an_invalid_identity_token(emulator):
    for kwargs, message in (({"aud": "my-app"}, "Incorrect token audience"),
                            ({"iss": "https://gitlab.example.com"}, "No OpenIDConnect provider found")):
        with pytest.raises(ClientError, match=message) as refused:
            _assume(emulator, "repo:acme/abalone-deploy:ref:refs/heads/main", **kwargs)
        assert refused.value.response["Error"]["Code"] == "InvalidIdentityToken"


def test_a_trust_testing_a_claim_sts_does_not_expose_is_refused_not_passed(emulator):
    client, _ = emulator
    trust = {"Version": "2012-10-17", "Statement": [{**TRUST["Statement"][0], "Condition": {
        "StringEquals": {f"{ISSUER}:event_name": "push"}}}]}
    role_arn = client("iam").create_role(RoleName="github-event", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    with pytest.raises(ClientError) as refused:
        _assume((client, role_arn), "repo:acme/abalone-deploy:ref:refs/heads/main", event_name="push")
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
