"""build-train-deploy-git: the connection, repositories and branches flow into the pipelines exactly."""

import boto3
import pytest
from moto import mock_aws

from products.local_aws.event_shapes import model_package_state_event
from products.local_aws.event_routing import EventRouter
from products.functions import seed_checkin
from products.analysis.resolve import UnresolvableError, resolve
from tests.conftest import CONNECTION, SAMPLE_PROJECT
GIT = {
    **SAMPLE_PROJECT,
    "CodeConnectionArn": CONNECTION,
    "ModelBuildCodeRepositoryFullname": "acme/abalone-model-build",
    "ModelBuildCodeRepositoryBranch": "release",
    "ModelDeployCodeRepositoryFullname": "acme/ml/abalone-model-deploy",
}
PATH = "templates/build-train-deploy-git.json"


@pytest.fixture(scope="module")
def resources(rendered):
    return resolve(rendered[PATH], GIT).resources()


@pytest.mark.parametrize(
    "pipeline, repository, branch",
    [("ModelBuildPipeline", "acme/abalone-model-build", "release"),
     ("ModelDeployPipeline", "acme/ml/abalone-model-deploy", "main")],
)
def test_sources_and_triggers_use_the_given_connection_repository_and_branch(resources, pipeline, repository, branch):
    props = resources[pipeline]["Properties"]
    assert props["PipelineType"] == "V2"
    source = props["Stages"][0]["Actions"][0]
    assert source["ActionTypeId"] == {"Category": "Source", "Owner": "AWS", "Provider": "CodeStarSourceConnection", "Version": "1"}
    assert source["Configuration"] == {
        "ConnectionArn": CONNECTION, "FullRepositoryId": repository, "BranchName": branch,
        "OutputArtifactFormat": "CODE_ZIP", "DetectChanges": False,
    }
    (trigger,) = props["Triggers"]
    assert trigger == {
        "ProviderType": "CodeStarSourceConnection",
        "GitConfiguration": {"SourceActionName": source["Name"], "Push": [{"Branches": {"Includes": [branch]}}]},
    }


def test_no_codecommit_and_the_same_deploy_stages(resources, rendered):
    assert not [r for r in resources.values() if r["Type"].startswith("AWS::CodeCommit")]
    codecommit = resolve(rendered["templates/build-train-deploy.json"], SAMPLE_PROJECT).resources()
    stages = lambda res: [s["Name"] for s in res["ModelDeployPipeline"]["Properties"]["Stages"]]  # noqa: E731
    assert stages(resources) == stages(codecommit)
    assert resources["ModelApprovalRule"]["Properties"]["EventPattern"] == codecommit["ModelApprovalRule"]["Properties"]["EventPattern"]


def test_approval_rule_starts_the_deploy_pipeline(aws_credentials, resources):
    group = resources["ModelPackageGroup"]["Properties"]["ModelPackageGroupName"]
    with mock_aws():
        router = EventRouter(boto3.client("events"), boto3.client("sqs"), resources)
        (delivery,) = router.route(model_package_state_event(group, 2, "Approved"))
    assert delivery.target_arn.endswith(":" + resources["ModelDeployPipeline"]["Properties"]["Name"])


@pytest.mark.parametrize(
    "parameter, value",
    [("ModelBuildCodeRepositoryFullname", "no-owner"), ("ModelBuildCodeRepositoryFullname", "acme/repo with space"),
     ("CodeConnectionArn", "arn:aws:iam::123456789012:role/x"), ("ModelDeployCodeRepositoryBranch", "bad branch")],
)
def test_parameters_reject_malformed_values(rendered, parameter, value):
    with pytest.raises(UnresolvableError):
        resolve(rendered[PATH], {**GIT, parameter: value})


def test_both_connection_arn_prefixes_are_accepted(rendered):
    legacy = CONNECTION.replace("codeconnections", "codestar-connections")
    resolve(rendered[PATH], {**GIT, "CodeConnectionArn": legacy})


@pytest.mark.parametrize(
    "checkin, pipeline, repository, branch, seed_key_parameter",
    [("ModelBuildSeedCheckin", "ModelBuildPipeline", "acme/abalone-model-build", "release", "ModelBuildSeedCodeKey"),
     ("ModelDeploySeedCheckin", "ModelDeployPipeline", "acme/ml/abalone-model-deploy", "main", "ModelDeploySeedCodeKey")],
)
def test_each_repository_is_seeded_before_its_pipeline_first_runs(rendered, resources, checkin, pipeline, repository,
                                                                    branch, seed_key_parameter):
    props = resources[checkin]["Properties"]
    template = rendered[PATH]
    assert props == {
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:sagemaker-abalone-p-abc123def456-seed",
        "BuildProjectName": "sagemaker-abalone-p-abc123def456-seed",
        "ConnectionArn": CONNECTION,
        "RepositoryFullName": repository,
        "Branch": branch,
        "SeedCodeBucket": "sagemaker-catalog-123456789012-us-east-1",
        "SeedCodeKey": template["Parameters"][seed_key_parameter]["Default"],
    }
    assert template["Parameters"][seed_key_parameter]["Default"].startswith("seedcode/")
    # A new pipeline runs once on creation; it must find the seed code there.
    assert checkin in template["Resources"][pipeline]["DependsOn"]


def test_the_seed_function_runs_under_the_lambda_role_and_outlives_its_build(resources):
    function = resources["SeedCheckinFunction"]["Properties"]
    project = resources["SeedCheckinProject"]["Properties"]
    assert function["Role"] == "arn:aws:iam::123456789012:role/service-role/AmazonSageMakerServiceCatalogProductsLambdaRole"
    assert project["ServiceRole"].endswith("role/service-role/AmazonSageMakerServiceCatalogProductsCodeBuildRole")
    longest_build = (project["QueuedTimeoutInMinutes"] + project["TimeoutInMinutes"]) * 60
    assert function["Timeout"] - longest_build >= seed_checkin.ANSWER_MARGIN_SECONDS + seed_checkin.POLL_SECONDS


def test_studio_may_leave_every_parameter_with_a_default_blank(rendered):
    template = rendered[PATH]
    rules = template["Metadata"]["SagemakerTemplateParameterRules"]
    with_default = {name for name, p in template["Parameters"].items() if "Default" in p}
    assert set(rules) == with_default
    assert {"ModelBuildCodeRepositoryBranch", "ModelDeployCodeRepositoryBranch"} <= with_default
    assert all(rule == {"Optional": True} for rule in rules.values())
    assert not {"CodeConnectionArn", "ModelBuildCodeRepositoryFullname", "SageMakerProjectName"} & set(rules)


def test_the_same_repository_for_build_and_deploy_is_refused_before_anything_is_created(rendered):
    same = {**GIT, "ModelDeployCodeRepositoryFullname": GIT["ModelBuildCodeRepositoryFullname"]}
    with pytest.raises(UnresolvableError, match="rule DistinctRepositories: The model build and model deploy"):
        resolve(rendered[PATH], same)
