"""The image-build products, read as AWS would: what the stack creates, and every call the image build
makes checked against the role it runs as, that role's boundary, and nothing more.

docker does not run on this machine, so the build itself never runs here: its buildspec is read
statically (products/analysis/buildspec_calls.py) with the values CodeBuild would give it.
"""

from pathlib import Path

import pytest
import yaml

from products.analysis.buildspec_calls import UnreadableCommand, buildspec_calls
from products.analysis.iam_evaluator import evaluate
from products.analysis.resolve import Environment, resolve
from products.blocks import build_contract as contract
from tests.conftest import sample_parameters, seed_script

ROOT = Path(__file__).resolve().parents[2]
BUILDSPEC = yaml.safe_load((ROOT / "buildspecs" / "image-build.yml").read_text())
PRODUCTS = ["templates/image-build.json", "templates/image-build-git.json"]
ACCOUNT, REGION = Environment.account, Environment.region
COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(scope="module", params=PRODUCTS)
def resources(request, rendered):
    template = rendered[request.param]
    return resolve(template, sample_parameters(template)).resources()


@pytest.fixture(scope="module")
def boundary(rendered):
    return resolve(rendered["roles.json"], {}).resources()["ImageBuildBoundary"]["Properties"]["PolicyDocument"]


def _build_variables(resources) -> dict:
    """What the build's shell holds: the project's variables, CodeBuild's, and what the buildspec computes."""
    project = resources["ImageBuildProject"]["Properties"]
    variables = {v["Name"]: v["Value"] for v in project["Environment"]["EnvironmentVariables"]}
    base_image = seed_script("image-build", "base_image.py").base_image(REGION)
    version = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:image-version/{variables['SAGEMAKER_IMAGE_NAME']}/3"
    return {**variables, "AWS_REGION": REGION, "CODEBUILD_RESOLVED_SOURCE_VERSION": COMMIT,
            "CODEBUILD_BUILD_NUMBER": "7", "BASE_IMAGE": base_image, "IMAGE_TAG": f"{COMMIT}-7",
            "VERSION_ARN": version}


# base_image.py looks a region up in a table (no AWS call; the seed repo's tests cover it).
SILENT = {"python3 base_image.py us-east-1"}


def _allowed(resources, boundary, authorization) -> bool:
    """IAM allows a bounded role's call when its own policy and its boundary both allow it."""
    own = [p["PolicyDocument"] for p in resources["ImageBuildRole"]["Properties"]["Policies"]]
    return all(evaluate(policies, authorization.action, authorization.resource, authorization.context).allowed
               for policies in (own, [boundary]))


def test_the_repository_scans_on_push_keeps_tags_and_expires_old_images(resources):
    repository = resources["ImageRepository"]["Properties"]
    assert repository["ImageScanningConfiguration"] == {"ScanOnPush": True}
    assert repository["ImageTagMutability"] == "IMMUTABLE"
    assert '"countType": "imageCountMoreThan"' in repository["LifecyclePolicy"]["LifecyclePolicyText"]
    assert repository["EmptyOnDelete"] is True
    project = resources["ImageBuildProject"]["Properties"]
    assert project["Environment"]["PrivilegedMode"] is True
    assert project["ServiceRole"] == f"arn:aws:iam::{ACCOUNT}:role/service-role/sagemaker-image-build-p-abc123def456"


