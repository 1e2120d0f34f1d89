"""Cross-account deployment: every call into another account is allowed on both sides, and only for the
accounts a project names (products/analysis/grant_matrix.py, on the templates as rendered_with_accounts and resolved)."""

import copy

import pytest

from products.analysis.grant_matrix import PROD, STAGING, TOOLING, grants, resolve_accounts
from products.analysis.iam_evaluator import resource_policy_allows
from products.analysis.resolve import Environment, resolve
from products.analysis.resolve import UnresolvableError
from tests.conftest import SAMPLE_TARGET_ACCOUNTS, sample_parameters

DEPLOYING = ["build-train-deploy", "build-train-deploy-git", "build-train-deploy-monitor", "build-train-deploy-monitor-git"]
STRANGER = "444444444444"


def _matrix(rendered_with_accounts, product, mutate=None):
    template = copy.deepcopy(rendered_with_accounts[f"templates/{product}.json"])
    if mutate:
        mutate(template)
    others = {k: v for k, v in sample_parameters(template).items() if k not in ("SageMakerProjectName", "SageMakerProjectId")}
    return grants(resolve_accounts(template, rendered_with_accounts["roles.json"], rendered_with_accounts["target-account.json"], parameters=others))


@pytest.mark.parametrize("product", DEPLOYING)
def test_every_cross_account_call_is_allowed_on_both_sides(rendered_with_accounts, product):
    rows = _matrix(rendered_with_accounts, product)
    # 22 for deploying and testing (each stage's endpoint writing its capture and async answers back, the staging test
    # submitting an async request and waiting for its answer), 2 for deleting the project (each stage's stack), 1 for
    # a drift monitor
    assert len(rows) == 24 + ("monitor" in product)
    refused = [f"{g.call}: identity {g.identity_decision.reason}; resource {g.resource_decision.reason}"
               for g in rows if not g.allowed]
    assert refused == []


def _without_key_grant_to_deploy_roles(template):
    policy = template["Resources"]["ArtifactKey"]["Properties"]["KeyPolicy"]
    policy["Statement"] = [s for s in policy["Statement"] if s["Sid"] != "TargetDeployRolesReadArtifactsAndWriteTestRequests"]


def test_removing_the_key_policy_grant_fails_the_matrix(rendered_with_accounts):
    rows = _matrix(rendered_with_accounts, "build-train-deploy", _without_key_grant_to_deploy_roles)
    failing = sorted(g.call for g in rows if not g.allowed)
    assert failing == ["prod deploy action: decrypt the artifact", "staging deploy action: decrypt the artifact",
                       "staging test (async endpoint): encrypt its request"]
    assert all(g.identity_decision.allowed for g in rows)  # the deploy roles' own policies still allow it


def _stranger(rows, call):
    (row,) = [g for g in rows if g.call == call]
    return row.principal.replace(f":{PROD}:", f":{STRANGER}:")


def test_a_deploy_role_of_an_account_not_listed_gets_nothing_from_the_projects_resources(rendered_with_accounts):
    accounts = resolve_accounts(rendered_with_accounts["templates/build-train-deploy.json"], rendered_with_accounts["roles.json"],
                                rendered_with_accounts["target-account.json"])
    rows = grants(accounts)
    project = accounts.project
    checks = [
        (project["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"], "prod deploy action: read the pipeline's artifact"),
        (project["ArtifactKey"]["Properties"]["KeyPolicy"], "prod deploy action: decrypt the artifact"),
        (project["ModelPackageGroup"]["Properties"]["ModelPackageGroupPolicy"], "prod endpoint stack: read the model package"),
    ]
    for policy, call in checks:
        (row,) = [g for g in rows if g.call == call]
        assert resource_policy_allows(policy, row.principal, row.action, row.resource).allowed
        assert not resource_policy_allows(policy, _stranger(rows, call), row.action, row.resource).allowed, call


def test_only_the_tooling_accounts_pipeline_build_and_function_roles_may_assume_a_deploy_role(rendered_with_accounts):
    target = resolve(rendered_with_accounts["target-account.json"], {"ToolingAccountId": TOOLING}, Environment(account=PROD)).resources()
    trust = target["DeployRole"]["Properties"]["AssumeRolePolicyDocument"]
    deploy = f"arn:aws:iam::{PROD}:role/service-role/AmazonSageMakerProjectsDeployRole"
    role = f"arn:aws:iam::{TOOLING}:role/service-role/AmazonSageMakerServiceCatalogProducts%sRole"
    assert resource_policy_allows(trust, role % "CodePipeline", "sts:AssumeRole", deploy).allowed
    assert resource_policy_allows(trust, role % "Lambda", "sts:AssumeRole", deploy).allowed  # the endpoint cleanup
    assert not resource_policy_allows(trust, role % "Events", "sts:AssumeRole", deploy).allowed
    assert not resource_policy_allows(trust, (role % "CodePipeline").replace(TOOLING, STRANGER), "sts:AssumeRole", deploy).allowed


