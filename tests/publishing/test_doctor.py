"""verify/doctor: each Studio-visibility problem is found and comes with a fix.

IAM and STS run on moto. Service Catalog and SageMaker's portfolio-status and domain
calls are stubbed with botocore's Stubber (moto does not implement them, and it creates
no Service Catalog resources or stack outputs from the portfolio stack); the Stubber
still validates every request and response against the real API models.
"""

import datetime

import boto3
import pytest
from moto import mock_aws

from products.publishing.aws import Aws
from products.publishing.doctor import verify_region
from products.catalog.roles import build as build_roles
from tests.conftest import published, stubbed

ACCOUNT, REGION = "123456789012", "us-east-1"
PORTFOLIO_ID, PRODUCT_ID = "port-abcdefghijklm", "prod-abcdefghijklm"
DOMAIN = "d-abcdefghijkl"
PATTERN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMaker-ExecutionRole-20260101T000000"
OTHER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/TeamNotebookRole"
NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


@pytest.fixture
def session(aws_credentials, config):
    with mock_aws():
        iam = boto3.client("iam")
        roles = build_roles(config.roles, config.asset_bucket).to_dict()["Resources"]
        for role in (r for r in roles.values() if r["Type"] == "AWS::IAM::Role"):
            props = role["Properties"]
            import json

            iam.create_role(RoleName=props["RoleName"], Path=props["Path"],
                            AssumeRolePolicyDocument=json.dumps(props["AssumeRolePolicyDocument"]))
        yield Aws(REGION)


def _wire(session, *, tagged=True, launch=True, associated=True, status="Enabled", user_role=PATTERN_ROLE):
    cfn = stubbed(session, "cloudformation")
    cfn.add_response("describe_stacks", {"Stacks": [{
        "StackName": "sagemaker-catalog-portfolio", "CreationTime": NOW, "StackStatus": "CREATE_COMPLETE",
        "Outputs": [{"OutputKey": "PortfolioId", "OutputValue": PORTFOLIO_ID},
                    {"OutputKey": "BuildTrainDeployProductId", "OutputValue": PRODUCT_ID}],
    }]}, {"StackName": "sagemaker-catalog-portfolio"})
    sagemaker = stubbed(session, "sagemaker")
    sagemaker.add_response("get_sagemaker_servicecatalog_portfolio_status", {"Status": status}, {})
    sc = stubbed(session, "servicecatalog")
    tags = [{"Key": "sagemaker:studio-visibility", "Value": "true"}] if tagged else []
    sc.add_response("describe_product_as_admin", {"Tags": tags}, {"Id": PRODUCT_ID})
    constraints = [{"ConstraintId": "cons-abcdefghijklm", "Type": "LAUNCH"}] if launch else []
    sc.add_response("list_constraints_for_portfolio", {"ConstraintDetails": constraints},
                    {"PortfolioId": PORTFOLIO_ID, "ProductId": PRODUCT_ID})
    principals = [{"PrincipalARN": "arn:aws:iam:::role/service-role/AmazonSageMaker-ExecutionRole-*",
                   "PrincipalType": "IAM_PATTERN"}] if associated else []
    sc.add_response("list_principals_for_portfolio", {"Principals": principals}, {"PortfolioId": PORTFOLIO_ID})
    sagemaker.add_response("describe_domain", {"DomainId": DOMAIN, "DefaultUserSettings": {"ExecutionRole": PATTERN_ROLE}},
                           {"DomainId": DOMAIN})
    sagemaker.add_response("list_user_profiles", {"UserProfiles": [{"DomainId": DOMAIN, "UserProfileName": "alice"}]},
                           {"DomainIdEquals": DOMAIN})
    sagemaker.add_response("describe_user_profile", {"UserProfileName": "alice", "UserSettings": {"ExecutionRole": user_role}},
                           {"DomainId": DOMAIN, "UserProfileName": "alice"})
    return (cfn, sagemaker, sc)


