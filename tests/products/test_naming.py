"""Names fit AWS limits for the longest project name, and every resource is tagged."""

import re

import pytest

from products.blocks.naming import PROJECT_ID_TAG, PROJECT_NAME_TAG
from products.analysis.resolve import UnresolvableError, resolve
from tests.conftest import PRODUCT_TEMPLATES, sample_parameters

LONGEST = {"SageMakerProjectName": "a" + "b-" * 15 + "c", "SageMakerProjectId": "p-abcdefghijkl"}

# (resource type, name property): AWS's documented pattern for the name (length included).
NAME_RULES = {
    ("AWS::S3::Bucket", "BucketName"): r"(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
    ("AWS::CodeCommit::Repository", "RepositoryName"): r"[\w.-]{1,100}",
    ("AWS::CodeBuild::Project", "Name"): r"[A-Za-z0-9][A-Za-z0-9\-_]{1,149}",
    ("AWS::CodePipeline::Pipeline", "Name"): r"[A-Za-z0-9.@\-_]{1,100}",
    ("AWS::Events::Rule", "Name"): r"[\.\-_A-Za-z0-9]{1,64}",
    ("AWS::SageMaker::ModelPackageGroup", "ModelPackageGroupName"): r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
    ("AWS::Lambda::Function", "FunctionName"): r"[a-zA-Z0-9-_]{1,64}",
    ("AWS::Scheduler::Schedule", "Name"): r"[0-9a-zA-Z-_.]{1,64}",
    ("AWS::Scheduler::ScheduleGroup", "Name"): r"[0-9a-zA-Z-_.]{1,64}",
}
# A custom resource is the stack's answer, not an AWS resource; a Scheduler schedule takes no tags
# (AWS::Scheduler::Schedule has no Tags property), so it lives in the project's tagged schedule group.
# A Lambda permission is a statement in its function's policy, not a resource of its own.
UNTAGGABLE = ("AWS::S3::BucketPolicy", "Custom::", "AWS::Scheduler::Schedule", "AWS::Lambda::Permission")
STACK_NAME = r"[a-zA-Z][-a-zA-Z0-9]{0,127}"
SAGEMAKER_PIPELINE_NAME = r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}"


@pytest.fixture(scope="module")
def longest(product_template):
    assert len(LONGEST["SageMakerProjectName"]) == 32
    return resolve(product_template, LONGEST).resources()


def _longest(rendered, path):
    return resolve(rendered[path], {**sample_parameters(rendered[path]), **LONGEST}).resources()


@pytest.mark.parametrize("path", PRODUCT_TEMPLATES)
def test_every_product_fits_aws_limits_and_tags_everything(rendered, path):
    resources = _longest(rendered, path)
    for logical_id, resource in resources.items():
        for (resource_type, prop), pattern in NAME_RULES.items():
            if resource["Type"] == resource_type:
                name = resource["Properties"][prop]
                assert re.fullmatch(pattern, name), f"{path} {logical_id}.{prop} = {name!r}"
        if not resource["Type"].startswith(UNTAGGABLE):
            tags = {tag["Key"]: tag["Value"] for tag in resource["Properties"].get("Tags", [])}
            assert tags.get(PROJECT_ID_TAG) == LONGEST["SageMakerProjectId"], f"{path} {logical_id}"


def test_names_fit_aws_limits_for_the_longest_project_name(longest):
    checked = 0
    for logical_id, resource in longest.items():
        for (resource_type, prop), pattern in NAME_RULES.items():
            if resource["Type"] == resource_type:
                name = resource["Properties"][prop]
                assert re.fullmatch(pattern, name), f"{logical_id}.{prop} = {name!r} ({len(name)} chars)"
                checked += 1
    assert checked == 13  # bucket, group, 2 repos, 3 build projects, 2 pipelines, 3 rules, cleanup function


def test_deploy_stack_and_sagemaker_pipeline_names_fit(longest):
    stacks = [
        action["Configuration"]["StackName"]
        for stage in longest["ModelDeployPipeline"]["Properties"]["Stages"]
        for action in stage["Actions"]
        if action["ActionTypeId"]["Provider"] == "CloudFormation"
    ]
    assert len(stacks) == 2 and all(re.fullmatch(STACK_NAME, stack) for stack in stacks)
    env = {v["Name"]: v["Value"] for v in longest["ModelBuildProject"]["Properties"]["Environment"]["EnvironmentVariables"]}
    assert re.fullmatch(SAGEMAKER_PIPELINE_NAME, env["SAGEMAKER_PIPELINE_NAME"])


def test_names_carry_project_name_and_id(product_template):
    resources = resolve(product_template, LONGEST).resources()
    for logical_id, resource in resources.items():
        for (resource_type, prop), _ in NAME_RULES.items():
            if resource["Type"] == resource_type:
                name = resource["Properties"][prop]
                assert LONGEST["SageMakerProjectId"] in name, logical_id
                if resource_type != "AWS::S3::Bucket":  # bucket names must be lowercase; see naming.py
                    assert LONGEST["SageMakerProjectName"] in name, logical_id


@pytest.mark.parametrize("name", ["", "1abc", "a_b", "a" * 33, "abc-", "ab--"])
def test_project_name_parameter_rejects_what_sagemaker_rejects(product_template, name):
    with pytest.raises(UnresolvableError):
        resolve(product_template, {**LONGEST, "SageMakerProjectName": name})


def test_every_taggable_resource_carries_the_project_tags(product_template):
    resources = resolve(product_template, LONGEST).resources()
    untaggable = {"AWS::S3::BucketPolicy"}
    for logical_id, resource in resources.items():
        if resource["Type"] in untaggable or resource["Type"].startswith("Custom::"):  # custom resources take no tags
            continue
        tags = {tag["Key"]: tag["Value"] for tag in resource["Properties"].get("Tags", [])}
        assert tags.get(PROJECT_NAME_TAG) == LONGEST["SageMakerProjectName"], logical_id
        assert tags.get(PROJECT_ID_TAG) == LONGEST["SageMakerProjectId"], logical_id
