"""Creating a project on the S3 route, call by call, against the policies as rendered (held-out style:
only the S3 route and the configuration's Studio execution role; nothing of Service Catalog's).

Studio, as the user's execution role, lists and reads the templates and their tags, and asks
CloudFormation to create the project's stack (SP-*) from the template URL with the S3 launch role,
which needs iam:PassRole; CloudFormation reads the template with the caller's credentials, assumes
the launch role, and makes every handler call of the product's resources as that role.
"""

import json
import os
import re
import subprocess
import sys

import boto3
import pytest
from botocore.stub import Stubber
from cfnlint.decode import decode_str

from products.analysis.iam_evaluator import evaluate
from products.analysis.resolve import resolve
from products import PRODUCTS
from tests.conftest import PRODUCT_TEMPLATES, REPO_ROOT, sample_parameters
from tests.analysis.test_handler_permissions import _calls, _refused

ACCOUNT, REGION = "123456789012", "us-east-1"
BUCKET = f"sagemaker-catalog-{ACCOUNT}-{REGION}"
STUDIO_ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMaker-ExecutionRole-20260101T000000"
S3_LAUNCH_ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMakerProjectsLaunchRole"
STACK = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/SP-abalone-p-abc123def456/0a1b2c3d"


@pytest.fixture(scope="module")
def roles(rendered):
    return resolve(rendered["roles.json"], {}).resources()


@pytest.fixture(scope="module")
def studio_user_policy(roles):
    return [roles["StudioS3RouteUserPolicy"]["Properties"]["PolicyDocument"]]


def _allowed(policies, action, resource, **context):
    return evaluate(policies, action, resource, context).allowed


@pytest.mark.parametrize("product", sorted(PRODUCTS))
def test_studio_reads_each_template_and_its_tags_as_the_execution_role(studio_user_policy, product):
    key = f"arn:aws:s3:::{BUCKET}/studio-templates/{product}.yaml"
    assert _allowed(studio_user_policy, "s3:GetObject", key)
    assert _allowed(studio_user_policy, "s3:GetObjectTagging", key)
    assert _allowed(studio_user_policy, "s3:ListBucket", f"arn:aws:s3:::{BUCKET}", **{"s3:prefix": "studio-templates/"})


def test_the_user_policy_reads_only_the_templates(studio_user_policy):
    assert not _allowed(studio_user_policy, "s3:GetObject", f"arn:aws:s3:::{BUCKET}/seedcode/model-build/0123.zip")
    assert not _allowed(studio_user_policy, "s3:ListBucket", f"arn:aws:s3:::{BUCKET}", **{"s3:prefix": "seedcode/"})
    assert not _allowed(studio_user_policy, "s3:PutObject", f"arn:aws:s3:::{BUCKET}/studio-templates/deploy.yaml")


def test_studio_creates_the_project_stack_passing_the_s3_launch_role_to_cloudformation(studio_user_policy):
    assert _allowed(studio_user_policy, "cloudformation:CreateStack", STACK)
    assert _allowed(studio_user_policy, "iam:PassRole", S3_LAUNCH_ROLE, **{"iam:PassedToService": "cloudformation.amazonaws.com"})
    assert not _allowed(studio_user_policy, "iam:PassRole", S3_LAUNCH_ROLE, **{"iam:PassedToService": "lambda.amazonaws.com"})
    assert not _allowed(studio_user_policy, "iam:PassRole",
                        f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMakerServiceCatalogProductsCodeBuildRole",
                        **{"iam:PassedToService": "cloudformation.amazonaws.com"})
    # Service Catalog's stacks are not the S3 route's.
    assert not _allowed(studio_user_policy, "cloudformation:CreateStack", STACK.replace("stack/SP-", "stack/SC-"))


