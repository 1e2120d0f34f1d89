"""What CloudFormation calls, as a stack's role, to manage each resource of a template.

Source of truth: the CloudFormation registry schemas cfn-lint bundles
(``handlers.{create,read,update,delete}.permissions`` per resource type). The read and
delete handlers always run (create ends with a read). A create or update permission of
the resource's own service is needed unless the reviewed list below ties it to a
property the template does not set; a permission of another service is needed only as
the list decides. A permission with no decision is an error, so a template that gains a
resource type or property is reviewed before its role is trusted.

Each needed permission comes with the ARN it acts on (the resource's own, or the one its
decision names) and the condition context the service adds, so that a role's policies
can be evaluated for it (iam_evaluator.py).
"""

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

from products.analysis import registry_schemas
from products.analysis.iam_resources import Authorization

HANDLERS = ("create", "read", "update", "delete")


class Undecided(ValueError):
    """Permissions the reviewed list says nothing about; the message lists them."""


@dataclass(frozen=True)
class Decision:
    when: str | None = None  # property path that makes it needed ("A.B", "A[].B"); None: always
    never: str | None = None  # why it cannot apply to a resource of our templates
    resource: Callable | None = None  # (resolved properties, env) -> ARN; None: the resource's own
    context: dict = field(default_factory=dict)
    context_of: Callable | None = None  # (resolved properties, env) -> context, where it depends on the resource
    authorized_as: str | None = None  # the IAM action, where the schema names the API call instead


@lru_cache(maxsize=None)
def iam_actions() -> dict[str, set[str]]:
    """IAM's actions per service prefix (lowercase), as cfn-lint bundles them (rule W3037)."""
    import cfnlint.data.AdditionalSpecs as specs

    policies = json.loads((Path(specs.__file__).parent / "Policies.json").read_text())
    return {prefix: set(service["Actions"]) for prefix, service in policies.items()}


def is_iam_action(permission: str) -> bool:
    prefix, _, name = permission.partition(":")
    return name.lower() in iam_actions().get(prefix, set())


def handler_permissions(resource_type: str, region: str = "us-east-1") -> dict[str, list[str]]:
    """The permissions of each handler of ``resource_type`` ({} for a type with no registry handlers)."""
    handlers = registry_schemas.schema(resource_type, region).get("handlers", {})
    return {h: handlers[h]["permissions"] for h in HANDLERS if h in handlers}


def _arn(service: str, pattern: str):
    return lambda p, env: f"arn:aws:{service}:{env.region}:{env.account}:" + pattern.format(**p)


def _role_arn(key: str):
    return lambda p, env: p[key]


# Each type's own ARN (what its own service's permissions act on) and service prefix.
OWN = {
    "AWS::S3::Bucket": ("s3", lambda p, env: f"arn:aws:s3:::{p['BucketName']}"),
    "AWS::S3::BucketPolicy": ("s3", lambda p, env: f"arn:aws:s3:::{p['Bucket']}"),
    "AWS::CodeCommit::Repository": ("codecommit", _arn("codecommit", "{RepositoryName}")),
    "AWS::CodePipeline::Pipeline": ("codepipeline", _arn("codepipeline", "{Name}")),
    "AWS::Events::Rule": ("events", _arn("events", "rule/{Name}")),
    "AWS::Lambda::Function": ("lambda", _arn("lambda", "function:{FunctionName}")),
    # A permission acts on its function (FunctionName is the function's name here: a Ref).
    "AWS::Lambda::Permission": ("lambda", _arn("lambda", "function:{FunctionName}")),
    "AWS::SageMaker::ModelPackageGroup": ("sagemaker", lambda p, env:
                                          f"arn:aws:sagemaker:{env.region}:{env.account}:model-package-group/{p['ModelPackageGroupName'].lower()}"),
    # Names CloudFormation generates (no name property): <logical id>-<random>, lowercased in ARNs.
    "AWS::SageMaker::Model": ("sagemaker", _arn("sagemaker", "model/model-*")),
    "AWS::SageMaker::EndpointConfig": ("sagemaker", _arn("sagemaker", "endpoint-config/endpointconfig-*")),
    "AWS::SageMaker::Endpoint": ("sagemaker", lambda p, env:
                                 f"arn:aws:sagemaker:{env.region}:{env.account}:endpoint/{p['EndpointName'].lower()}"),
    "AWS::CloudWatch::Alarm": ("cloudwatch", _arn("cloudwatch", "alarm:{AlarmName}")),
    "AWS::ApplicationAutoScaling::ScalableTarget": ("application-autoscaling", _arn("application-autoscaling", "scalable-target/*")),
    "AWS::ApplicationAutoScaling::ScalingPolicy": ("application-autoscaling", _arn("application-autoscaling", "scalable-target/*")),
    # A key's id is generated: any key of the account (the launch role holds keys by their aliases).
    "AWS::KMS::Key": ("kms", _arn("kms", "key/*")),
    "AWS::KMS::Alias": ("kms", _arn("kms", "{AliasName}")),
    "AWS::Scheduler::Schedule": ("scheduler", _arn("scheduler", "schedule/{GroupName}/{Name}")),
    "AWS::Scheduler::ScheduleGroup": ("scheduler", _arn("scheduler", "schedule-group/{Name}")),
    "AWS::ECR::Repository": ("ecr", _arn("ecr", "repository/{RepositoryName}")),
    "AWS::SageMaker::Image": ("sagemaker", lambda p, env:
                              f"arn:aws:sagemaker:{env.region}:{env.account}:image/{p['ImageName'].lower()}"),
    "AWS::IAM::Role": ("iam", lambda p, env: f"arn:aws:iam::{env.account}:role{p.get('Path', '/')}{p['RoleName']}"),
    "AWS::IAM::OIDCProvider": ("iam", lambda p, env:
                               f"arn:aws:iam::{env.account}:oidc-provider/{p['Url'].removeprefix('https://')}"),
}