def _connections(session, *connections):
    stub = stubbed(session, "codeconnections")
    stub.add_response("list_connections", {"Connections": [
        {"ConnectionName": name, "ConnectionArn": f"arn:aws:codeconnections:us-east-1:{ACCOUNT}:connection/{name}",
         "ProviderType": "GitHub", "ConnectionStatus": status} for name, status, _ in connections]}, {})
    for name, _, tags in connections:
        stub.add_response("list_tags_for_resource", {"Tags": tags},
                          {"ResourceArn": f"arn:aws:codeconnections:us-east-1:{ACCOUNT}:connection/{name}"})
    return stub


def _failed(checks):
    return {c.name: c for c in checks if not c.ok}


def test_a_healthy_catalog_passes_every_check(session, config):
    stubs = _wire(session) + (_connections(session, ("github", "AVAILABLE", [{"Key": "sagemaker", "Value": "true"}])),)
    checks = verify_region(session, config, ("servicecatalog",), DOMAIN)
    assert _failed(checks) == {}
    # status, roles (both launch roles), connection, stack, product x2, principal, one distinct studio role
    assert len(checks) == 1 + 9 + 1 + 1 + 2 + 1 + 1
    for stub in stubs:
        stub.assert_no_pending_responses()


def test_each_problem_is_reported_with_a_fix(session, config):
    _wire(session, tagged=False, launch=False, associated=False, status="Disabled", user_role=OTHER_ROLE)
    _connections(session, ("pending", "PENDING", [{"Key": "sagemaker", "Value": "true"}]), ("untagged", "AVAILABLE", []))
    failed = _failed(verify_region(session, config, ("servicecatalog",), DOMAIN))
    assert set(failed) == {
        "SageMaker uses Service Catalog",
        "product BuildTrainDeploy is visible in Studio",
        "product BuildTrainDeploy has a launch constraint",
        "principal arn:aws:iam:::role/service-role/AmazonSageMaker-ExecutionRole-* is associated",
        f"Studio execution role {OTHER_ROLE} sees the templates",
        "connection pending usable from Studio",
        "connection untagged usable from Studio",
    }
    assert "Key=sagemaker,Value=true" in failed["connection untagged usable from Studio"].fix
    assert "enable-sagemaker-servicecatalog-portfolio" in failed["SageMaker uses Service Catalog"].fix
    assert "portfolio.principals" in failed[f"Studio execution role {OTHER_ROLE} sees the templates"].fix


def test_missing_and_mistrusting_roles_are_reported(session, config):
    iam = boto3.client("iam")
    iam.delete_role(RoleName=config.roles.events)
    iam.update_assume_role_policy(
        RoleName=config.roles.codebuild,
        PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
                       '"Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}',
    )
    _wire(session)
    _connections(session, ("github", "AVAILABLE", [{"Key": "sagemaker", "Value": "true"}]))
    failed = _failed(verify_region(session, config, ("servicecatalog",), DOMAIN))
    assert failed[f"role {config.roles.events}"].detail == "missing"
    assert "codebuild.amazonaws.com" in failed[f"role {config.roles.codebuild}"].fix