def _trust_statements(roles, principal_kind):
    statements = roles["S3LaunchRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    return [{"Version": "2012-10-17", "Statement": [s]} for s in statements if principal_kind in s["Principal"]]


def test_cloudformation_and_the_configured_studio_roles_may_assume_the_s3_launch_role(roles):
    (cloudformation,) = _trust_statements(roles, "Service")
    assert cloudformation["Statement"][0]["Principal"] == {"Service": ["cloudformation.amazonaws.com"]}
    assert _allowed([cloudformation], "sts:AssumeRole", S3_LAUNCH_ROLE)
    (studio,) = _trust_statements(roles, "AWS")
    assert studio["Statement"][0]["Principal"] == {"AWS": [f"arn:aws:iam::{ACCOUNT}:root"]}
    assert _allowed([studio], "sts:AssumeRole", S3_LAUNCH_ROLE, **{"aws:PrincipalArn": STUDIO_ROLE})
    assert not _allowed([studio], "sts:AssumeRole", S3_LAUNCH_ROLE,
                        **{"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/SomeoneElse"})


def test_the_service_catalog_launch_role_is_not_assumable_by_cloudformation_or_studio(roles):
    statements = roles["LaunchRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in statements] == [{"Service": ["servicecatalog.amazonaws.com"]}]


@pytest.mark.parametrize("path", PRODUCT_TEMPLATES)
def test_the_s3_launch_role_allows_every_call_cloudformation_makes_for_a_product(rendered, role_policies, path):
    calls = _calls(rendered[path], sample_parameters(rendered[path]))
    assert calls
    assert _refused(role_policies["s3launch"], calls) == []


def test_the_s3_launch_role_has_nothing_of_service_catalogs(role_policies):
    copy = "arn:aws:s3:::cf-templates-abc-us-east-1/template.json"
    assert not _allowed(role_policies["s3launch"], "s3:GetObject", copy, **{"s3:ExistingObjectTag/servicecatalog:provisioning": "true"})
    assert not _allowed(role_policies["s3launch"], "cloudformation:UpdateStack", STACK.replace("stack/SP-", "stack/SC-"))
    assert _allowed(role_policies["s3launch"], "cloudformation:UpdateStack", STACK)


def test_the_s3_route_template_is_the_product_template_in_yaml(artifacts):
    by_path = {a.path: a for a in artifacts}
    copies = [a for a in artifacts if a.kind == "studio-template"]
    assert {a.path for a in copies} == {f"studio-templates/{a.product}.yaml" for a in artifacts if a.kind == "product-template"}
    for copy in copies:
        template, problems = decode_str(copy.data.decode())
        assert problems == []
        assert json.loads(json.dumps(template)) == json.loads(by_path[f"templates/{copy.product}.json"].data)


def _request(config, artifacts, product="deploy", parameters=None, name="abalone"):
    from products.publishing.projects import create_project_request

    template = json.loads(next(a.data for a in artifacts if a.kind == "product-template" and a.product == product))
    return create_project_request(config, product=product, template=template, project_name=name,
                                  parameters=parameters if parameters is not None else {"SourceModelPackageGroupName": "team"},
                                  bucket=BUCKET, region=REGION, account=ACCOUNT, partition="aws")


def test_create_project_sends_what_studio_sends(config, artifacts):
    """moto has no CreateProject: Stubber checks the request against SageMaker's API model and compares it whole."""
    from products.publishing.projects import validated

    request = _request(config, artifacts)
    assert request == {"ProjectName": "abalone", "TemplateProviders": [{"CfnTemplateProvider": {
        "TemplateName": "deploy",
        "TemplateURL": f"https://{BUCKET}.s3.{REGION}.amazonaws.com/studio-templates/deploy.yaml",
        "RoleARN": S3_LAUNCH_ROLE,
        "Parameters": [{"Key": "SourceModelPackageGroupName", "Value": "team"}]}}]}
    sagemaker = boto3.client("sagemaker", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(sagemaker) as stub:
        stub.add_response("create_project", {"ProjectArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:project/abalone",
                                             "ProjectId": "p-abc123def456"}, request)
        assert sagemaker.create_project(**validated(sagemaker, request))["ProjectId"] == "p-abc123def456"


@pytest.mark.parametrize("change, message", [
    ({"parameters": {}}, "--parameter SourceModelPackageGroupName=...: deploy needs it (no default)"),
    ({"parameters": {"SourceModelPackageGroupName": "g", "Colour": "blue"}}, "--parameter Colour: deploy has no such parameter"),
    ({"name": "-abalone"}, "project name '-abalone': 1-32 letters"),
    ({"name": "a" * 33}, "1-32 letters"),
])
def test_create_project_rejects_what_studio_would(config, artifacts, change, message):
    from products.publishing.aws import BadInput

    with pytest.raises(BadInput, match=re.escape(message)):
        _request(config, artifacts, **change)


def test_create_project_as_a_process_against_the_emulator():
    """Refused before publishing; then CreateProject creates the project's stack with the S3 launch role, the
    command waits for it, and the fleet report lists it."""
    from products.local_aws.emulator import moto_server

    with moto_server() as url:
        env = {**os.environ, "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t",
               "AWS_DEFAULT_REGION": REGION}

        def run(*args):
            return subprocess.run([sys.executable, "publish.py", *args], cwd=REPO_ROOT, env=env, capture_output=True,
                                  text=True, stdin=subprocess.DEVNULL)

        before = run("create-project", "abalone", "--product", "build-train")
        assert before.returncode == 1 and "run `publish.py publish --target s3` first" in before.stderr
        domain = boto3.client("sagemaker", endpoint_url=url, region_name=REGION, aws_access_key_id="t",
                              aws_secret_access_key="t").create_domain(
            DomainName="s", AuthMode="IAM", SubnetIds=["subnet-1"], VpcId="vpc-1", Tags=[],
            DefaultUserSettings={"ExecutionRole": STUDIO_ROLE})["DomainArn"].rsplit("/", 1)[1]
        assert run("publish", "--target", "s3", "--domain-id", domain, "--yes", "--poll-seconds", "0").returncode == 0
        sent = run("create-project", "abalone", "--product", "build-train", "--output", "json", "--poll-seconds", "0")
        assert sent.returncode == 0, sent.stderr
        created = json.loads(sent.stdout)
        assert created["status"] == "CreateCompleted" and "AmazonSageMakerProjectsLaunchRole" in json.dumps(created["request"])
        fleet = run("projects", "--output", "json")
        assert fleet.returncode == 0, fleet.stderr
        assert [(p["project"], p["route"], p["product"]) for p in json.loads(fleet.stdout)["projects"]] == [("abalone", "s3", "build-train")]
        again = run("create-project", "abalone", "--product", "build-train")
        assert again.returncode == 1 and "Traceback" not in again.stderr and "abalone" in again.stderr, again.stderr
        assert run("create-project", "abalone", "--product", "nope").returncode == 2
