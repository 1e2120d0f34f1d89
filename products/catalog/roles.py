"""The ``roles`` stack: the standard roles SageMaker project products run under.

Missing or under-permissioned roles are the failure users of SageMaker's samples
report most, so the catalog ships them, least-privilege and scoped to the names
products give their resources (``sagemaker-*``; buckets ``sagemaker-project-*``).

Who uses which role:
- launch: Service Catalog, to create a project's stack;
- codebuild / codepipeline / events / cloudformation: the CI/CD machine of a project;
- use: SageMaker Pipelines, orchestrating a project's pipeline (starts jobs, registers models);
- execution: the processing and training jobs and the deployed models;
- function: the Lambda functions behind a project's custom resources (seed check-in).
"""

from awacs.aws import (
    Action, Allow, ArnLike, Condition, ForAnyValueStringLike, PolicyDocument, Principal, Statement, StringEquals,
    StringEqualsIgnoreCase, StringLike,
)
from troposphere import GetAtt, Output, Sub, iam

from products.blocks.iam import (
    POLICY_VERSION,
    ROLE_FIELDS,
    RoleNames,
    allow,
    arn,
    pass_role,
    trust_policy,
)
from products.blocks.cross_account import TARGET_DEPLOY_ROLE
from products.blocks.github_actions import GITHUB_ISSUER, WORKFLOW_ROLE_PREFIX
from products.blocks.image_build import (
    BASE_IMAGE_REPOSITORY, ECR_PULL_ACTIONS, ECR_PUSH_ACTIONS, IMAGE_BUILD_ROLE_PREFIX, IMAGE_REPOSITORY_PREFIX,
    IMAGE_VERSION_ACTIONS,
)
from products.blocks.product import new_template

# IAM is global and the roles stack is deployed in one region, while projects live in every
# configured region: resource ARNs name any region (the account and names still scope them).
PARTITION_REGION_ACCOUNT = "${AWS::Partition}:%s:*:${AWS::AccountId}"

PROJECT_BUCKETS = [arn("arn:${AWS::Partition}:s3:::sagemaker-project-*")]
PROJECT_OBJECTS = [arn("arn:${AWS::Partition}:s3:::sagemaker-project-*/*")]


def _service_arn(service: str, resource: str) -> Sub:
    return arn("arn:" + PARTITION_REGION_ACCOUNT % service + ":" + resource)


def _read_write_project_buckets() -> list:
    return [
        allow(["s3:ListBucket", "s3:GetBucketLocation"], PROJECT_BUCKETS),
        allow(["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"], PROJECT_OBJECTS),
    ]


# The stacks each route creates: Service Catalog names a provisioned product's stack SC-<...>; on the
# S3 route SageMaker names a project's stack SP-<...> (AWS's S3-route sample policies,
# sagemaker-custom-project-templates/s3_templates, scope their CloudFormation permissions to stack/SP-*).
SERVICE_CATALOG_STACKS, S3_ROUTE_STACKS = "stack/SC-*", "stack/SP-*"


def _launch_statements(names: RoleNames, asset_bucket: str, stacks: str = SERVICE_CATALOG_STACKS) -> list:
    """Create, update and delete the resources of a product stack, grouped by what they serve."""
    passed = {
        "codebuild": "codebuild.amazonaws.com",
        "codepipeline": "codepipeline.amazonaws.com",
        "events": "events.amazonaws.com",
        "function": "lambda.amazonaws.com",
    }
    return [
        *_launch_stack_and_bucket_statements(stacks, asset_bucket),
        *_launch_source_and_build_statements(names),
        *_launch_rule_and_function_statements(),
        *_launch_key_and_schedule_statements(names, passed),
        *_launch_image_build_statements(names),
        *_launch_github_statements(names),
    ]