def _deploy_resources(rendered_with_accounts, staging="", prod=""):
    template = rendered_with_accounts["templates/build-train-deploy.json"]
    return resolve(template, {"SageMakerProjectName": "abalone", "SageMakerProjectId": "p-abc123def456",
                              "StagingAccountId": staging, "ProdAccountId": prod}, Environment(account=TOOLING)).resources()


def test_each_stage_deploys_with_its_own_accounts_roles_only(rendered_with_accounts):
    resources = _deploy_resources(rendered_with_accounts, STAGING, PROD)
    stages = {s["Name"]: s["Actions"][0] for s in resources["ModelDeployPipeline"]["Properties"]["Stages"]}
    for stage, account in (("Staging", STAGING), ("Prod", PROD)):
        action = stages[f"Deploy{stage}"]
        assert action["RoleArn"] == f"arn:aws:iam::{account}:role/service-role/AmazonSageMakerProjectsDeployRole"
        assert action["Configuration"]["RoleArn"].startswith(f"arn:aws:iam::{account}:role/")
    variables = {v["Name"]: v["Value"] for v in resources["ModelDeployProject"]["Properties"]["Environment"]["EnvironmentVariables"]}
    assert variables["STAGING_EXECUTION_ROLE_ARN"].startswith(f"arn:aws:iam::{STAGING}:")
    assert variables["PROD_EXECUTION_ROLE_ARN"].startswith(f"arn:aws:iam::{PROD}:")
    tests = {v["Name"]: v["Value"] for v in resources["StagingTestProject"]["Properties"]["Environment"]["EnvironmentVariables"]}
    assert tests["STAGING_ROLE_ARN"] == f"arn:aws:iam::{STAGING}:role/service-role/AmazonSageMakerProjectsDeployRole"
    store = resources["ModelDeployPipeline"]["Properties"]["ArtifactStore"]
    assert store["EncryptionKey"]["Type"] == "KMS"  # S3's AWS-managed key cannot be shared with another account


def test_a_mixed_project_deploys_staging_here_and_prod_elsewhere(rendered_with_accounts):
    resources = _deploy_resources(rendered_with_accounts, "", PROD)
    stages = {s["Name"]: s["Actions"][0] for s in resources["ModelDeployPipeline"]["Properties"]["Stages"]}
    assert "RoleArn" not in stages["DeployStaging"] and stages["DeployProd"]["RoleArn"].startswith(f"arn:aws:iam::{PROD}:")
    assert stages["DeployStaging"]["Configuration"]["RoleArn"].startswith(f"arn:aws:iam::{TOOLING}:")