# Types with no registry handlers: CloudFormation's own (legacy) code manages them, so
# there is nothing to derive; the grants for them are reviewed by hand in products/catalog/roles.py.
WITHOUT_HANDLERS = {
    "AWS::CodeBuild::Project": "not a registry resource type (the schema lists no handler permissions)",
}

_NOT_SET = "our templates never set {}"
_TARGET_TRACKING_ALARMS = _arn("cloudwatch", "alarm:TargetTracking-*")


def _s3_bucket_decisions() -> dict:
    by_property = {
        "AccelerateConfiguration": ["s3:PutAccelerateConfiguration"],
        "AnalyticsConfigurations": ["s3:PutAnalyticsConfiguration", "s3:DeleteBucketAnalyticsConfiguration"],
        "AbacStatus": ["s3:PutBucketAbac"],
        "AccessControl": ["s3:PutBucketAcl", "s3:PutObjectAcl"],
        "CorsConfiguration": ["s3:PutBucketCORS", "s3:DeleteBucketCors"],
        "LoggingConfiguration": ["s3:PutBucketLogging"],
        "NotificationConfiguration": ["s3:PutBucketNotification"],
        "ObjectLockConfiguration": ["s3:PutBucketObjectLockConfiguration", "s3:PutObjectLockConfiguration"],
        "OwnershipControls": ["s3:PutBucketOwnershipControls"],
        "PublicAccessBlockConfiguration": ["s3:PutBucketPublicAccessBlock"],
        "ReplicationConfiguration": ["s3:PutBucketReplication", "s3:PutReplicationConfiguration",
                                     "s3:DeleteBucketReplication"],
        "Tags": ["s3:PutBucketTagging", "s3:TagResource", "s3:UntagResource"],
        "VersioningConfiguration": ["s3:PutBucketVersioning"],
        "WebsiteConfiguration": ["s3:PutBucketWebsite", "s3:DeleteBucketWebsite"],
        "BucketEncryption": ["s3:PutEncryptionConfiguration"],
        "IntelligentTieringConfigurations": ["s3:PutIntelligentTieringConfiguration"],
        "InventoryConfigurations": ["s3:PutInventoryConfiguration"],
        "LifecycleConfiguration": ["s3:PutLifecycleConfiguration", "s3:DeleteBucketLifecycle"],
        "MetricsConfigurations": ["s3:PutMetricsConfiguration", "s3:DeleteBucketMetricsConfiguration"],
        "MetadataTableConfiguration": ["s3:CreateBucketMetadataTableConfiguration", "s3:GetBucketMetadataTableConfiguration",
                                       "s3:DeleteBucketMetadataTableConfiguration"],
        "MetadataConfiguration": ["s3:UpdateBucketMetadataAnnotationTableConfiguration",
                                  "s3:UpdateBucketMetadataInventoryTableConfiguration",
                                  "s3:UpdateBucketMetadataJournalTableConfiguration"],
    }
    decisions = {("AWS::S3::Bucket", p): Decision(when=prop) for prop, permissions in by_property.items() for p in permissions}
    decisions[("AWS::S3::Bucket", "s3:GetBucketMetadataTableConfiguration")] = Decision(never=_NOT_SET.format("MetadataTableConfiguration"))
    decisions[("AWS::S3::Bucket", "s3:DeleteObject")] = Decision(
        when="MetadataTableConfiguration", resource=lambda p, env: f"arn:aws:s3:::{p['BucketName']}/*")
    decisions[("AWS::S3::Bucket", "iam:PassRole")] = Decision(when="ReplicationConfiguration")
    # API names the schema lists where IAM has none: S3 authorizes each as its Put action
    # (S3 API Reference, e.g. DeleteBucketEncryption: "requires s3:PutEncryptionConfiguration").
    for api, action, prop in (("DeleteBucketEncryption", "PutEncryptionConfiguration", "BucketEncryption"),
                              ("DeleteBucketCors", "PutBucketCORS", "CorsConfiguration"),
                              ("DeleteBucketLifecycle", "PutLifecycleConfiguration", "LifecycleConfiguration"),
                              ("DeleteBucketReplication", "PutReplicationConfiguration", "ReplicationConfiguration"),
                              ("PutBucketReplication", "PutReplicationConfiguration", "ReplicationConfiguration"),
                              ("DeleteBucketAnalyticsConfiguration", "PutAnalyticsConfiguration", "AnalyticsConfigurations"),
                              ("DeleteBucketMetricsConfiguration", "PutMetricsConfiguration", "MetricsConfigurations")):
        decisions[("AWS::S3::Bucket", f"s3:{api}")] = Decision(when=prop, authorized_as=f"s3:{action}")
    for permission in ("CreateNamespace", "CreateTable", "CreateTableBucket", "GetTable", "GetTableMetadataLocation",
                       "PutTableBucketPolicy", "PutTableEncryption", "PutTablePolicy", "UpdateTableMetadataLocation"):
        decisions[("AWS::S3::Bucket", f"s3tables:{permission}")] = Decision(when="MetadataTableConfiguration")
    return decisions