def _launch_stack_and_bucket_statements(stacks: str, asset_bucket: str) -> list:
    """The product stack itself, the seed code it reads and the project's bucket."""
    return [
        allow(
            [
                "cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:DeleteStack",
                "cloudformation:DescribeStacks", "cloudformation:DescribeStackEvents",
                "cloudformation:DescribeStackResource", "cloudformation:DescribeStackResources",
                "cloudformation:GetTemplate", "cloudformation:SetStackPolicy",
                "cloudformation:ContinueUpdateRollback", "cloudformation:TagResource",
                "cloudformation:UntagResource",
            ],
            [_service_arn("cloudformation", stacks)],
        ),
        allow(["cloudformation:ValidateTemplate", "cloudformation:GetTemplateSummary"], ["*"]),
        allow(["s3:GetObject"], [arn(f"arn:${{AWS::Partition}}:s3:::{asset_bucket}/*")]),
        allow(
            [
                "s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy",
                "s3:GetBucketPolicy", "s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration",
                "s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock",
                "s3:PutBucketVersioning", "s3:GetBucketVersioning", "s3:PutBucketLogging",
                "s3:GetBucketLogging", "s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls",
                "s3:PutBucketTagging", "s3:GetBucketTagging", "s3:GetBucketLocation",
                # The bucket handler's read (it ends every create and update) reads every setting.
                "s3:ListBucket", "s3:GetBucketAcl", "s3:GetAccelerateConfiguration", "s3:GetAnalyticsConfiguration",
                "s3:GetBucketAbac", "s3:GetBucketCORS", "s3:GetBucketNotification", "s3:GetBucketObjectLockConfiguration",
                "s3:GetBucketWebsite", "s3:GetIntelligentTieringConfiguration", "s3:GetInventoryConfiguration",
                "s3:GetLifecycleConfiguration", "s3:GetMetricsConfiguration", "s3:GetReplicationConfiguration",
                "s3:ListTagsForResource", "s3:TagResource", "s3:UntagResource",
                "s3:PutLifecycleConfiguration",  # the bucket's lifecycle rule (and its removal)
            ],
            PROJECT_BUCKETS,
        ),
        # Service Catalog reads its own copy of the provisioning artifact as the launch role, from
        # a bucket the account does not name (Service Catalog Administrator Guide, "Grant end
        # users access to the portfolio": launch roles need exactly this condition).
        *([allow(["s3:GetObject"], ["*"],
                 Condition(StringEquals({"s3:ExistingObjectTag/servicecatalog:provisioning": "true"})))]
          if stacks == SERVICE_CATALOG_STACKS else []),
    ]


def _launch_source_and_build_statements(names: RoleNames) -> list:
    """The project's repositories, CodeBuild projects and pipelines, and the role and connection they use."""
    return [
        allow(
            [
                "codecommit:CreateRepository", "codecommit:DeleteRepository", "codecommit:GetRepository",
                "codecommit:UpdateRepositoryDescription", "codecommit:TagResource",
                "codecommit:UntagResource", "codecommit:ListTagsForResource",
                # Code.S3: the handler commits the seed zip as the caller; its read reads triggers.
                "codecommit:CreateCommit", "codecommit:GetRepositoryTriggers",
            ],
            [_service_arn("codecommit", "sagemaker-*")],
        ),
        allow(["codecommit:ListRepositories"], ["*"]),
        allow(
            [
                "codebuild:CreateProject", "codebuild:UpdateProject", "codebuild:DeleteProject",
                "codebuild:BatchGetProjects",
            ],
            [_service_arn("codebuild", "project/sagemaker-*")],
        ),
        allow(
            [
                "codepipeline:CreatePipeline", "codepipeline:UpdatePipeline", "codepipeline:DeletePipeline",
                "codepipeline:GetPipeline", "codepipeline:GetPipelineState", "codepipeline:TagResource",
                "codepipeline:UntagResource", "codepipeline:ListTagsForResource",
                "codepipeline:DisableStageTransition", "codepipeline:EnableStageTransition",
                "codepipeline:StartPipelineExecution",
            ],
            [_service_arn("codepipeline", "sagemaker-*")],
        ),
        # The pipeline handler reads the role it passes, and passes a source connection.
        allow(["iam:GetRole"], [names.arn("codepipeline")]),
        *_pass_connection_to_codepipeline(),
    ]


def _launch_rule_and_function_statements() -> list:
    """The project's EventBridge rules, its custom resource functions and its model package group."""
    return [
        allow(
            [
                "events:PutRule", "events:DeleteRule", "events:DescribeRule", "events:PutTargets",
                "events:RemoveTargets", "events:ListTargetsByRule",
                "events:TagResource", "events:UntagResource", "events:ListTagsForResource",
            ],
            [_service_arn("events", "rule/sagemaker-*")],
        ),
        # Custom resource functions; CloudFormation invokes them with this role.
        allow(
            [
                "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:GetFunction", "lambda:GetFunctionConfiguration",
                "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:InvokeFunction",
                "lambda:TagResource", "lambda:UntagResource", "lambda:ListTags",
                # The function handler's read.
                "lambda:GetFunctionCodeSigningConfig", "lambda:GetFunctionRecursionConfig",
                "lambda:GetFunctionScalingConfig", "lambda:GetRuntimeManagementConfig",
                # The retrain-on-drift function: reserved concurrency, and EventBridge's permission to invoke it.
                "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency",
                "lambda:AddPermission", "lambda:RemovePermission", "lambda:GetPolicy",
            ],
            [_service_arn("lambda", "function:sagemaker-*")],
        ),
        allow(
            [
                "sagemaker:CreateModelPackageGroup", "sagemaker:DeleteModelPackageGroup",
                "sagemaker:DescribeModelPackageGroup", "sagemaker:AddTags", "sagemaker:DeleteTags",
                "sagemaker:ListTags", "sagemaker:GetModelPackageGroupPolicy",
                # Its resource policy, when a stage is in another account.
                "sagemaker:PutModelPackageGroupPolicy", "sagemaker:DeleteModelPackageGroupPolicy",
            ],
            [_service_arn("sagemaker", "model-package-group/*")],
        ),
    ]


