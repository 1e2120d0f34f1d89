"""Projects created as Studio creates them, on both routes, in the local AWS (products/local_aws/sagemaker_projects.py,
servicecatalog_api.py, servicecatalog_provisioning.py): the catalog published by the real publisher, then
CreateProject as a Studio execution role, and the product's whole stack created under the role AWS would use.

One emulator for the module, published once; each test names its own projects. The projects' pipelines do not
start their first run ($EMULATOR_NO_CREATION_RUNS): these tests are about creating and deleting projects; the runs
are tested in tests/demo/test_demo.py and test_codepipeline.py.
"""

import json
import re

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from products.local_aws.codepipeline_runs import NO_CREATION_RUNS
from products.local_aws.emulator import moto_server
from products.publishing.doctor import verify_region
from products.publishing.fleet import Fleet
from products.publishing.projects import create_project_request
from products import PRODUCTS
from tests.conftest import SAMPLE_TARGET_ACCOUNTS
from tests.local_aws.studio import (ACCOUNT, REGION, STUDIO_ROLE, create_project, inventory, product_id,
                                   publish_for_studio, user_parameters)


@pytest.fixture(scope="module")
def catalog(artifacts_with_accounts, config, tmp_path_factory):
    """The catalog published on both routes into a local AWS; clients as the admin and as Studio's roles. Its
    templates are rendered for two target accounts (tests/conftest.py), so the products carry account parameters."""
    artifacts = artifacts_with_accounts
    git_host = tmp_path_factory.mktemp("git-host")
    with moto_server(env={"EMULATOR_GIT_HOST_DIR": str(git_host), NO_CREATION_RUNS: "1"}) as endpoint, pytest.MonkeyPatch.context() as env:
        for key, value in {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "admin", "AWS_SECRET_ACCESS_KEY": "admin",
                           "AWS_DEFAULT_REGION": REGION}.items():
            env.setenv(key, value)
        env.delenv("AWS_PROFILE", raising=False)
        published = publish_for_studio(config, artifacts)
        published.git_host_dir = git_host
        yield published


def _stack(catalog, stack_id: str) -> dict:
    return catalog.admin.client("cloudformation").describe_stacks(StackName=stack_id)["Stacks"][0]


def test_the_doctor_checks_the_published_portfolio_in_full(catalog):
    """The portfolio's products, launch constraints and principals are read through Service Catalog's API, none
    left 'not checked'. The Studio execution roles are not: moto has no SageMaker user profiles (ListUserProfiles)."""
    checks = verify_region(catalog.aws, catalog.config, ("servicecatalog",), catalog.domain)
    portfolio = [c for c in checks if c.name.startswith(("product ", "principal "))]
    assert len(portfolio) == 2 * len(catalog.config.products) + 1, [c.name for c in portfolio]
    assert all(c.passed and c.checked for c in portfolio), [(c.name, c.detail) for c in portfolio if not c.passed]
    roles = [c for c in checks if c.name.startswith("Studio execution role")]
    assert [(c.checked, c.detail) for c in roles] == [(False, "not checked: the endpoint does not support ListUserProfiles")]


def test_a_service_catalog_project_is_launched_through_the_launch_constraint_and_deleted(catalog):
    sagemaker = catalog.studio.client("sagemaker")
    created = sagemaker.create_project(ProjectName="sc-route", ServiceCatalogProvisioningDetails={
        "ProductId": product_id(catalog, "build-train")})
    project = sagemaker.describe_project(ProjectName="sc-route")
    assert project["ProjectStatus"] == "CreateCompleted", project
    provisioned_id = project["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductId"]
    servicecatalog = catalog.studio.client("servicecatalog")
    provisioned = servicecatalog.describe_provisioned_product(Id=provisioned_id)["ProvisionedProductDetail"]
    assert provisioned["Status"] == "AVAILABLE" and provisioned["LaunchRoleArn"].endswith(catalog.config.roles.launch)
    record = servicecatalog.describe_record(Id=provisioned["LastRecordId"])
    stack_id = {o["OutputKey"]: o["OutputValue"] for o in record["RecordOutputs"]}["CloudformationStackARN"]
    stack = _stack(catalog, stack_id)
    assert stack["StackName"] == f"SC-{ACCOUNT}-{provisioned_id}" and "RoleARN" not in stack  # Service Catalog calls as the role
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert (parameters["SageMakerProjectName"], parameters["SageMakerProjectId"]) == ("sc-route", created["ProjectId"])
    tags = {t["Key"]: t["Value"] for t in stack["Tags"]}
    assert tags["sagemaker:project-id"] == created["ProjectId"] and tags["aws:servicecatalog:provisioningPrincipalArn"] == STUDIO_ROLE
    groups = catalog.admin.client("sagemaker").list_model_package_groups()["ModelPackageGroupSummaryList"]
    assert f"sc-route-{created['ProjectId']}" in {g["ModelPackageGroupName"] for g in groups}
    reports = [r for r in Fleet(catalog.aws, catalog.config, catalog.artifacts).projects() if r.project == "sc-route"]
    assert [(r.route, r.product, r.version == r.current) for r in reports] == [("servicecatalog", "build-train", True)]

    sagemaker.delete_project(ProjectName="sc-route")
    assert _stack(catalog, stack_id)["StackStatus"] == "DELETE_COMPLETE"
    assert "sc-route" not in {p["ProjectName"] for p in sagemaker.list_projects()["ProjectSummaryList"]}
    with pytest.raises(ClientError, match="not found"):
        servicecatalog.describe_provisioned_product(Id=provisioned_id)