# Tagging calls apply only to a resource the template tags (the bucket's are in its own list).
_TAGGING = {
    "AWS::CodeCommit::Repository": ("codecommit:TagResource", "codecommit:UntagResource"),
    "AWS::CodePipeline::Pipeline": ("codepipeline:TagResource", "codepipeline:UntagResource"),
    "AWS::Events::Rule": ("events:TagResource", "events:UntagResource"),
    "AWS::Lambda::Function": ("lambda:TagResource", "lambda:UntagResource"),
    "AWS::SageMaker::ModelPackageGroup": ("sagemaker:AddTags", "sagemaker:DeleteTags"),
    "AWS::SageMaker::Model": ("sagemaker:AddTags", "sagemaker:DeleteTags"),
    "AWS::SageMaker::EndpointConfig": ("sagemaker:AddTags", "sagemaker:DeleteTags"),
    "AWS::SageMaker::Endpoint": ("sagemaker:AddTags", "sagemaker:DeleteTags"),
    "AWS::CloudWatch::Alarm": ("cloudwatch:TagResource", "cloudwatch:UntagResource"),
    "AWS::ApplicationAutoScaling::ScalableTarget": ("application-autoscaling:TagResource",
                                                    "application-autoscaling:UntagResource"),
    "AWS::Scheduler::ScheduleGroup": ("scheduler:TagResource", "scheduler:UntagResource"),
}