def test_every_call_of_the_image_build_is_allowed_by_its_role_and_boundary(resources, boundary):
    calls = buildspec_calls(BUILDSPEC, _build_variables(resources), REGION, ACCOUNT, SILENT)
    versions = {c.authorization.resource for c in calls if c.authorization.action == "sagemaker:DescribeImageVersion"}
    assert versions == {f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:image-version/sagemaker-project-p-abc123def456/3"}
    actions = {call.authorization.action for call in calls}
    assert {"ecr:GetAuthorizationToken", "ecr:PutImage", "ecr:GetDownloadUrlForLayer",
            "sagemaker:CreateImageVersion", "sagemaker:DescribeImageVersion"} <= actions
    refused = [f"{c.authorization.action} on {c.authorization.resource} ({c.command})" for c in calls
               if not _allowed(resources, boundary, c.authorization)]
    assert not refused


@pytest.mark.parametrize("action, resource", [
    # another project's repository and image, in the same account
    ("ecr:PutImage", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/sagemaker-project-p-0therproject"),
    ("ecr:InitiateLayerUpload", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/sagemaker-project-p-0therproject"),
    ("sagemaker:CreateImageVersion", f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:image/sagemaker-project-p-0therproject"),
    # pushing to the base image's repository, deleting its own images, reading other repositories
    ("ecr:PutImage", f"arn:aws:ecr:{REGION}:683313688378:repository/sagemaker-scikit-learn"),
    ("ecr:BatchDeleteImage", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/sagemaker-project-p-abc123def456"),
    ("ecr:GetDownloadUrlForLayer", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/some-team-secret-image"),
    # anything of the SageMaker projects' shared CodeBuild role
    ("sagemaker:StartPipelineExecution", f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/sagemaker-abalone-p-1"),
])
def test_the_build_role_may_do_nothing_else(resources, boundary, action, resource):
    from products.analysis.iam_resources import Authorization

    assert not _allowed(resources, boundary, Authorization(action, resource))


def test_the_boundary_caps_a_role_whose_own_policy_grants_more(boundary):
    """Were a stack to give its build role every ECR action, the boundary still refuses other repositories."""
    assert not evaluate([boundary], "ecr:PutImage", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/team-x").allowed
    assert evaluate([boundary], "ecr:PutImage",
                    f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/sagemaker-project-p-abc123def456").allowed


@pytest.mark.parametrize("role", ["launch", "s3_launch"])
def test_a_launch_role_creates_build_roles_only_with_the_boundary(role_policies, rendered, role):
    policies = role_policies[role.replace("_", "")]
    build_role = f"arn:aws:iam::{ACCOUNT}:role/service-role/sagemaker-image-build-p-abc123def456"
    boundary_arn = f"arn:aws:iam::{ACCOUNT}:policy/service-role/AmazonSageMakerProjectsImageBuildBoundary"
    for action in ("iam:CreateRole", "iam:PutRolePolicy"):
        assert evaluate(policies, action, build_role, {"iam:PermissionsBoundary": boundary_arn}).allowed
        assert not evaluate(policies, action, build_role, {}).allowed
        assert not evaluate(policies, action, build_role,
                            {"iam:PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/AdministratorAccess"}).allowed
        assert not evaluate(policies, action, f"arn:aws:iam::{ACCOUNT}:role/service-role/admin",
                            {"iam:PermissionsBoundary": boundary_arn}).allowed
    assert not evaluate(policies, "iam:DeleteRolePermissionsBoundary", build_role).allowed
    assert not evaluate(policies, "iam:CreatePolicyVersion", boundary_arn).allowed


def test_a_command_the_check_cannot_read_is_refused_not_passed(resources):
    variables = _build_variables(resources)
    unknown = {"phases": {"build": {"commands": ["curl -X PUT https://example.com"]}}}
    with pytest.raises(UnreadableCommand, match="curl is not a command this check reads"):
        buildspec_calls(unknown, variables, REGION, ACCOUNT)
    unset = {"phases": {"build": {"commands": ["docker push $SOMEWHERE"]}}}
    with pytest.raises(UnreadableCommand, match=r"\$SOMEWHERE has no value"):
        buildspec_calls(unset, variables, REGION, ACCOUNT)
    hidden = {"phases": {"build": {"commands": ['IMAGE_TAG="$(curl https://example.com)"']}}}
    with pytest.raises(UnreadableCommand, match="curl is not a command this check reads"):
        buildspec_calls(hidden, variables, REGION, ACCOUNT)  # a substitution is read like any command
    script = {"phases": {"build": {"commands": ['BASE_IMAGE="$(python3 base_image.py "$AWS_REGION")"']}}}
    with pytest.raises(UnreadableCommand, match="python3 is not a command this check reads"):
        buildspec_calls(script, variables, REGION, ACCOUNT)  # silent only where the caller vouches for it


def test_a_call_to_another_region_is_checked_there(resources, boundary):
    other = {"phases": {"build": {"commands": ['aws sagemaker create-image-version --region eu-west-1 '
                                               '--image-name "$SAGEMAKER_IMAGE_NAME" --base-image x']}}}
    (call,) = buildspec_calls(other, _build_variables(resources), REGION, ACCOUNT)
    assert call.authorization.resource.startswith("arn:aws:sagemaker:eu-west-1:")


def test_the_ecr_actions_the_role_grants_are_those_the_check_asks_for():
    from products.analysis import buildspec_calls as check
    from products.blocks import image_build

    assert set(check.PUSH) == set(image_build.ECR_PUSH_ACTIONS) and set(check.PULL) == set(image_build.ECR_PULL_ACTIONS)


def test_the_buildspec_tags_with_the_commit_and_registers_the_pushed_image():
    commands = "\n".join(BUILDSPEC["phases"]["build"]["commands"])
    assert 'IMAGE_TAG="${CODEBUILD_RESOLVED_SOURCE_VERSION}-${CODEBUILD_BUILD_NUMBER}"' in commands
    assert commands.index('test -n "$CODEBUILD_RESOLVED_SOURCE_VERSION"') < commands.index("IMAGE_TAG=")
    assert 'docker push "$IMAGE_REPOSITORY_URI:$IMAGE_TAG"' in commands
    assert '--base-image "$IMAGE_REPOSITORY_URI:$IMAGE_TAG"' in commands
    dockerfile = (ROOT / "seedcode" / "image-build" / "Dockerfile").read_text()
    assert "FROM ${BASE_IMAGE}" in dockerfile  # the image the build's --build-arg names is the one pulled
    assert contract.IMAGE_BUILD.buildspecs == {"image-build.yml": "buildspec.yml"}