def test_s3_route_checks_bucket_cors_template_tags_and_domain_tag(session, config, artifacts):
    """S3 and IAM on moto; the SageMaker portfolio-status and domain calls stubbed as above."""
    import dataclasses

    from products.local_aws.emulator import install_https_bucket_policies

    install_https_bucket_policies()
    domain = boto3.client("sagemaker").create_domain(
        DomainName="studio", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": PATTERN_ROLE},
        SubnetIds=["subnet-1"], VpcId="vpc-1", Tags=[],
    )
    domain_id = domain["DomainArn"].rsplit("/", 1)[1]
    # The fixture made the roles already: publish the S3 route alone.
    s3_config = dataclasses.replace(config, publish=dataclasses.replace(
        config.publish, targets=("s3",), studio_domain_id=domain_id, deploy_roles=False))
    published(s3_config, artifacts, Aws(REGION), targets=("s3",))

    def stubbed_sagemaker(location):
        stub = stubbed(session, "sagemaker")
        stub.add_response("get_sagemaker_servicecatalog_portfolio_status", {"Status": "Enabled"}, {})
        stub.add_response("describe_domain", {"DomainId": domain_id, "DomainArn": domain["DomainArn"]}, {"DomainId": domain_id})
        stub.add_response("list_tags", {"Tags": [{"Key": "sagemaker:projectS3TemplatesLocation", "Value": location}]},
                          {"ResourceArn": domain["DomainArn"]})
        # A domain whose users have no execution role yet: the per-role checks are tested below.
        stub.add_response("describe_domain", {"DomainId": domain_id}, {"DomainId": domain_id})
        stub.add_response("list_user_profiles", {"UserProfiles": []}, {"DomainIdEquals": domain_id})

    bucket = f"sagemaker-catalog-{ACCOUNT}-{REGION}"
    stubbed_sagemaker(f"s3://{bucket}/studio-templates/")
    _connections(session, ("github", "AVAILABLE", [{"Key": "sagemaker", "Value": "true"}]))
    assert _failed(verify_region(session, s3_config, ("s3",))) == {}

    boto3.client("s3").delete_bucket_cors(Bucket=bucket)
    boto3.client("s3").delete_object_tagging(Bucket=bucket, Key="studio-templates/deploy.yaml")
    stubbed_sagemaker("s3://elsewhere/")
    _connections(session, ("github", "AVAILABLE", [{"Key": "sagemaker", "Value": "true"}]))
    failed = _failed(verify_region(session, s3_config, ("s3",)))
    assert set(failed) == {
        "S3 route bucket allows Studio (CORS)",
        "S3 template studio-templates/deploy.yaml is visible in Studio",
        f"domain {domain_id} points Studio at the templates",
    }


def test_s3_route_permissions_of_each_studio_role_are_simulated_per_check(config):
    """moto has no iam:SimulatePrincipalPolicy: IAM is stubbed (Stubber checks the requests against the API model)."""
    from products.publishing.doctor import s3_route_permissions, s3_route_user_checks

    session = Aws(REGION)
    iam = stubbed(session, "iam")
    bucket = f"sagemaker-catalog-{ACCOUNT}-{REGION}"
    wanted = s3_route_permissions(config, bucket, "aws", REGION, ACCOUNT)
    for index, (actions, resources, context) in enumerate(wanted.values()):
        decision = "implicitDeny" if index == 2 else "allowed"  # the PassRole of the S3 launch role is missing
        iam.add_response(
            "simulate_principal_policy",
            {"EvaluationResults": [{"EvalActionName": a, "EvalDecision": decision} for a in actions]},
            {"PolicySourceArn": PATTERN_ROLE, "ActionNames": actions, "ResourceArns": resources, "ContextEntries": context},
        )
    checks = s3_route_user_checks(session, config, bucket, PATTERN_ROLE, ACCOUNT)
    iam.assert_no_pending_responses()
    assert [(c.name.split(" may ", 1)[1], c.status) for c in checks] == [
        ("list the S3 templates", "pass"), ("read the S3 templates and their tags", "pass"),
        (f"pass {config.roles.s3_launch} to CloudFormation", "fail"),
        ("create and delete the project's stack (SP-*)", "pass")]
    assert checks[2].detail == "refused: iam:PassRole (implicitDeny)"
    assert "AmazonSageMakerProjectsS3TemplatesUserPolicy" in checks[2].fix
    assert wanted[f"pass {config.roles.s3_launch} to CloudFormation"][1] == [
        f"arn:aws:iam::{ACCOUNT}:role/service-role/{config.roles.s3_launch}"]


def test_an_endpoint_without_iam_simulation_leaves_the_checks_not_checked(monkeypatch):
    from botocore.exceptions import ClientError

    from products.publishing.doctor import guarded

    def unsupported():
        raise ClientError({"Error": {"Code": "500", "Message": "<html>"}, "ResponseMetadata": {"HTTPStatusCode": 500}},
                          "SimulatePrincipalPolicy")

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")  # a loopback endpoint answering HTTP 500
    (check,) = guarded(Aws(REGION), ["a check"], unsupported)
    assert check.status == "not checked" and "does not support SimulatePrincipalPolicy" in check.detail