def _image_build_decisions() -> dict:
    """The image-build products: their ECR repository, SageMaker image and build role.

    The role's calls that write permissions carry the boundary it is created with (condition key
    iam:PermissionsBoundary), so a launch role that allows them only with the catalog's boundary is
    checked as IAM would check it.
    """
    bounded = lambda p, env: {"iam:PermissionsBoundary": p["PermissionsBoundary"]}  # noqa: E731
    role = "AWS::IAM::Role"
    decisions = {
        ("AWS::ECR::Repository", "ecr:SetRepositoryPolicy"): Decision(when="RepositoryPolicyText"),
        ("AWS::ECR::Repository", "ecr:DeleteRepositoryPolicy"): Decision(when="RepositoryPolicyText"),
        **{("AWS::ECR::Repository", f"kms:{a}"): Decision(when="EncryptionConfiguration.KmsKey")
           for a in ("DescribeKey", "CreateGrant", "RetireGrant")},
        ("AWS::SageMaker::Image", "iam:PassRole"): Decision(
            resource=lambda p, env: p["ImageRoleArn"], context={"iam:PassedToService": "sagemaker.amazonaws.com"}),
        (role, "iam:AttachRolePolicy"): Decision(when="ManagedPolicyArns"),
        (role, "iam:DetachRolePolicy"): Decision(when="ManagedPolicyArns"),
        ("AWS::IAM::OIDCProvider", "iam:DeleteOpenIDConnectProvider"): Decision(
            never="the GitHub provider is retained (DeletionPolicy Retain): other projects' roles trust it"),
        (role, "iam:DeleteRolePermissionsBoundary"): Decision(
            never="every role our templates create keeps its boundary; the launch roles may not remove it"),
    }
    for action in ("iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary"):
        decisions[(role, action)] = Decision(context_of=bounded)
    return decisions