def test_an_s3_route_project_is_created_with_the_template_providers_role_and_deleted(catalog):
    template = json.loads(catalog.artifacts.product_templates["build-train"].data)
    request = create_project_request(catalog.config, product="build-train", template=template, project_name="s3-route",
                                     parameters={}, bucket=catalog.bucket, region=REGION, account=ACCOUNT, partition="aws")
    sagemaker = catalog.studio.client("sagemaker")
    created = sagemaker.create_project(**request)
    project = sagemaker.describe_project(ProjectName="s3-route")
    assert project["ProjectStatus"] == "CreateCompleted", project
    detail = project["TemplateProviderDetails"][0]["CfnTemplateProviderDetail"]
    stack = _stack(catalog, detail["StackDetail"]["Id"])
    assert stack["StackName"] == f"SP-s3-route-{created['ProjectId']}" and stack["RoleARN"] == detail["RoleARN"]
    reports = [r for r in Fleet(catalog.aws, catalog.config, catalog.artifacts).projects() if r.project == "s3-route"]
    assert [(r.route, r.product) for r in reports] == [("s3", "build-train")]
    sagemaker.delete_project(ProjectName="s3-route")
    assert _stack(catalog, detail["StackDetail"]["Id"])["StackStatus"] == "DELETE_COMPLETE"


def test_a_role_the_portfolio_does_not_name_finds_no_launch_path(catalog):
    with pytest.raises(ClientError, match="No launch paths found for resource"):
        catalog.outsider.client("sagemaker").create_project(
            ProjectName="outsider", ServiceCatalogProvisioningDetails={"ProductId": product_id(catalog, "build-train")})
    with pytest.raises(ClientError, match="No launch paths found"):  # the harness's own credentials: no principal
        catalog.admin.client("servicecatalog").provision_product(
            ProductId=product_id(catalog, "build-train"), ProvisioningArtifactName="v1", ProvisionedProductName="admin")


def test_the_s3_route_without_the_user_policy_is_refused_naming_the_template_read(catalog):
    template = json.loads(catalog.artifacts.product_templates["build-train"].data)
    request = create_project_request(catalog.config, product="build-train", template=template, project_name="no-policy",
                                     parameters={}, bucket=catalog.bucket, region=REGION, account=ACCOUNT, partition="aws")
    with pytest.raises(ClientError, match="not authorized to perform: s3:GetObject"):
        catalog.outsider.client("sagemaker").create_project(**request)
    assert "no-policy" not in {p["ProjectName"] for p in catalog.admin.client("sagemaker").list_projects()["ProjectSummaryList"]}


def test_a_parameter_the_template_does_not_declare_fails_the_launch_as_cloudformation_refuses_it(catalog):
    """ProvisionProduct is asynchronous: the request is accepted and the launch's record fails with CloudFormation's
    message (our reading of AWS; the record's asynchrony is documented, the synchronous check of keys is not)."""
    sagemaker = catalog.studio.client("sagemaker")
    sagemaker.create_project(ProjectName="bad-parameter", ServiceCatalogProvisioningDetails={
        "ProductId": product_id(catalog, "build-train"),
        "ProvisioningParameters": [{"Key": "NoSuchParameter", "Value": "x"}]})
    project = sagemaker.describe_project(ProjectName="bad-parameter")
    message = project["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductStatusMessage"]
    assert project["ProjectStatus"] == "CreateFailed", project
    assert message == "Parameters: ['NoSuchParameter'] do not exist in the template", message
    sagemaker.delete_project(ProjectName="bad-parameter")