def _launch_key_and_schedule_statements(names: RoleNames, passed: dict) -> list:
    """The artifact key and alias, the schedules, and the roles passed to the services that use them."""
    return [
        # The project's artifact key and its alias, when a stage is in another account. A key has no name
        # until it exists, so the key's own actions are on the account's keys; its alias scopes the rest.
        allow(["kms:CreateKey", "kms:ListAliases"], ["*"]),
        allow(["kms:EnableKeyRotation", "kms:PutKeyPolicy", "kms:TagResource", "kms:UntagResource",
               "kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags",
               "kms:UpdateKeyDescription", "kms:ScheduleKeyDeletion"],
              [arn("arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*")]),
        allow(["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"],
              [arn("arn:${AWS::Partition}:kms:*:${AWS::AccountId}:alias/sagemaker-*"),
               arn("arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*")]),
        # The batch schedule (build-train-batch), in the project's own schedule group.
        allow(
            ["scheduler:CreateScheduleGroup", "scheduler:DeleteScheduleGroup", "scheduler:GetScheduleGroup",
             "scheduler:TagResource", "scheduler:UntagResource", "scheduler:ListTagsForResource"],
            [_service_arn("scheduler", "schedule-group/sagemaker-*")],
        ),
        allow(
            ["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule", "scheduler:GetSchedule"],
            [_service_arn("scheduler", "schedule/sagemaker-*/*")],
        ),
        pass_role(names.arn("events"), "scheduler.amazonaws.com"),
        *[pass_role(names.arn(role), service) for role, service in passed.items()],
    ]


IMAGE_REPOSITORIES = "repository/" + IMAGE_REPOSITORY_PREFIX + "*"
SAGEMAKER_IMAGES = ("image/" + IMAGE_REPOSITORY_PREFIX + "*", "image-version/" + IMAGE_REPOSITORY_PREFIX + "*/*")


def _roles_named(names: RoleNames, prefix: str) -> list:
    return [arn("arn:${AWS::Partition}:iam::${AWS::AccountId}:role" + names.path + prefix + "*")]


def _bounded_roles(names: RoleNames, prefix: str, boundary_arn, passed_to: str | None = None) -> list:
    """Roles named ``prefix*`` a product's stack creates: created, and given inline policies, only with
    ``boundary_arn`` as their permissions boundary (condition iam:PermissionsBoundary; IAM User Guide,
    "Permissions boundaries for IAM entities"), so a project's stack cannot make a role that does more than the
    boundary allows. The boundary itself is not the launch role's to change, nor to remove from a role (no
    DeleteRolePermissionsBoundary). ``passed_to``: the service the roles are passed to, if any."""
    roles = _roles_named(names, prefix)
    return [
        allow(["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary"],
              roles, Condition(StringEquals({"iam:PermissionsBoundary": boundary_arn}))),
        allow(["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
               "iam:DeleteRole", "iam:TagRole", "iam:UntagRole", "iam:UpdateRole", "iam:UpdateRoleDescription",
               "iam:UpdateAssumeRolePolicy"], roles),
        *([allow(["iam:PassRole"], roles, Condition(StringEquals({"iam:PassedToService": passed_to})))]
          if passed_to else []),
    ]


def _launch_image_build_statements(names: RoleNames) -> list:
    """The image-build products: the project's ECR repository and SageMaker image, and the build's own role."""
    return [
        allow(["ecr:CreateRepository", "ecr:DeleteRepository", "ecr:DescribeRepositories", "ecr:PutLifecyclePolicy",
               "ecr:GetLifecyclePolicy", "ecr:DeleteLifecyclePolicy", "ecr:GetRepositoryPolicy",
               "ecr:PutImageScanningConfiguration", "ecr:PutImageTagMutability", "ecr:TagResource",
               "ecr:UntagResource", "ecr:ListTagsForResource"],
              [_service_arn("ecr", IMAGE_REPOSITORIES)]),
        allow(["sagemaker:CreateImage", "sagemaker:DescribeImage", "sagemaker:UpdateImage", "sagemaker:DeleteImage",
               "sagemaker:AddTags", "sagemaker:DeleteTags", "sagemaker:ListTags"],
              [_service_arn("sagemaker", SAGEMAKER_IMAGES[0])]),
        *_bounded_roles(names, IMAGE_BUILD_ROLE_PREFIX, names.boundary_arn(), "codebuild.amazonaws.com"),
        pass_role(names.arn("execution"), "sagemaker.amazonaws.com"),  # the SageMaker image's ImageRoleArn
    ]