DECISIONS = {
    **_s3_bucket_decisions(),
    **{(resource_type, permission): Decision(when="Tags")
       for resource_type, permissions in _TAGGING.items() for permission in permissions},
    # CodeCommit: the seed zip is committed as the caller (Code.S3), read from the asset bucket.
    ("AWS::CodeCommit::Repository", "codecommit:CreateCommit"): Decision(when="Code"),
    ("AWS::CodeCommit::Repository", "s3:GetObject"): Decision(
        when="Code", resource=lambda p, env: f"arn:aws:s3:::{p['Code']['S3']['Bucket']}/{p['Code']['S3']['Key']}"),
    ("AWS::CodeCommit::Repository", "s3:GetObjectVersion"): Decision(
        when="Code.S3.ObjectVersion", resource=lambda p, env: f"arn:aws:s3:::{p['Code']['S3']['Bucket']}/{p['Code']['S3']['Key']}"),
    ("AWS::CodeCommit::Repository", "codecommit:PutRepositoryTriggers"): Decision(when="Triggers"),
    ("AWS::CodeCommit::Repository", "codecommit:UpdateRepositoryEncryptionKey"): Decision(when="KmsKeyId"),
    ("AWS::CodeCommit::Repository", "codecommit:UpdateRepositoryName"): Decision(
        never="the name is made of the project's name and id, which never change"),
    ("AWS::CodeCommit::Repository", "codecommit:ListRepositories"): Decision(resource=lambda p, env: "*"),
    # CodePipeline: its role is passed; a CodeStarSourceConnection source passes the connection.
    ("AWS::CodePipeline::Pipeline", "iam:PassRole"): Decision(
        resource=_role_arn("RoleArn"), context={"iam:PassedToService": "codepipeline.amazonaws.com"}),
    ("AWS::CodePipeline::Pipeline", "iam:GetRole"): Decision(resource=_role_arn("RoleArn")),
    ("AWS::CodePipeline::Pipeline", "codestar-connections:PassConnection"): Decision(
        when="Stages[].Actions[].Configuration.ConnectionArn",
        resource=lambda p, env: next(a["Configuration"]["ConnectionArn"] for s in p["Stages"] for a in s["Actions"]
                                     if "ConnectionArn" in a.get("Configuration", {})),
        context={"codestar-connections:PassedToService": "codepipeline.amazonaws.com"}),
    # EventBridge: target roles are passed (the handlers list PassRole for every operation).
    ("AWS::Events::Rule", "iam:PassRole"): Decision(
        when="Targets[].RoleArn", resource=lambda p, env: next(t["RoleArn"] for t in p["Targets"] if "RoleArn" in t),
        context={"iam:PassedToService": "events.amazonaws.com"}),
    # Lambda (the seed check-in function: inline code, no VPC, no CMK, no layers).
    ("AWS::Lambda::Function", "iam:PassRole"): Decision(
        resource=_role_arn("Role"), context={"iam:PassedToService": "lambda.amazonaws.com"}),
    **{("AWS::Lambda::Function", f"ec2:{a}"): Decision(when="VpcConfig")
       for a in ("DescribeSecurityGroups", "DescribeSubnets", "DescribeVpcs", "DescribeNetworkInterfaces")},
    ("AWS::Lambda::Function", "elasticfilesystem:DescribeMountTargets"): Decision(when="FileSystemConfigs"),
    ("AWS::Lambda::Function", "s3files:ListMountTargets"): Decision(when="FileSystemConfigs"),
    **{("AWS::Lambda::Function", f"kms:{a}"): Decision(when="KmsKeyArn")
       for a in ("CreateGrant", "Decrypt", "DescribeKey", "Encrypt", "GenerateDataKey")},
    ("AWS::Lambda::Function", "s3:GetObject"): Decision(when="Code.S3Bucket"),
    ("AWS::Lambda::Function", "s3:GetObjectVersion"): Decision(when="Code.S3ObjectVersion"),
    ("AWS::Lambda::Function", "lambda:GetLayerVersion"): Decision(when="Layers"),
    ("AWS::Lambda::Function", "lambda:GetCodeSigningConfig"): Decision(when="CodeSigningConfigArn"),
    ("AWS::Lambda::Function", "lambda:PutFunctionCodeSigningConfig"): Decision(when="CodeSigningConfigArn"),
    ("AWS::Lambda::Function", "lambda:DeleteFunctionCodeSigningConfig"): Decision(when="CodeSigningConfigArn"),
    ("AWS::Lambda::Function", "lambda:PutFunctionConcurrency"): Decision(when="ReservedConcurrentExecutions"),
    ("AWS::Lambda::Function", "lambda:DeleteFunctionConcurrency"): Decision(when="ReservedConcurrentExecutions"),
    ("AWS::Lambda::Function", "lambda:PutFunctionRecursionConfig"): Decision(when="RecursiveLoop"),
    ("AWS::Lambda::Function", "lambda:PutRuntimeManagementConfig"): Decision(when="RuntimeManagementConfig"),
    ("AWS::Lambda::Function", "lambda:PutFunctionScalingConfig"): Decision(when="FunctionScalingConfig"),
    ("AWS::Lambda::Function", "lambda:PassCapacityProvider"): Decision(when="CapacityProviderConfig"),
    ("AWS::Lambda::Function", "lambda:AssociateRuntimeAlias"): Decision(when="PublishToLatestPublished"),
    ("AWS::Lambda::Function", "lambda:PublishVersion"): Decision(when="PublishToLatestPublished"),
    # Model package group: the resource policy (multi-account read) is optional; its read always runs.
    ("AWS::SageMaker::ModelPackageGroup", "sagemaker:PutModelPackageGroupPolicy"): Decision(when="ModelPackageGroupPolicy"),
    ("AWS::SageMaker::ModelPackageGroup", "sagemaker:DeleteModelPackageGroupPolicy"): Decision(when="ModelPackageGroupPolicy"),
    # The endpoint stack (as the CloudFormation role).
    ("AWS::SageMaker::Model", "iam:PassRole"): Decision(
        resource=_role_arn("ExecutionRoleArn"), context={"iam:PassedToService": "sagemaker.amazonaws.com"}),
    ("AWS::SageMaker::EndpointConfig", "iam:PassRole"): Decision(when="ExecutionRoleArn"),
    ("AWS::SageMaker::EndpointConfig", "kms:DescribeKey"): Decision(when="KmsKeyId"),
    ("AWS::ApplicationAutoScaling::ScalableTarget", "application-autoscaling:PutScheduledAction"): Decision(when="ScheduledActions"),
    ("AWS::ApplicationAutoScaling::ScalableTarget", "application-autoscaling:DeleteScheduledAction"): Decision(when="ScheduledActions"),
    ("AWS::ApplicationAutoScaling::ScalableTarget", "iam:PassRole"): Decision(when="RoleARN"),
    ("AWS::ApplicationAutoScaling::ScalableTarget", "iam:CreateServiceLinkedRole"): Decision(
        resource=lambda p, env: f"arn:aws:iam::{env.account}:role/aws-service-role/sagemaker.application-autoscaling"
                                ".amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint",
        context={"iam:AWSServiceName": "sagemaker.application-autoscaling.amazonaws.com"}),
    **{("AWS::ApplicationAutoScaling::ScalableTarget", f"cloudwatch:{a}"): Decision(resource=_TARGET_TRACKING_ALARMS)
       for a in ("PutMetricAlarm", "DescribeAlarms", "DeleteAlarms")},
    **{("AWS::ApplicationAutoScaling::ScalableTarget", f"lambda:{a}"): Decision(
        never="ServiceNamespace is sagemaker, not lambda (provisioned concurrency)")
       for a in ("DeleteProvisionedConcurrencyConfig", "GetProvisionedConcurrencyConfig", "PutProvisionedConcurrencyConfig")},
    # KMS (the cross-account artifact key): CreateKey and ListAliases act on no key; an alias also acts on its key.
    ("AWS::KMS::Key", "kms:CreateKey"): Decision(resource=lambda p, env: "*"),
    ("AWS::KMS::Key", "kms:DisableKey"): Decision(when="Enabled"),
    ("AWS::KMS::Key", "kms:EnableKey"): Decision(when="Enabled"),
    ("AWS::KMS::Key", "kms:DisableKeyRotation"): Decision(never="rotation is always on"),
    ("AWS::KMS::Key", "kms:TagResource"): Decision(when="Tags"),
    ("AWS::KMS::Key", "kms:UntagResource"): Decision(when="Tags"),
    ("AWS::KMS::Alias", "kms:ListAliases"): Decision(resource=lambda p, env: "*"),
    # EventBridge Scheduler: the target's role is passed; deleting a group deletes its schedules.
    ("AWS::Scheduler::Schedule", "iam:PassRole"): Decision(
        resource=lambda p, env: p["Target"]["RoleArn"], context={"iam:PassedToService": "scheduler.amazonaws.com"}),
    ("AWS::Scheduler::ScheduleGroup", "scheduler:DeleteSchedule"): Decision(
        resource=_arn("scheduler", "schedule/{Name}/*")),
    ("AWS::ApplicationAutoScaling::ScalingPolicy", "cloudwatch:GetMetricData"): Decision(
        when="PredictiveScalingPolicyConfiguration", resource=lambda p, env: "*"),
    **_image_build_decisions(),
}


