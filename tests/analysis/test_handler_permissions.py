"""What CloudFormation calls as the launch role (product stacks) and the CloudFormation role
(endpoint stacks), derived from the registry schemas' handler permissions
(products/analysis/handler_permissions.py), evaluated against the roles as rendered.

One test per role lists every call its policies refuse; a resource type or property added
to a template without a decision fails with Undecided.
"""

import json
from pathlib import Path

import pytest
from cfnlint.decode import decode_str

from products.analysis import handler_permissions as cfn_permissions
from products.analysis.handler_permissions import DECISIONS, Undecided, handler_permissions, needed_calls
from products.analysis.iam_evaluator import evaluate
from products.analysis.resolve import Environment, resolve
from tests.conftest import PRODUCT_TEMPLATES, REPO_ROOT, sample_parameters

# A prod stage with every option on (guardrail alarm, autoscaling), as build.py writes its parameters.
ENDPOINT_STAGE = {
    "SageMakerProjectName": "abalone", "StageName": "prod", "EnableAutoScaling": "true", "EnableDeploymentGuardrail": "true",
    "ModelExecutionRoleArn": "arn:aws:iam::123456789012:role/service-role/AmazonSageMakerServiceCatalogProductsExecutionRole",
    "ModelPackageName": "arn:aws:sagemaker:us-east-1:123456789012:model-package/abalone-p-abc123def456/1",
    "DataCaptureUploadPath": "s3://sagemaker-project-p-abc123def456/datacapture", "EndpointInstanceType": "ml.m5.large",
    "EndpointInstanceCount": "1", "SamplingPercentage": "20", "MinCapacity": "1", "MaxCapacity": "2",
    "TargetInvocationsPerInstance": "100", "AsyncInferencePath": "s3://sagemaker-project-p-abc123def456/async-inference/prod",
}
# Every endpoint type: realtime with every option on, async scaling to zero (its step policy and backlog alarm), and
# serverless (no instances, scaling or capture).
ENDPOINT_STAGES = {
    "realtime": ENDPOINT_STAGE,
    "async": {**ENDPOINT_STAGE, "EndpointType": "async", "MinCapacity": "0", "TargetBacklogPerInstance": "5"},
    "serverless": {**ENDPOINT_STAGE, "EndpointType": "serverless", "EnableAutoScaling": "false",
                   "EnableDeploymentGuardrail": "false", "ServerlessMemorySizeInMB": "2048", "ServerlessMaxConcurrency": "5"},
}


def _calls(template: dict, parameters: dict) -> list:
    env = Environment()
    resolved = resolve(template, parameters).resources()
    calls = []
    for logical_id, resource in resolved.items():
        raw = template["Resources"][logical_id].get("Properties", {})
        calls += [(logical_id, call) for call in needed_calls(resource["Type"], raw, resource["Properties"], env)]
    return calls


def _refused(policies, calls) -> list[str]:
    return sorted({f"{logical_id}: {c.action} on {c.resource} {c.context or ''}".strip()
                   for logical_id, c in calls if not evaluate(policies, c.action, c.resource, c.context).allowed})


@pytest.mark.parametrize("path", PRODUCT_TEMPLATES)
def test_the_launch_role_allows_every_call_cloudformation_makes_for_a_product(rendered, role_policies, path):
    calls = _calls(rendered[path], sample_parameters(rendered[path]))
    assert calls
    assert _refused(role_policies["launch"], calls) == []


def _endpoint_template() -> dict:
    template, matches = decode_str((REPO_ROOT / "seedcode/model-deploy/endpoint-config-template.yml").read_text())
    assert not matches
    return template


@pytest.mark.parametrize("kind", ENDPOINT_STAGES)
def test_the_cloudformation_role_allows_every_call_for_an_endpoint_stack(role_policies, kind):
    calls = _calls(_endpoint_template(), ENDPOINT_STAGES[kind])
    instances = {"cloudwatch:PutMetricAlarm", "application-autoscaling:RegisterScalableTarget"}
    assert {c.action for _, c in calls} >= {"sagemaker:CreateEndpoint"} | (instances if kind != "serverless" else set())
    assert _refused(role_policies["cloudformation"], calls) == []


