"""A catalog published into a local AWS as an admin publishes it, and Studio's execution roles there: what
tests/local_aws/test_projects.py and tests/bench/bench_create_project.py create projects against.

The environment must already point boto3 at the emulator (AWS_ENDPOINT_URL and dummy admin credentials).
"""

import json
from dataclasses import replace
from types import SimpleNamespace

import boto3

from products.catalog.portfolio import product_id_output
from products.catalog.roles import STUDIO_USER_POLICY
from products.demo.people import SAGEMAKER_TRUST, STUDIO_PROJECT_ACTIONS
from products.publishing.aws import Aws
from products.publishing.publication import Publication

REGION, ACCOUNT = "us-east-1", "123456789012"
STUDIO_ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMaker-ExecutionRole-tests"
OUTSIDER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/SomeoneElse"


def _studio_role(iam, arn: str, with_s3_policy: bool) -> None:
    name = arn.rsplit("/", 1)[1]
    iam.create_role(RoleName=name, Path="/service-role/", AssumeRolePolicyDocument=json.dumps(SAGEMAKER_TRUST))
    iam.put_role_policy(RoleName=name, PolicyName="projects", PolicyDocument=json.dumps(STUDIO_PROJECT_ACTIONS))
    if with_s3_policy:
        iam.attach_role_policy(RoleName=name, PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/service-role/{STUDIO_USER_POLICY}")


def session_as(admin: boto3.Session, role_arn: str) -> boto3.Session:
    credentials = admin.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="studio")["Credentials"]
    return boto3.Session(region_name=REGION, aws_access_key_id=credentials["AccessKeyId"],
                         aws_secret_access_key=credentials["SecretAccessKey"], aws_session_token=credentials["SessionToken"])


def publish_for_studio(config, artifacts) -> SimpleNamespace:
    """A Studio domain, the catalog published on both routes for it, and two execution roles: one the portfolio
    names and the S3 route's user policy is attached to (``studio``), one with neither (``outsider``)."""
    admin = boto3.Session(region_name=REGION)
    domain = admin.client("sagemaker").create_domain(
        DomainName="tests", AuthMode="IAM", SubnetIds=["subnet-1"], VpcId="vpc-1", Tags=[],
        DefaultUserSettings={"ExecutionRole": STUDIO_ROLE})["DomainArn"].rsplit("/", 1)[1]
    config = replace(config, publish=replace(config.publish, targets=("servicecatalog", "s3"), studio_domain_id=domain))
    aws = Aws(REGION)
    plan = Publication(config, [aws], artifacts, config.publish.targets, say=lambda *_: None,
                       poll_seconds=0.1).run(apply=True, ask=lambda question: True).plans[0]
    iam = admin.client("iam")
    _studio_role(iam, STUDIO_ROLE, with_s3_policy=True)
    _studio_role(iam, OUTSIDER_ROLE, with_s3_policy=False)
    return SimpleNamespace(admin=admin, aws=aws, config=config, bucket=plan.bucket, artifacts=artifacts, domain=domain,
                           studio=session_as(admin, STUDIO_ROLE), outsider=session_as(admin, OUTSIDER_ROLE))


def product_id(catalog: SimpleNamespace, product: str) -> str:
    """The Service Catalog product's id, from the portfolio stack's outputs (``BuildTrainProductId``)."""
    outputs = {o["OutputKey"]: o["OutputValue"] for o in catalog.admin.client("cloudformation").describe_stacks(
        StackName=catalog.config.publish.portfolio_stack)["Stacks"][0]["Outputs"]}
    return outputs[product_id_output(product)]


def user_parameters(catalog: SimpleNamespace, product: str, project: str, git_host_dir) -> dict[str, str]:
    """What a user fills in for ``product`` (the sample values), the Git products' team repositories created
    empty on the stand-in Git host first, as a team creates them before the project."""
    from products.local_aws import git_host
    from tests.conftest import SAMPLE_PROJECT, sample_parameters

    template = json.loads(catalog.artifacts.product_templates[product].data)
    parameters = {k: v for k, v in sample_parameters(template).items() if k not in SAMPLE_PROJECT}
    for role in ("ModelBuild", "ModelDeploy", "ImageBuild"):
        if f"{role}CodeRepositoryFullname" in parameters:
            name = parameters[f"{role}CodeRepositoryFullname"] = f"acme/{project}-{role.lower()}"
            git_host.create_repository(parameters["CodeConnectionArn"], name, git_host_dir)
    return parameters


def create_project(catalog: SimpleNamespace, product: str, route: str, project: str, parameters: dict) -> dict:
    """CreateProject as Studio's execution role on ``route`` (``servicecatalog`` or ``s3``); DescribeProject's answer."""
    from products.publishing.projects import create_project_request

    sagemaker = catalog.studio.client("sagemaker")
    if route == "servicecatalog":
        sagemaker.create_project(ProjectName=project, ServiceCatalogProvisioningDetails={
            "ProductId": product_id(catalog, product),
            "ProvisioningParameters": [{"Key": k, "Value": v} for k, v in parameters.items()]})
    else:
        template = json.loads(catalog.artifacts.product_templates[product].data)
        sagemaker.create_project(**create_project_request(
            catalog.config, product=product, template=template, project_name=project, parameters=parameters,
            bucket=catalog.bucket, region=REGION, account=ACCOUNT, partition="aws"))
    return sagemaker.describe_project(ProjectName=project)


def inventory(admin: boto3.Session) -> dict[str, set[str]]:
    """What bills or names a project in the account: live stacks, pipelines of both kinds, build projects,
    functions, schedules, endpoints and projects. Taken before and after a project's life, the two must be equal.
    (moto has no CodeCommit ListRepositories: tests/local_aws/test_cloudformation.py asks for each repository.)"""
    client = admin.client
    return {
        "stacks": {s["StackName"] for s in client("cloudformation").list_stacks()["StackSummaries"]
                   if s["StackStatus"] != "DELETE_COMPLETE"},
        "pipelines": {p["name"] for p in client("codepipeline").list_pipelines()["pipelines"]},
        "build projects": set(client("codebuild").list_projects()["projects"]),
        "functions": {f["FunctionName"] for f in client("lambda").list_functions()["Functions"]},
        "schedules": {s["Name"] for s in client("scheduler").list_schedules()["Schedules"]},
        "endpoints": {e["EndpointName"] for e in client("sagemaker").list_endpoints()["Endpoints"]},
        "SageMaker pipelines": {p["PipelineName"] for p in client("sagemaker").list_pipelines()["PipelineSummaries"]},
        "projects": {p["ProjectName"] for p in client("sagemaker").list_projects()["ProjectSummaryList"]},
    }
