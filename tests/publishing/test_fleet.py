"""The fleet report (`publish.py projects`): projects of both routes, current or older, and foreign ones.

Projects of every kind (foreign ones, older versions, both routes) in one account are easiest to set up
stubbed: SageMaker, Service Catalog, CloudFormation and STS are stubbed with botocore's Stubber, which
checks every request and response against the real API models. The local AWS's own ListProjects and
product reads are exercised in tests/local_aws/test_projects.py.
"""

import datetime
import os
import subprocess
import sys


from products import PRODUCTS
from products.publishing.aws import Aws
from products.local_aws.emulator import moto_server
from products.publishing.fleet import NOT_OURS, Fleet
from tests.conftest import REPO_ROOT, stubbed

REGION, ACCOUNT = "us-east-1", "123456789012"
WHEN = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)
BUCKET = f"sagemaker-catalog-{ACCOUNT}-{REGION}"


def _service_catalog_project(name, product_id, artifact_id):
    return {"ProjectArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:project/{name}", "ProjectName": name,
            "ProjectId": f"p-{name[:6]:0<12}", "ProjectStatus": "CreateCompleted", "CreationTime": WHEN,
            "ServiceCatalogProvisioningDetails": {"ProductId": product_id, "ProvisioningArtifactId": artifact_id}}


def _s3_project(name, key, stack):
    return {"ProjectArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:project/{name}", "ProjectName": name,
            "ProjectId": f"p-{name[:6]:0<12}", "ProjectStatus": "CreateCompleted", "CreationTime": WHEN,
            "LastModifiedTime": WHEN + datetime.timedelta(days=3),
            "TemplateProviderDetails": [{"CfnTemplateProviderDetail": {
                "TemplateName": key.rsplit("/", 1)[1].split(".")[0],
                "TemplateURL": f"https://{BUCKET}.s3.{REGION}.amazonaws.com/{key}",
                "StackDetail": {"Name": stack, "Id": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{stack}/1",
                                "StatusMessage": "CREATE_COMPLETE"}}}]}


def test_each_project_is_compared_with_the_catalogs_current_version(aws_credentials, config, artifacts):
    current = {a.product: a for a in artifacts if a.kind == "product-template"}
    yaml = {a.product: a for a in artifacts if a.kind == "studio-template"}
    aws = Aws(REGION)
    sts, sagemaker = stubbed(aws, "sts"), stubbed(aws, "sagemaker")
    servicecatalog, cfn = stubbed(aws, "servicecatalog"), stubbed(aws, "cloudformation")
    sts.add_response("get_caller_identity", {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/admin", "UserId": "A"})
    projects = [
        _service_catalog_project("churn", "prod-aaaaaaaaaaaaa", "pa-current0000"),
        _service_catalog_project("fraud", "prod-aaaaaaaaaaaaa", "pa-older000000"),
        _s3_project("abalone", "studio-templates/deploy.yaml", "SP-abalone"),
        _s3_project("legacy", "studio-templates/build-train.yaml", "SP-legacy"),
        _service_catalog_project("vendor", "prod-bbbbbbbbbbbbb", "pa-vendor00000"),
    ]
    sagemaker.add_response("list_projects", {"ProjectSummaryList": [
        {k: p[k] for k in ("ProjectName", "ProjectArn", "ProjectId", "CreationTime", "ProjectStatus")} for p in projects]},
        {"SortBy": "Name", "SortOrder": "Ascending"})

    def product(product_id, title):
        servicecatalog.add_response("describe_product_as_admin", {"ProductViewDetail": {"ProductViewSummary": {"Name": title}}},
                                    {"Id": product_id})

    def artifact(product_id, artifact_id, name):
        servicecatalog.add_response("describe_provisioning_artifact", {"ProvisioningArtifactDetail": {"Name": name}},
                                    {"ProductId": product_id, "ProvisioningArtifactId": artifact_id})

    sagemaker.add_response("describe_project", projects[0], {"ProjectName": "churn"})
    product("prod-aaaaaaaaaaaaa", PRODUCTS["build-train-deploy"].title)
    artifact("prod-aaaaaaaaaaaaa", "pa-current0000", current["build-train-deploy"].version)
    sagemaker.add_response("describe_project", projects[1], {"ProjectName": "fraud"})
    artifact("prod-aaaaaaaaaaaaa", "pa-older000000", "1.0.0-0badc0de")  # the product's title is read once
    for project, product_name, body in ((projects[2], "deploy", yaml["deploy"].data.decode()),
                                        (projects[3], "build-train", "AWSTemplateFormatVersion: '2010-09-09'\n")):
        sagemaker.add_response("describe_project", project, {"ProjectName": project["ProjectName"]})
        stack = project["TemplateProviderDetails"][0]["CfnTemplateProviderDetail"]["StackDetail"]["Id"]
        cfn.add_response("get_template", {"TemplateBody": body}, {"StackName": stack, "TemplateStage": "Original"})
    sagemaker.add_response("describe_project", projects[4], {"ProjectName": "vendor"})
    product("prod-bbbbbbbbbbbbb", "Someone else's template")
    artifact("prod-bbbbbbbbbbbbb", "pa-vendor00000", "v3")

    reports = {r.project: r for r in Fleet(aws, config, artifacts).projects()}
    for stub in (sts, sagemaker, servicecatalog, cfn):
        stub.assert_no_pending_responses()
    summary = {name: (r.route, r.product, r.outdated) for name, r in reports.items()}
    assert summary == {
        "churn": ("servicecatalog", "build-train-deploy", False),
        "fraud": ("servicecatalog", "build-train-deploy", True),
        "abalone": ("s3", "deploy", False),
        "legacy": ("s3", "build-train", True),
        "vendor": ("servicecatalog", NOT_OURS, False),
    }
    assert reports["fraud"].as_dict()["current"] == current["build-train-deploy"].version
    assert reports["abalone"].version == yaml["deploy"].sha256[:8]
    assert reports["abalone"].last_updated == "2026-11-04T00:00:00+00:00"  # LastModifiedTime, else CreationTime
    assert reports["churn"].last_updated == "2026-11-01T00:00:00+00:00"


def test_projects_as_a_process_against_an_empty_local_aws_lists_none():
    """The local AWS answers ListProjects (products/local_aws/sagemaker_projects.py): an account without
    projects is a report of none, exit 0. tests/catalog/test_s3_route.py lists one it created."""
    with moto_server() as url:
        env = {**os.environ, "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t",
               "AWS_DEFAULT_REGION": REGION}
        result = subprocess.run([sys.executable, "publish.py", "projects"], cwd=REPO_ROOT, env=env,
                                capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "projects: 0, 0 on an older version of their product, 0 not from this catalog" in result.stdout + result.stderr