def test_service_catalog_reads_its_copy_of_the_template_as_the_launch_role(role_policies):
    """Service Catalog Administrator Guide, "Grant end users access to the portfolio": a launch
    role must allow s3:GetObject with s3:ExistingObjectTag/servicecatalog:provisioning = true
    (Service Catalog's own bucket, whose name the account does not choose)."""
    decision = evaluate(role_policies["launch"], "s3:GetObject", "arn:aws:s3:::cf-templates-abc-us-east-1/template.json",
                        {"s3:ExistingObjectTag/servicecatalog:provisioning": "true"})
    assert decision.allowed, decision.reason
    untagged = evaluate(role_policies["launch"], "s3:GetObject", "arn:aws:s3:::someone-elses-bucket/data.csv")
    assert not untagged.allowed


def test_target_tracking_creates_its_alarms_as_the_caller(role_policies):
    """Application Auto Scaling creates and deletes a target-tracking policy's alarms
    (TargetTracking-*) with the permissions of whoever calls PutScalingPolicy: here the
    CloudFormation role, for the prod stage's ScalingPolicy."""
    alarm = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:TargetTracking-endpoint/abalone-prod/variant/AllTraffic-AlarmHigh-1"
    for action in ("cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms"):
        assert evaluate(role_policies["cloudformation"], action, alarm).allowed, action


def test_the_execution_role_can_read_the_rollback_alarm(role_policies):
    """SageMaker reads an endpoint's AutoRollbackConfiguration alarms with the model's
    execution role during a blue/green update (SageMaker developer guide, deployment guardrails)."""
    alarm = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:sagemaker-abalone-prod-5xx"
    assert evaluate(role_policies["execution"], "cloudwatch:DescribeAlarms", alarm).allowed


def test_every_decision_names_a_permission_its_type_really_lists():
    stale = [key for key in DECISIONS
             if key[1] not in {p for ps in handler_permissions(key[0]).values() for p in ps}]
    assert stale == [], "decisions for permissions the schemas no longer list"


def test_every_needed_action_is_an_iam_action(rendered):
    """Schemas sometimes name the API call (s3:DeleteBucketEncryption) instead of the IAM action."""
    calls = [c for path in PRODUCT_TEMPLATES for _, c in _calls(rendered[path], sample_parameters(rendered[path]))]
    calls += [c for stage in ENDPOINT_STAGES.values() for _, c in _calls(_endpoint_template(), stage)]
    assert sorted({c.action for c in calls if not cfn_permissions.is_iam_action(c.action)}) == []


def test_a_permission_without_a_decision_is_an_error(monkeypatch):
    real = cfn_permissions.handler_permissions
    monkeypatch.setattr(cfn_permissions, "handler_permissions",
                        lambda t, region="us-east-1": {**real(t), "create": [*real(t)["create"], "kms:Decrypt"]})
    with pytest.raises(Undecided, match="AWS::SageMaker::ModelPackageGroup: decide .*create: kms:Decrypt"):
        needed_calls("AWS::SageMaker::ModelPackageGroup", {}, {"ModelPackageGroupName": "g"}, Environment())


def test_every_resource_type_of_the_templates_is_covered(rendered):
    types = {r["Type"] for path in PRODUCT_TEMPLATES for r in rendered[path]["Resources"].values()}
    types |= {r["Type"] for r in _endpoint_template()["Resources"].values()}
    uncovered = sorted(t for t in types if t not in cfn_permissions.OWN and t not in cfn_permissions.WITHOUT_HANDLERS
                       and not t.startswith("Custom::"))
    assert uncovered == []
    assert all(not handler_permissions(t) for t in cfn_permissions.WITHOUT_HANDLERS)
    json.dumps(sorted(types))
    assert Path(REPO_ROOT / "products" / "analysis" / "handler_permissions.py").exists()