_NO_VALUE = {"Ref": "AWS::NoValue"}


def _branches(value) -> list:
    """The values ``value`` may take before conditions are resolved: every branch of an
    Fn::If (nested ones too), never AWS::NoValue."""
    if isinstance(value, dict) and "Fn::If" in value:
        return [taken for branch in value["Fn::If"][1:] for taken in _branches(branch)]
    return [] if value == _NO_VALUE else [value]


def _present(properties, path: str) -> bool:
    """Whether the property path is set (any list item for ``[]``) in some branch of the template."""
    values = [properties]
    for part in path.split("."):
        many, key = part.endswith("[]"), part.removesuffix("[]")
        found = []
        for value in values:
            if isinstance(value, dict) and key in value:
                for item in _branches(value[key]):
                    found += item if many and isinstance(item, list) else [item]
        values = [taken for item in found for taken in _branches(item)]
        if not values:
            return False
    return True


def needed_calls(resource_type: str, raw: dict, resolved: dict, env) -> list[Authorization]:
    """Every call CloudFormation makes as the stack's role to create, read, update and delete it."""
    if resource_type.startswith("Custom::"):  # CloudFormation invokes the function behind it
        return [Authorization("lambda:InvokeFunction", resolved["ServiceToken"])]
    if resource_type in WITHOUT_HANDLERS:
        return []
    service, own_arn = OWN[resource_type]
    calls, undecided = {}, []
    for handler, permissions in handler_permissions(resource_type).items():
        for permission in permissions:
            decision = DECISIONS.get((resource_type, permission))
            if decision is None:
                known = is_iam_action(permission)
                if permission.split(":")[0] != service or not known:
                    undecided.append(f"{handler}: {permission}" + ("" if known else " (not an IAM action)"))
                    continue
                decision = Decision()
            if decision.never or (decision.when and not _present(raw, decision.when)):
                continue
            action = decision.authorized_as or permission
            resource = (decision.resource or own_arn)(resolved, env)
            context = {**decision.context, **(decision.context_of(resolved, env) if decision.context_of else {})}
            calls[(action, resource)] = Authorization(action, resource, context)
    if undecided:
        raise Undecided(f"{resource_type}: decide in products/analysis/handler_permissions.py: {', '.join(sorted(set(undecided)))}")
    return list(calls.values())
