"""build-train-deploy-github, run: the model-deploy workflow's jobs run by the GitHub runner stand-in
(products/local_aws/github_workflows.py) under the project's deploy role, against the catalog published into the
local AWS. No admin credentials reach the jobs: only what AssumeRoleWithWebIdentity on the role gives, and every
call is checked against the role (and its boundary).

The approved model package stands in for a model-build run (a small XGBoost model trained here, as in
tests/local_aws/conftest.py). GitHub itself (the dispatch that starts the run, the production environment's reviewers)
is not emulated: the test runs the staging job, then the prod job, as GitHub would after the reviewers approve.
"""

import io
import json
import zipfile

import boto3
import pytest

from products.local_aws.codepipeline_runs import NO_CREATION_RUNS
from products.local_aws.emulator import moto_server
from products.local_aws.github_workflows import Run, WorkflowRefused, run_job
from tests.local_aws.conftest import XGBOOST_IMAGE
from tests.local_aws.studio import REGION, create_project, publish_for_studio, user_parameters

pytestmark = pytest.mark.slow  # about 40 s: publishing, the project, the model, the deploy environment
PRODUCT, PROJECT = "build-train-deploy-github", "ghdeploy"


@pytest.fixture(scope="module")
def project(artifacts, config, tmp_path_factory, model_archive):
    """The catalog published, a build-train-deploy-github project created from Studio, an approved package in its
    group, and the model-deploy seed as the team's checkout; the repository variables from the project's outputs."""
    git_host = tmp_path_factory.mktemp("git-host")
    with moto_server(env={"EMULATOR_GIT_HOST_DIR": str(git_host), NO_CREATION_RUNS: "1"}) as endpoint, \
            pytest.MonkeyPatch.context() as env:
        for key, value in {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "admin", "AWS_SECRET_ACCESS_KEY": "admin",
                           "AWS_DEFAULT_REGION": REGION}.items():
            env.setenv(key, value)
        env.delenv("AWS_PROFILE", raising=False)
        catalog = publish_for_studio(config, artifacts)
        parameters = user_parameters(catalog, PRODUCT, PROJECT, git_host)
        described = create_project(catalog, PRODUCT, "servicecatalog", PROJECT, parameters)
        assert described["ProjectStatus"] == "CreateCompleted", described
        variables = _deploy_variables(catalog.admin, described["ProjectId"])
        _approved_package(catalog.admin, variables, model_archive)
        checkout = tmp_path_factory.mktemp("model-deploy")
        zipfile.ZipFile(io.BytesIO(artifacts.seed_zips["model-deploy"].data)).extractall(checkout)
        yield {"endpoint": endpoint, "admin": catalog.admin, "variables": variables, "checkout": checkout,
               "repository": parameters["ModelDeployGitHubRepository"]}


def _deploy_variables(admin, project_id: str) -> dict:
    stacks = admin.client("cloudformation").describe_stacks()["Stacks"]
    (stack,) = [s for s in stacks if {"Key": "sagemaker:project-id", "Value": project_id} in s.get("Tags", [])
                or any(p["ParameterValue"] == project_id for p in s.get("Parameters", []))]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    return json.loads(outputs["ModelDeployGitHubVariables"])


def _approved_package(admin, variables: dict, model_archive: bytes) -> None:
    """What a model-build run leaves: the model in the project's bucket, an approved package in its group."""
    bucket = variables["ARTIFACT_BUCKET"]
    admin.client("s3").put_object(Bucket=bucket, Key="model/model.tar.gz", Body=model_archive)
    admin.client("sagemaker").create_model_package(
        ModelPackageGroupName=variables["MODEL_PACKAGE_GROUP_NAME"], ModelApprovalStatus="Approved",
        InferenceSpecification={"Containers": [{"Image": XGBOOST_IMAGE, "ModelDataUrl": f"s3://{bucket}/model/model.tar.gz"}],
                                "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]})


def _run(project, repository=None, lines=None) -> Run:
    return Run(repository=repository or project["repository"], ref="refs/heads/main", variables=project["variables"],
               endpoint_url=project["endpoint"], region=REGION,
               say=(lines.append if lines is not None else lambda _line: None))


def _workflow(project):
    return project["checkout"] / ".github" / "workflows" / "model-deploy.yml"


def test_the_deploy_workflow_deploys_staging_tests_it_and_then_prod_as_its_role(project):
    lines, run = [], None
    run = _run(project, lines=lines)
    run_job(_workflow(project), "staging", project["checkout"], run)
    cloudformation = project["admin"].client("cloudformation")
    staging = cloudformation.describe_stacks(StackName=project["variables"]["STAGING_STACK_NAME"])["Stacks"][0]
    assert staging["StackStatus"] == "CREATE_COMPLETE"
    assert staging["RoleARN"] == project["variables"]["CLOUDFORMATION_ROLE_ARN"]
    results = json.loads((run.artifacts["stage-configurations"] / "test-results.json").read_text())
    assert results["passed"], results
    assert any("as sagemaker-github-staging-" in line for line in lines)
    run_job(_workflow(project), "prod", project["checkout"], run)  # after the production environment's reviewers
    prod = cloudformation.describe_stacks(StackName=project["variables"]["PROD_STACK_NAME"])["Stacks"][0]
    assert prod["StackStatus"] == "CREATE_COMPLETE"


@pytest.mark.parametrize("repository", ["someone/abalone-deploy", "acme/abalone-build"])
def test_a_workflow_of_another_repository_gets_no_credentials(project, repository):
    with pytest.raises(WorkflowRefused, match="configure-aws-credentials: AccessDenied"):
        run_job(_workflow(project), "staging", project["checkout"], _run(project, repository))


SPY = """
name: spy
on: workflow_dispatch
permissions:
  id-token: write
jobs:
  spy:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: ${{ vars.AWS_STAGING_ROLE_ARN }}
          aws-region: ${{ vars.AWS_REGION }}
      - name: Install the pinned environment
        run: |
          python -m pip install --quiet --disable-pip-version-check uv==0.13.9
          python -m uv pip install --python "$(python -c 'import sys; print(sys.executable)')" -r requirements.txt
      - run: env | sort > job-env.txt
      - uses: actions/upload-artifact@v4
        with:
          name: spy
          path: job-env.txt
"""


def test_the_jobs_credentials_are_the_roles_only(project, tmp_path):
    """A job's environment holds the web-identity credentials of its role and no admin key."""
    workflow = tmp_path / "spy.yml"
    workflow.write_text(SPY)
    run = _run(project)
    run_job(workflow, "spy", project["checkout"], run)
    environment = dict(line.split("=", 1) for line in (run.artifacts["spy"] / "job-env.txt").read_text().splitlines()
                       if "=" in line)
    assert "admin" not in environment.values()
    identity = boto3.client("sts", endpoint_url=project["endpoint"], region_name=REGION,
                            aws_access_key_id=environment["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=environment["AWS_SECRET_ACCESS_KEY"],
                            aws_session_token=environment["AWS_SESSION_TOKEN"]).get_caller_identity()
    assert identity["Arn"].startswith("arn:aws:sts::123456789012:assumed-role/sagemaker-github-staging-")
