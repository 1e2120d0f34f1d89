"""The product's EventBridge rules fire on exactly the events they should.

Documented-shape events are put on moto's default bus, where each synthesized rule
(resolved for a sample project) targets its own SQS queue. moto's TestEventPattern is
a no-op that matches nothing, so real routing is the only meaningful check.
"""

import boto3
import pytest
from moto import mock_aws

from products.local_aws.event_shapes import codecommit_reference_event, model_package_state_event
from products.local_aws.event_routing import EventRouter
from products.analysis.resolve import resolve
from tests.conftest import SAMPLE_PROJECT
from tests.conftest import sample_parameters

PROJECT = f"{SAMPLE_PROJECT['SageMakerProjectName']}-{SAMPLE_PROJECT['SageMakerProjectId']}"
BUILD_REPO = f"sagemaker-{PROJECT}-modelbuild"
DEPLOY_REPO = f"sagemaker-{PROJECT}-modeldeploy"
GROUP = PROJECT
OTHER_PROJECT = "abalone-p-zzzzzzzzzzzz"


@pytest.fixture
def routed(aws_credentials, product_template):
    """A function: event -> set of logical ids of the rules that delivered it."""
    resources = resolve(product_template, SAMPLE_PROJECT).resources()
    with mock_aws():
        router = EventRouter(boto3.client("events"), boto3.client("sqs"), resources)
        yield lambda event: {delivery.rule for delivery in router.route(event)}


@pytest.mark.parametrize(
    "event, expected",
    [
        (codecommit_reference_event(BUILD_REPO, "main"), {"ModelBuildPushRule"}),
        (codecommit_reference_event(BUILD_REPO, "main", event="referenceCreated"), {"ModelBuildPushRule"}),
        (codecommit_reference_event(DEPLOY_REPO, "main"), {"ModelDeployPushRule"}),
        (codecommit_reference_event(DEPLOY_REPO, "main", event="referenceCreated"), {"ModelDeployPushRule"}),
        (model_package_state_event(GROUP, 3, "Approved"), {"ModelApprovalRule"}),
        (model_package_state_event(GROUP, 3, "Rejected"), {"ModelApprovalRule"}),
    ],
    ids=["build-push", "build-branch-created", "deploy-push", "deploy-branch-created", "approved", "rejected"],
)
def test_rule_fires(routed, event, expected):
    assert routed(event) == expected


@pytest.mark.parametrize(
    "event",
    [
        codecommit_reference_event(BUILD_REPO, "develop"),
        codecommit_reference_event(BUILD_REPO, "main", event="referenceDeleted"),
        codecommit_reference_event(BUILD_REPO, "main", event="referenceCreated", reference_type="tag"),
        codecommit_reference_event(DEPLOY_REPO, "feature/main"),
        codecommit_reference_event(f"sagemaker-{OTHER_PROJECT}-modelbuild", "main"),
        codecommit_reference_event(BUILD_REPO, "main", account="210987654321"),
        model_package_state_event(GROUP, 3, "PendingManualApproval"),
        model_package_state_event(OTHER_PROJECT, 1, "Approved"),
        model_package_state_event(f"{GROUP}-shadow", 1, "Approved"),
    ],
    ids=[
        "other-branch", "branch-deleted", "tag-named-main", "branch-suffix-main", "other-project-repo",
        "same-name-other-account", "pending", "other-project-group", "group-name-prefix",
    ],
)
def test_rule_does_not_fire(routed, event):
    assert routed(event) == set()


def test_approval_event_without_status_starts_nothing(routed):
    event = model_package_state_event(GROUP, 4, "Approved")
    del event["detail"]["ModelApprovalStatus"]
    assert routed(event) == set()


def test_rules_target_the_right_pipelines(product_template):
    resources = resolve(product_template, SAMPLE_PROJECT).resources()
    pipeline_names = {k: r["Properties"]["Name"] for k, r in resources.items() if r["Type"] == "AWS::CodePipeline::Pipeline"}
    expected = {
        "ModelBuildPushRule": "ModelBuildPipeline",
        "ModelDeployPushRule": "ModelDeployPipeline",
        "ModelApprovalRule": "ModelDeployPipeline",
    }
    for rule, pipeline in expected.items():
        (target,) = resources[rule]["Properties"]["Targets"]
        assert target["Arn"] == f"arn:aws:codepipeline:us-east-1:123456789012:{pipeline_names[pipeline]}"
        assert target["RoleArn"].endswith(":role/service-role/AmazonSageMakerServiceCatalogProductsEventsRole")


def test_deploy_product_follows_the_given_group_not_its_own(aws_credentials, rendered):
    resources = resolve(rendered["templates/deploy.json"], {**SAMPLE_PROJECT, "SourceModelPackageGroupName": "team-models"}).resources()
    with mock_aws():
        router = EventRouter(boto3.client("events"), boto3.client("sqs"), resources)
        fired = lambda event: {d.rule for d in router.route(event)}  # noqa: E731
        assert fired(model_package_state_event("team-models", 7, "Approved")) == {"ModelApprovalRule"}
        assert fired(model_package_state_event(GROUP, 7, "Approved")) == set()
        assert fired(codecommit_reference_event(DEPLOY_REPO, "main")) == {"ModelDeployPushRule"}


# Every product with an approval rule, resolved for a sample project, and the group it follows.
APPROVAL_PRODUCTS = {
    "templates/build-train-deploy.json": GROUP,
    "templates/build-train-deploy-git.json": GROUP,
    "templates/deploy.json": "team-models",
    "templates/deploy-git.json": "team-models",
}


def _approval_cases(group):
    no_status = model_package_state_event(group, 4, "Approved")
    del no_status["detail"]["ModelApprovalStatus"]
    return [
        (model_package_state_event(group, 3, "Approved"), True),
        (model_package_state_event(group, 3, "Rejected"), True),
        (model_package_state_event(group, 3, "PendingManualApproval"), False),
        (model_package_state_event(OTHER_PROJECT, 1, "Approved"), False),
        (model_package_state_event(f"{group}-shadow", 1, "Approved"), False),
        (model_package_state_event(group, 3, "Approved", account="210987654321"), False),
        (model_package_state_event(group, 3, "Approved", region="eu-west-1"), False),
        (no_status, False),
    ]


@pytest.mark.parametrize("path", sorted(APPROVAL_PRODUCTS))
def test_every_approval_rule_fires_on_its_group_decisions_only(aws_credentials, rendered, path):
    group = APPROVAL_PRODUCTS[path]
    resources = resolve(rendered[path], sample_parameters(rendered[path])).resources()
    deploy_pipeline = resources["ModelDeployPipeline"]["Properties"]["Name"]
    with mock_aws():
        router = EventRouter(boto3.client("events"), boto3.client("sqs"), resources)
        for event, fires in _approval_cases(group):
            deliveries = [d for d in router.route(event) if d.rule == "ModelApprovalRule"]
            label = (event["detail"].get("ModelApprovalStatus"), event["detail"]["ModelPackageGroupName"], event["account"])
            assert bool(deliveries) == fires, f"{path}: {label}"
            assert all(d.target_arn.endswith(":" + deploy_pipeline) for d in deliveries)