STRANGER = "444444444444"
NOT_ALLOWED = (f"Parameter StagingAccountId must be empty (this account) or an account this catalog deploys into "
               f"({', '.join(SAMPLE_TARGET_ACCOUNTS)})")


def test_a_project_naming_an_account_the_catalog_does_not_allow_fails_at_launch_on_both_routes(catalog):
    """CloudFormation refuses the value (AllowedValues), naming the parameter, before anything is created."""
    sagemaker = catalog.studio.client("sagemaker")
    sagemaker.create_project(ProjectName="stranger-sc", ServiceCatalogProvisioningDetails={
        "ProductId": product_id(catalog, "build-train-deploy"),
        "ProvisioningParameters": [{"Key": "StagingAccountId", "Value": STRANGER}]})
    project = sagemaker.describe_project(ProjectName="stranger-sc")
    assert project["ProjectStatus"] == "CreateFailed", project
    assert project["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductStatusMessage"] == NOT_ALLOWED
    sagemaker.delete_project(ProjectName="stranger-sc")

    template = json.loads(catalog.artifacts.product_templates["build-train-deploy"].data)
    request = create_project_request(catalog.config, product="build-train-deploy", template=template,
                                     project_name="stranger-s3", parameters={"StagingAccountId": STRANGER},
                                     bucket=catalog.bucket, region=REGION, account=ACCOUNT, partition="aws")
    with pytest.raises(ClientError, match=re.escape(f"CloudFormation: {NOT_ALLOWED}")):
        sagemaker.create_project(**request)
    stacks = catalog.admin.client("cloudformation").list_stacks()["StackSummaries"]
    assert not [s for s in stacks if "stranger" in s["StackName"]]


def test_a_request_the_api_model_refuses_names_the_member(catalog):
    unchecked = catalog.studio.client("servicecatalog", config=Config(parameter_validation=False))
    with pytest.raises(ClientError, match='ProvisionProduct: Missing required parameter in input: "ProvisionedProductName"'):
        unchecked.provision_product(ProductId=product_id(catalog, "build-train"), ProvisionToken="t-1")


def test_a_git_project_whose_team_repository_is_missing_fails_with_the_resources_reason(catalog):
    """The seed check-in finds no repository on the Git host: the stack rolls back, the project is CreateFailed
    with the failing resource named, and deleting it removes the provisioned product."""
    sagemaker = catalog.studio.client("sagemaker")
    sagemaker.create_project(ProjectName="git-missing", ServiceCatalogProvisioningDetails={
        "ProductId": product_id(catalog, "build-train-git"), "ProvisioningParameters": [
            {"Key": "CodeConnectionArn", "Value": f"arn:aws:codeconnections:{REGION}:{ACCOUNT}:connection/0a1b2c3d"},
            {"Key": "ModelBuildCodeRepositoryFullname", "Value": "acme/nowhere"}]})
    project = sagemaker.describe_project(ProjectName="git-missing")
    message = project["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductStatusMessage"]
    assert project["ProjectStatus"] == "CreateFailed" and "ROLLBACK_COMPLETE" in message and "Custom::" in message, message
    sagemaker.delete_project(ProjectName="git-missing")
    assert "git-missing" not in {p["ProjectName"] for p in sagemaker.list_projects()["ProjectSummaryList"]}


@pytest.mark.slow  # about 20 s: the Git products' seed check-ins run their builds
def test_every_product_created_and_deleted_as_a_project_leaves_nothing_behind(catalog):
    """Each product once, the routes taken in turn (so each route sees Git and CodeCommit products): the project is
    CreateCompleted, and after DeleteProject the account holds what it held before, stack by stack and pipeline by
    pipeline. Bucket and model package group are retained by design (DeletionPolicy Retain) and not counted."""
    before = inventory(catalog.admin)
    outcomes = {}
    for index, product in enumerate(sorted(PRODUCTS)):
        route = ("servicecatalog", "s3")[index % 2]
        name = f"all-{index}"
        project = create_project(catalog, product, route, name, user_parameters(catalog, product, name, catalog.git_host_dir))
        outcomes[product] = project["ProjectStatus"]
        catalog.studio.client("sagemaker").delete_project(ProjectName=name)
    assert outcomes == {product: "CreateCompleted" for product in PRODUCTS}
    after = inventory(catalog.admin)
    assert {kind: after[kind] - names for kind, names in before.items()} == {kind: set() for kind in before}