def test_without_target_accounts_nothing_changes(rendered_with_accounts):
    resources = _deploy_resources(rendered_with_accounts)
    assert "ArtifactKey" not in resources and "ArtifactKeyAlias" not in resources
    encryption = resources["ArtifactBucket"]["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms"}
    assert [s["Sid"] for s in resources["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]] == [
        "DenyInsecureTransport"]
    assert "ModelPackageGroupPolicy" not in resources["ModelPackageGroup"]["Properties"]
    stages = {s["Name"]: s["Actions"][0] for s in resources["ModelDeployPipeline"]["Properties"]["Stages"]}
    assert "RoleArn" not in stages["DeployProd"] and "EncryptionKey" not in resources["ModelDeployPipeline"]["Properties"]["ArtifactStore"]


def test_publish_py_grants_prints_the_matrix_and_refuses_a_product_that_does_not_deploy():
    import subprocess
    import sys

    from tests.conftest import REPO_ROOT

    shown = subprocess.run([sys.executable, "publish.py", "grants", "--product", "build-train-deploy-git"], cwd=REPO_ROOT,
                           capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    assert "MISSING" not in shown.stdout and shown.stdout.count(": allows |") == 48  # both sides of 24 calls
    refused = subprocess.run([sys.executable, "publish.py", "grants", "--product", "build-train"], cwd=REPO_ROOT,
                             capture_output=True, text=True)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert "not a product of the catalog that deploys to other accounts" in refused.stderr


def test_the_sample_accounts_are_the_catalogs_target_accounts():
    assert SAMPLE_TARGET_ACCOUNTS == (STAGING, PROD)


def _assumable_deploy_roles(roles_template: dict) -> dict:
    """Per role of the roles stack, the resources of its sts:AssumeRole statements."""
    resources = resolve(roles_template, {}, Environment(account=TOOLING)).resources()
    return {logical_id: [r for policy in resource["Properties"]["Policies"]
                         for statement in policy["PolicyDocument"]["Statement"] if "sts:AssumeRole" in statement["Action"]
                         for r in statement["Resource"]]
            for logical_id, resource in resources.items() if resource["Type"] == "AWS::IAM::Role"}


def test_the_roles_may_assume_the_deploy_role_of_the_configured_accounts_only(rendered_with_accounts, rendered):
    expected = [f"arn:aws:iam::{account}:role/service-role/AmazonSageMakerProjectsDeployRole" for account in (STAGING, PROD)]
    assumable = _assumable_deploy_roles(rendered_with_accounts["roles.json"])
    assert {role: arns for role, arns in assumable.items() if arns} == {
        "CodebuildRole": expected, "CodepipelineRole": expected, "FunctionRole": expected}
    # catalog.yaml names no target account: no role may assume another account's role at all
    assert not any(_assumable_deploy_roles(rendered["roles.json"]).values())


@pytest.mark.parametrize("stage", ["StagingAccountId", "ProdAccountId"])
def test_a_project_naming_an_account_the_catalog_does_not_allow_is_refused_at_launch(rendered_with_accounts, stage):
    template = rendered_with_accounts["templates/build-train-deploy.json"]
    with pytest.raises(UnresolvableError, match=f"Parameter {stage} must be empty \\(this account\\) or an account "
                                                f"this catalog deploys into \\({STAGING}, {PROD}\\)"):
        resolve(template, {"SageMakerProjectName": "abalone", "SageMakerProjectId": "p-abc123def456", stage: STRANGER})


@pytest.mark.parametrize("product", DEPLOYING)
def test_without_target_accounts_a_product_has_no_account_parameters_key_or_grants(rendered, product):
    template = rendered[f"templates/{product}.json"]
    assert not {"StagingAccountId", "ProdAccountId"} & set(template["Parameters"])
    assert not {"ArtifactKey", "ArtifactKeyAlias"} & set(template["Resources"])
    assert "ModelPackageGroupPolicy" not in template["Resources"]["ModelPackageGroup"]["Properties"]


def test_the_iam_checks_refuse_assuming_the_deploy_role_of_an_account_not_configured(rendered_with_accounts):
    """The evaluation the local AWS runs on every call (products/analysis/iam_evaluator.py), on the roles as rendered
    for two target accounts: their deploy roles may be assumed, a stranger's may not."""
    from products.analysis.iam_evaluator import evaluate

    resources = resolve(rendered_with_accounts["roles.json"], {}, Environment(account=TOOLING)).resources()
    for role in ("CodepipelineRole", "CodebuildRole", "FunctionRole"):
        policies = [p["PolicyDocument"] for p in resources[role]["Properties"]["Policies"]]
        deploy_role = "arn:aws:iam::{}:role/service-role/AmazonSageMakerProjectsDeployRole"
        assert evaluate(policies, "sts:AssumeRole", deploy_role.format(STAGING)).allowed
        assert evaluate(policies, "sts:AssumeRole", deploy_role.format(PROD)).allowed
        assert not evaluate(policies, "sts:AssumeRole", deploy_role.format(STRANGER)).allowed, role


@pytest.mark.parametrize("elsewhere", ["StagingAccountId", "ProdAccountId"])
def test_a_project_with_one_stage_elsewhere_names_no_empty_principal(rendered_with_accounts, elsewhere):
    """A bucket or key policy statement with no principal is malformed (S3 and KMS refuse the policy): a grant to
    one stage's role is present only while that stage is in another account."""
    template = rendered_with_accounts["templates/build-train-deploy.json"]
    parameters = {**sample_parameters(template), "StagingAccountId": "", "ProdAccountId": "",
                  elsewhere: STAGING if elsewhere == "StagingAccountId" else PROD}
    resources = resolve(template, parameters, Environment(account=TOOLING)).resources()
    documents = [resources["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"],
                 resources["ArtifactKey"]["Properties"]["KeyPolicy"]]
    principals = [s["Principal"]["AWS"] for d in documents for s in d["Statement"] if "AWS" in s.get("Principal", {})]
    assert principals and all(p for p in principals)
    stage = "Staging" if elsewhere == "StagingAccountId" else "Prod"
    sids = {s.get("Sid") for s in documents[0]["Statement"]}
    assert f"{stage}ExecutionRoleWritesCaptureAndAnswers" in sids
    assert ("StagingDeployRoleSubmitsTestRequests" in sids) == ("StagingDeployRoleWaitsForTestAnswers" in sids) \
        == (stage == "Staging")