def _launch_github_statements(names: RoleNames) -> list:
    """build-train-deploy-github: its workflows' roles, and the account's GitHub OIDC provider when the project
    creates it. The provider is kept when a project is deleted (other projects' roles trust it): no delete."""
    return [
        *_bounded_roles(names, WORKFLOW_ROLE_PREFIX, names.github_boundary_arn()),
        allow(["iam:CreateOpenIDConnectProvider", "iam:GetOpenIDConnectProvider", "iam:TagOpenIDConnectProvider",
               "iam:UntagOpenIDConnectProvider", "iam:ListOpenIDConnectProviderTags",
               "iam:UpdateOpenIDConnectProviderThumbprint", "iam:AddClientIDToOpenIDConnectProvider",
               "iam:RemoveClientIDFromOpenIDConnectProvider"],
              [arn(f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:oidc-provider/{GITHUB_ISSUER}")]),
    ]


def image_build_boundary_statements(names: RoleNames) -> list:
    """The most any image-build role may do, whatever its own policy says: build logs, the pipeline's source
    artifact, push to a project repository, pull SageMaker's scikit-learn image, register image versions."""
    return [
        allow(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
              [_service_arn("logs", "log-group:/aws/codebuild/sagemaker-*")]),
        allow(["s3:GetObject", "s3:GetObjectVersion"], PROJECT_OBJECTS),
        allow(["s3:GetBucketAcl", "s3:GetBucketLocation"], PROJECT_BUCKETS),
        allow(["ecr:GetAuthorizationToken"], ["*"]),
        allow(list(ECR_PUSH_ACTIONS), [_service_arn("ecr", IMAGE_REPOSITORIES)]),
        allow(list(ECR_PULL_ACTIONS), [arn(f"arn:${{AWS::Partition}}:ecr:*:*:repository/{BASE_IMAGE_REPOSITORY}")]),
        allow(list(IMAGE_VERSION_ACTIONS), [_service_arn("sagemaker", resource) for resource in SAGEMAKER_IMAGES]),
    ]


def github_workflow_boundary_statements(names: RoleNames) -> list:
    """The most any GitHub workflow role may do: run a project's SageMaker pipeline, read its model packages,
    deploy its stage stacks as the CloudFormation role, test its endpoints, use its bucket."""
    return [
        *_read_write_project_buckets(),
        allow(["sagemaker:CreatePipeline", "sagemaker:UpdatePipeline", "sagemaker:DescribePipeline",
               "sagemaker:StartPipelineExecution", "sagemaker:DescribePipelineExecution",
               "sagemaker:ListPipelineExecutionSteps", "sagemaker:AddTags", "sagemaker:ListTags"],
              [_service_arn("sagemaker", "pipeline/sagemaker-*"),
               _service_arn("sagemaker", "pipeline/sagemaker-*/execution/*")]),
        allow(["sagemaker:ListModelPackages"], ["*"]),
        allow(["sagemaker:DescribeModelPackage", "sagemaker:DescribeModelPackageGroup", "sagemaker:ListTags"],
              [_service_arn("sagemaker", "model-package/*"), _service_arn("sagemaker", "model-package-group/*")]),
        allow(["cloudformation:DescribeStacks", "cloudformation:CreateChangeSet", "cloudformation:DescribeChangeSet",
               "cloudformation:ExecuteChangeSet", "cloudformation:DeleteChangeSet", "cloudformation:DeleteStack",
               "cloudformation:DescribeStackEvents", "cloudformation:TagResource"],
              [_service_arn("cloudformation", "stack/sagemaker-*-deploy-*/*")]),
        allow(["sagemaker:DescribeEndpoint", "sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointAsync"],
              [_service_arn("sagemaker", "endpoint/*")]),
        pass_role(names.arn("use"), "sagemaker.amazonaws.com"),
        pass_role(names.arn("cloudformation"), "cloudformation.amazonaws.com"),
    ]


def _codebuild_statements(names: RoleNames, asset_bucket: str) -> list:
    """Run the buildspecs: SageMaker Pipelines upsert/start, stage configs, staging test (in a staging
    account of its own through its deploy role)."""
    return [
        *_cross_account_statements(),
        allow(
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            [_service_arn("logs", "log-group:/aws/codebuild/sagemaker-*")],
        ),
        *_read_write_project_buckets(),
        # CodeBuild reads the artifact bucket's ACL and location before it writes artifacts
        # and logs there (CodeBuild User Guide, "Create a CodeBuild service role").
        allow(["s3:GetBucketAcl"], PROJECT_BUCKETS),
        allow(
            [
                "sagemaker:CreatePipeline", "sagemaker:UpdatePipeline", "sagemaker:DescribePipeline",
                "sagemaker:StartPipelineExecution", "sagemaker:DescribePipelineExecution",
                "sagemaker:ListPipelineExecutionSteps", "sagemaker:AddTags", "sagemaker:ListTags",
            ],
            [
                _service_arn("sagemaker", "pipeline/sagemaker-*"),
                _service_arn("sagemaker", "pipeline/sagemaker-*/execution/*"),
            ],
        ),
        allow(["sagemaker:ListModelPackages"], ["*"]),
        allow(
            ["sagemaker:DescribeModelPackage", "sagemaker:DescribeModelPackageGroup"],
            [
                _service_arn("sagemaker", "model-package/*"),
                _service_arn("sagemaker", "model-package-group/*"),
            ],
        ),
        # build.py reads the group's tags (the project's name and id for the stage configs).
        allow(["sagemaker:ListTags"], [_service_arn("sagemaker", "model-package-group/*")]),
        # The staging test: a realtime or serverless endpoint answers directly; an async one through the project's
        # bucket (its request under async-inference/staging/input/, in the project bucket grants above).
        allow(
            ["sagemaker:DescribeEndpoint", "sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointAsync"],
            [_service_arn("sagemaker", "endpoint/*")],
        ),
        allow(["cloudformation:DescribeStacks"], [_service_arn("cloudformation", "stack/sagemaker-*")]),
        pass_role(names.arn("use"), "sagemaker.amazonaws.com"),
        # Seed check-in: read the seed zip, push through the project's connection.
        allow(["s3:GetObject"], [arn(f"arn:${{AWS::Partition}}:s3:::{asset_bucket}/seedcode/*")]),
        _use_sagemaker_connections(),
    ]


def _use_sagemaker_connections():
    """Git through a CodeConnections connection, if an admin tagged it ``sagemaker=true``.

    The tag is how an admin offers a connection to SageMaker projects (Studio lists only
    tagged connections); both service prefixes name connections.
    """
    return allow(
        ["codeconnections:UseConnection", "codestar-connections:UseConnection"],
        [
            _service_arn("codeconnections", "connection/*"),
            _service_arn("codestar-connections", "connection/*"),
        ],
        Condition(StringEqualsIgnoreCase({"aws:ResourceTag/sagemaker": "true"})),
    )


def _pass_connection_to_codepipeline() -> list:
    """CloudFormation passes a pipeline's CodeStarSourceConnection connection to CodePipeline
    (the pipeline handler's codestar-connections:PassConnection). Both service prefixes name
    connections, each with its own PassedToService key; the template may give either ARN form."""
    connections = [_service_arn("codestar-connections", "connection/*"), _service_arn("codeconnections", "connection/*")]
    return [
        allow([f"{prefix}:PassConnection"], connections,
              Condition(StringEquals({f"{prefix}:PassedToService": "codepipeline.amazonaws.com"})))
        for prefix in ("codestar-connections", "codeconnections")
    ]


# The roles that reach a stage in another account through its deploy role (made by the target-account stack):
# CodePipeline (deploy actions), CodeBuild (the staging test) and the function (a deleted project's stage stacks).
ASSUMES_DEPLOY_ROLES = ("codebuild", "codepipeline", "function")


def assume_deploy_roles(names: RoleNames, deploy_accounts: tuple[str, ...]) -> list:
    """sts:AssumeRole on the deploy role of exactly the accounts the catalog deploys into: none, no statement.

    Accounts are named at publish time, not matched by an organization condition: the product templates' account
    parameters must list the same accounts (so a launch naming another fails), which no condition key can do,
    and an account joining a stack set's unit is added by the next publish, whose plan shows it."""
    if not deploy_accounts:
        return []
    return [allow(["sts:AssumeRole"], [arn(f"arn:${{AWS::Partition}}:iam::{account}:role{names.path}{TARGET_DEPLOY_ROLE}")
                                       for account in deploy_accounts])]


def _cross_account_statements() -> list:
    """A stage in another account: use the project's artifact key (the key's policy delegates this account's use
    to IAM; only keys aliased ``alias/sagemaker-*``, the projects' own). Its deploy role: ``assume_deploy_roles``."""
    return [
        allow(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
              [arn("arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*")],
              Condition(ForAnyValueStringLike({"kms:ResourceAliases": "alias/sagemaker-*"}))),
    ]


def _codepipeline_statements(names: RoleNames, asset_bucket: str) -> list:
    """Check out CodeCommit, run CodeBuild, deploy the endpoint stacks (here, or in a stage's account)."""
    return [
        *_cross_account_statements(),
        *_read_write_project_buckets(),
        allow(
            [
                "codecommit:GetBranch", "codecommit:GetCommit", "codecommit:GetRepository",
                "codecommit:UploadArchive", "codecommit:GetUploadArchiveStatus",
                "codecommit:CancelUploadArchive",
            ],
            [_service_arn("codecommit", "sagemaker-*")],
        ),
        allow(
            ["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
            [_service_arn("codebuild", "project/sagemaker-*")],
        ),
        allow(
            # The deploy actions run in CREATE_UPDATE mode (no change sets); a stack left in
            # ROLLBACK_COMPLETE is deleted before it is created again. The stage configs carry
            # tags, which CloudFormation may authorize as TagResource on the new stack.
            [
                "cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:DeleteStack",
                "cloudformation:DescribeStacks", "cloudformation:TagResource",
            ],
            [_service_arn("cloudformation", "stack/sagemaker-*")],
        ),
        # CodePipeline checks that its artifact store is versioned.
        allow(["s3:GetBucketVersioning"], PROJECT_BUCKETS),
        allow(["cloudformation:ValidateTemplate"], ["*"]),
        pass_role(names.arn("cloudformation"), "cloudformation.amazonaws.com"),
        _use_sagemaker_connections(),  # third-party Git sources (build-train-deploy-git)
    ]


def _events_statements(names: RoleNames, asset_bucket: str) -> list:
    """EventBridge rules start CodePipelines; the schedules (EventBridge Scheduler, a universal target
    calling the SageMaker API as this role) start the project's batch and drift-monitor SageMaker pipelines."""
    return [
        allow(["codepipeline:StartPipelineExecution"], [_service_arn("codepipeline", "sagemaker-*")]),
        allow(["sagemaker:StartPipelineExecution"], [_service_arn("sagemaker", "pipeline/sagemaker-*-batch"),
                                                     _service_arn("sagemaker", "pipeline/sagemaker-*-monitor")]),
    ]


def _cloudformation_statements(names: RoleNames, asset_bucket: str) -> list:
    """Deploy a model package as Model, EndpointConfig and Endpoint."""
    return [
        allow(
            [
                "sagemaker:CreateModel", "sagemaker:DeleteModel", "sagemaker:DescribeModel",
                "sagemaker:CreateEndpointConfig", "sagemaker:DeleteEndpointConfig",
                "sagemaker:DescribeEndpointConfig", "sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint",
                "sagemaker:DeleteEndpoint", "sagemaker:DescribeEndpoint", "sagemaker:AddTags",
                "sagemaker:DeleteTags", "sagemaker:ListTags",
            ],
            [
                _service_arn("sagemaker", "model/*"),
                _service_arn("sagemaker", "endpoint-config/*"),
                _service_arn("sagemaker", "endpoint/*"),
            ],
        ),
        allow(["sagemaker:DescribeModelPackage"], [_service_arn("sagemaker", "model-package/*")]),
        allow(["sagemaker:UpdateEndpointWeightsAndCapacities"], [_service_arn("sagemaker", "endpoint/*")]),
        pass_role(names.arn("execution"), "sagemaker.amazonaws.com"),
        # The blue/green rollback alarm of a stage (named sagemaker-<project>-<stage>-5xx).
        allow(
            ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms",
             "cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:ListTagsForResource"],
            [_service_arn("cloudwatch", "alarm:sagemaker-*")],
        ),
        # Endpoint autoscaling.
        allow(
            ["application-autoscaling:RegisterScalableTarget", "application-autoscaling:DeregisterScalableTarget",
             "application-autoscaling:PutScalingPolicy", "application-autoscaling:DeleteScalingPolicy",
             "application-autoscaling:TagResource", "application-autoscaling:ListTagsForResource"],
            [_service_arn("application-autoscaling", "scalable-target/*")],
        ),
        allow(
            ["application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScalingPolicies",
             "application-autoscaling:DescribeScheduledActions"],
            ["*"],
        ),
        # Application Auto Scaling creates, reads and deletes a target-tracking policy's alarms
        # (TargetTracking-*) with the permissions of the caller of PutScalingPolicy.
        allow(
            ["cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms"],
            [_service_arn("cloudwatch", "alarm:TargetTracking-*")],
        ),
        allow(
            ["iam:CreateServiceLinkedRole"],
            [arn(
                "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/"
                "sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
            )],
            Condition(StringLike({"iam:AWSServiceName": "sagemaker.application-autoscaling.amazonaws.com"})),
        ),
    ]


def _use_statements(names: RoleNames, asset_bucket: str) -> list:
    """Orchestrate a SageMaker Pipeline: start and watch its jobs, register the model."""
    return [
        *_read_write_project_buckets(),
        allow(
            [
                "sagemaker:CreateProcessingJob", "sagemaker:DescribeProcessingJob",
                "sagemaker:StopProcessingJob", "sagemaker:CreateTrainingJob",
                "sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob", "sagemaker:AddTags",
                # The batch pipeline: a model from the approved package, then a transform job.
                "sagemaker:CreateTransformJob", "sagemaker:DescribeTransformJob", "sagemaker:StopTransformJob",
                "sagemaker:CreateModel", "sagemaker:DescribeModel",
            ],
            [
                _service_arn("sagemaker", "processing-job/*"),
                _service_arn("sagemaker", "training-job/*"),
                _service_arn("sagemaker", "transform-job/*"),
                _service_arn("sagemaker", "model/*"),
            ],
        ),
        allow(
            [
                "sagemaker:CreateModelPackage", "sagemaker:DescribeModelPackage",
                "sagemaker:DescribeModelPackageGroup", "sagemaker:AddTags",
            ],
            [
                _service_arn("sagemaker", "model-package/*"),
                _service_arn("sagemaker", "model-package-group/*"),
            ],
        ),
        pass_role(names.arn("execution"), "sagemaker.amazonaws.com"),
    ]


def _execution_statements(names: RoleNames, asset_bucket: str) -> list:
    """What jobs and hosted models need: project data, AWS images, logs and metrics."""
    return [
        *_read_write_project_buckets(),
        allow(["ecr:GetAuthorizationToken"], ["*"]),
        # SageMaker's images (AWS's account of each region) and the projects' own (image-build), in every region
        # the catalog serves: the roles stack lives in one region only.
        allow(
            ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
            [arn("arn:${AWS::Partition}:ecr:*:*:repository/*")],
        ),
        allow(
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            [_service_arn("logs", "log-group:/aws/sagemaker/*")],
        ),
        # A blue/green update with AutoRollbackConfiguration: SageMaker reads the stage's
        # rollback alarm (sagemaker-<project>-<stage>-5xx) with the model's execution role.
        allow(["cloudwatch:DescribeAlarms"], [_service_arn("cloudwatch", "alarm:sagemaker-*")]),
        allow(
            ["cloudwatch:PutMetricData"],
            ["*"],
            Condition(StringLike({"cloudwatch:namespace": ["/aws/sagemaker/*", "aws/sagemaker/*"]})),
        ),
    ]


def _function_statements(names: RoleNames, asset_bucket: str) -> list:
    """Start and watch a project's seed check-in build; delete its endpoint stacks with it; retrain
    on drift (read the monitor run's steps, the model-build pipeline's last start, start it);
    write the functions' logs."""
    return [
        allow(["sagemaker:ListPipelineExecutionSteps"],
              [_service_arn("sagemaker", "pipeline/sagemaker-*-monitor/execution/*")]),
        allow(["codepipeline:ListPipelineExecutions", "codepipeline:StartPipelineExecution"],
              [_service_arn("codepipeline", "sagemaker-*-modelbuild")]),
        allow(
            ["codebuild:StartBuild", "codebuild:BatchGetBuilds", "codebuild:StopBuild"],
            [_service_arn("codebuild", "project/sagemaker-*")],
        ),
        # The stage stacks (sagemaker-<project>-deploy-<stage>); CloudFormation deletes them with
        # the service role they were created with, so no PassRole is needed. A stage in another
        # account is deleted through its deploy role (ASSUMES_DEPLOY_ROLES).
        allow(
            ["cloudformation:DeleteStack", "cloudformation:DescribeStacks"],
            [_service_arn("cloudformation", "stack/sagemaker-*-deploy-*/*")],
        ),
        allow(
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            [_service_arn("logs", "log-group:/aws/lambda/sagemaker-*")],
        ),
        # The GitHub approval hook reads its token; the product takes only secrets named sagemaker-*.
        allow(["secretsmanager:GetSecretValue"], [_service_arn("secretsmanager", "secret:sagemaker-*")]),
    ]


def _s3_launch_statements(names: RoleNames, asset_bucket: str) -> list:
    """The launch role's permissions for the S3 route's SP-* stacks; nothing of Service Catalog's."""
    return _launch_statements(names, asset_bucket, stacks=S3_ROUTE_STACKS)


ROLE_SPECS = {
    # role field: (trusted service, statements, description)
    "launch": ("servicecatalog.amazonaws.com", _launch_statements, "Service Catalog launches SageMaker project products"),
    "use": ("sagemaker.amazonaws.com", _use_statements, "SageMaker Pipelines runs project pipelines"),
    "codebuild": ("codebuild.amazonaws.com", _codebuild_statements, "CodeBuild runs project builds"),
    "codepipeline": ("codepipeline.amazonaws.com", _codepipeline_statements, "CodePipeline runs project pipelines"),
    "events": (("events.amazonaws.com", "scheduler.amazonaws.com"), _events_statements,
               "EventBridge rules and EventBridge Scheduler start project pipelines"),
    "cloudformation": ("cloudformation.amazonaws.com", _cloudformation_statements, "CloudFormation deploys project endpoints"),
    "execution": ("sagemaker.amazonaws.com", _execution_statements, "SageMaker jobs and models of projects"),
    "function": ("lambda.amazonaws.com", _function_statements, "Lambda functions behind project custom resources"),
    "s3_launch": ("cloudformation.amazonaws.com", _s3_launch_statements,
                  "CloudFormation creates SageMaker projects from the S3 route's templates"),
}


def _logical_id(role: str) -> str:
    return "".join(part.capitalize() for part in role.split("_")) + "Role"


def principal_patterns(principals) -> list[Sub]:
    """The configured principals' ARN patterns, a wildcard ARN without an account id in this account."""
    return [arn(principal.in_account()) for principal in principals]


def s3_launch_trust(principals) -> PolicyDocument:
    """CloudFormation, which creates the project's stack with this role, and the Studio execution
    roles (the configured principals), as AWS's S3-route sample launch role trusts them.

    A role cannot be named by wildcard in a trust policy's Principal, so the account is trusted
    and the condition keeps only the configured principals' ARNs (aws:PrincipalArn)."""
    statements = trust_policy("cloudformation.amazonaws.com").Statement
    patterns = principal_patterns(principals)
    if patterns:
        statements.append(Statement(
            Effect=Allow,
            Principal=Principal("AWS", [arn("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")]),
            Action=[Action("sts", "AssumeRole")],
            Condition=Condition(ArnLike({"aws:PrincipalArn": patterns})),
        ))
    return PolicyDocument(Version=POLICY_VERSION, Statement=statements)


STUDIO_USER_POLICY = "AmazonSageMakerProjectsS3TemplatesUserPolicy"


def studio_user_statements(names: RoleNames, asset_bucket: str, templates_prefix: str) -> list:
    """What a Studio execution role needs to create a project on the S3 route (attach the policy to it).

    Studio lists and reads the templates and their tags as the user (s3:GetObjectTagging is the
    permission AWS's S3-route README says is most often missing); CloudFormation reads the template
    URL with the caller's credentials; the stack (SP-*) is created with the S3 launch role passed to
    CloudFormation, which the user may also assume, as in AWS's sample.
    """
    bucket = f"arn:${{AWS::Partition}}:s3:::{asset_bucket}"
    return [
        allow(["s3:ListBucket"], [arn(bucket)],
              Condition(StringLike({"s3:prefix": [f"{templates_prefix}/", f"{templates_prefix}/*"]}))),
        allow(["s3:GetObject", "s3:GetObjectTagging"], [arn(f"{bucket}/{templates_prefix}/*")]),
        pass_role(names.arn("s3_launch"), "cloudformation.amazonaws.com"),
        allow(["sts:AssumeRole"], [names.arn("s3_launch")]),
        allow(
            ["cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:DeleteStack",
             "cloudformation:DescribeStacks", "cloudformation:DescribeStackEvents",
             "cloudformation:TagResource", "cloudformation:UntagResource"],
            [_service_arn("cloudformation", S3_ROUTE_STACKS)],
        ),
        allow(["cloudformation:ValidateTemplate", "cloudformation:GetTemplateSummary"], ["*"]),
    ]


def build(names: RoleNames, asset_bucket: str, principals=(), templates_prefix: str = "studio-templates",
          deploy_accounts: tuple[str, ...] = ()):
    """The roles stack for the given role names, asset bucket pattern, Studio principals and the accounts
    projects deploy into.

    IAM is global and the stack is deployed in one region, so ``${AWS::Region}`` in the
    bucket pattern becomes ``*``: the roles serve the asset buckets of every region.
    """
    asset_bucket = asset_bucket.replace("${AWS::Region}", "*")
    template = new_template("Roles for the SageMaker project products of this catalog (least privilege).")
    assert set(ROLE_SPECS) == set(ROLE_FIELDS)
    for role in ROLE_FIELDS:
        service, statements, description = ROLE_SPECS[role]
        resource = iam.Role(
            _logical_id(role),
            RoleName=getattr(names, role),
            Path=names.path,
            Description=description,
            AssumeRolePolicyDocument=s3_launch_trust(principals) if role == "s3_launch" else trust_policy(service),
            Policies=[
                iam.Policy(
                    PolicyName=f"{role}-permissions",
                    PolicyDocument=PolicyDocument(Version=POLICY_VERSION, Statement=[
                        *statements(names, asset_bucket),
                        *(assume_deploy_roles(names, deploy_accounts) if role in ASSUMES_DEPLOY_ROLES else []),
                    ]),
                )
            ],
        )
        template.add_resource(resource)
        template.add_output(Output(f"{_logical_id(role)}Arn", Value=GetAtt(resource, "Arn")))
    managed = (
        ("StudioS3RouteUserPolicy", STUDIO_USER_POLICY,
         "Attach to Studio execution roles: create SageMaker projects from the S3 route's templates",
         studio_user_statements(names, asset_bucket, templates_prefix)),
        ("ImageBuildBoundary", names.image_build_boundary,
         "Permissions boundary of the roles the image-build products create (their image builds)",
         image_build_boundary_statements(names)),
        ("GitHubWorkflowBoundary", names.github_workflow_boundary,
         "Permissions boundary of the GitHub workflow roles build-train-deploy-github projects create",
         github_workflow_boundary_statements(names)),
    )
    for logical_id, name, description, statements in managed:
        policy = template.add_resource(iam.ManagedPolicy(
            logical_id, ManagedPolicyName=name, Path=names.path, Description=description,
            PolicyDocument=PolicyDocument(Version=POLICY_VERSION, Statement=statements),
        ))
        template.add_output(Output(f"{logical_id}Arn", Value=policy.ref()))
    return template
