"""A project whose CI/CD runs on GitHub Actions: the AWS side of it.

GitHub runs the seed repos' workflows (``.github/workflows/``); AWS gives them a role each, trusted through
GitHub's OIDC provider (``token.actions.githubusercontent.com``): the trust's ``sub`` condition names the
configured repository and its branch (the deploy role also its ``production`` environment), ``aud`` is
``sts.amazonaws.com`` (GitHub's "Configuring OpenID Connect in Amazon Web Services"). No long-lived key
exists anywhere. The roles are made by the project's stack, bounded by the roles stack's GitHub workflow
boundary, as the image-build role is by its own. The approval hook starts the deploy workflow: an EventBridge
rule on the group's decided packages invokes a function that sends GitHub a repository dispatch, with a token it
reads from Secrets Manager.
"""

from dataclasses import dataclass

from awacs.aws import Action, Allow, Condition, PolicyDocument, Principal, Statement, StringEquals
from troposphere import Equals, GetAtt, If, Not, Output, Parameter, Ref, Sub, Template, awslambda, events, iam, s3

from products.blocks.functions import event_function
from products.blocks.iam import POLICY_VERSION, RoleNames, allow, pass_role
from products.blocks.naming import PROJECT, project_tags
from products.functions import github_dispatch

GITHUB_ISSUER = "token.actions.githubusercontent.com"
GITHUB_AUDIENCE = "sts.amazonaws.com"
PRODUCTION_ENVIRONMENT = "production"  # the deploy workflow's protected environment: GitHub's manual gate
WORKFLOW_ROLE_PREFIX = "sagemaker-github-"
CREATE_PROVIDER = "CreateGitHubOidcProvider"
REPOSITORY_PATTERN = "^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"
DISPATCH_FUNCTION_SKIPS = [
    {"id": "CKV_AWS_116", "comment": "A dispatch GitHub refuses fails the invocation, which Lambda retries twice; a "
                                     "lost one is in the function's log and errors metric, and the deploy workflow "
                                     "can be run by hand (workflow_dispatch)"},
    {"id": "CKV_AWS_117", "comment": "It calls GitHub's API on the internet and Secrets Manager; a VPC would add a "
                                     "NAT gateway for nothing"},
    {"id": "CKV_AWS_173", "comment": "Its variables are a secret's ARN and a repository name, not the token itself"},
]
TOKEN_SECRET_PATTERN = "^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:sagemaker-[A-Za-z0-9/_+=.@-]+$"


@dataclass(frozen=True)
class GitHubSettings:
    build_repository: Ref
    deploy_repository: Ref
    branch: Ref
    token_secret: Ref
    provider_arn: object  # the account's GitHub OIDC provider: the one this stack creates, or the given one


def _parameter(template: Template, name: str, description: str, **kwargs) -> Ref:
    return Ref(template.add_parameter(Parameter(name, Type="String", Description=description, **kwargs)))


def add_github_parameters(template: Template) -> tuple[GitHubSettings, list]:
    """The repositories, branch, token secret and OIDC provider a user gives; the provider made when none is given."""
    build = _parameter(template, "ModelBuildGitHubRepository", "The model-build repository, owner/name",
                       AllowedPattern=REPOSITORY_PATTERN, MaxLength=200)
    deploy = _parameter(template, "ModelDeployGitHubRepository", "The model-deploy repository, owner/name",
                        AllowedPattern=REPOSITORY_PATTERN, MaxLength=200)
    branch = _parameter(template, "GitHubBranch", "The branch whose pushes build and deploy: both repositories' "
                        "default branch (a repository dispatch runs on it)", Default="main",
                        AllowedPattern="^[A-Za-z0-9/_.-]+$", MaxLength=200)
    secret = _parameter(template, "GitHubTokenSecretArn", "Secrets Manager secret (named sagemaker-*) holding a "
                        "GitHub token that may create repository dispatch events on the model-deploy repository",
                        AllowedPattern=TOKEN_SECRET_PATTERN)
    given = _parameter(template, "GitHubOidcProviderArn", "The account's IAM OIDC provider for "
                       f"{GITHUB_ISSUER} (IAM console, Identity providers). Empty: this project creates it, which "
                       "fails if the account has one: an account has one per issuer, so every later project gives "
                       "its ARN (arn:aws:iam::ACCOUNT:oidc-provider/token.actions.githubusercontent.com)",
                       Default="", AllowedPattern="^(arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/.+)?$")
    template.add_condition(CREATE_PROVIDER, Equals(given, ""))
    provider = iam.OIDCProvider(
        "GitHubOidcProvider", Condition=CREATE_PROVIDER, Url=f"https://{GITHUB_ISSUER}", ClientIdList=[GITHUB_AUDIENCE],
        # The account's, not the project's: other projects' roles trust it. Kept when the project goes, but not when
        # the launch that created it fails (RetainExceptOnCreate), so a relaunch does not meet its own leftover.
        DeletionPolicy="RetainExceptOnCreate", UpdateReplacePolicy="Retain",
        Tags=project_tags(),
    )
    arn = If(CREATE_PROVIDER, GetAtt(provider, "Arn"), given)
    template.add_rule("DistinctGitHubRepositories", {"Assertions": [{
        "Assert": Not(Equals(build, deploy)),
        "AssertDescription": "The model build and model deploy repositories must be different repositories.",
    }]})
    return GitHubSettings(build, deploy, branch, secret, arn), [provider]


def _subject(repository: Ref, branch: Ref, environment: str | None) -> Sub:
    """The ``sub`` claim GitHub gives a job of ``repository``: in ``environment`` if the job names one, else on
    ``branch`` (GitHub's OpenID Connect reference, subject claims). A role trusts one of them, never both: the prod
    role only the protected environment, so no job outside it (staging, any push) can deploy prod."""
    if environment:
        return Sub(f"repo:${{Repository}}:environment:{environment}", Repository=repository)
    return Sub("repo:${Repository}:ref:refs/heads/${Branch}", Repository=repository, Branch=branch)


def workflow_role(logical_id: str, kind: str, github: GitHubSettings, repository: Ref, statements: list,
                  roles: RoleNames, boundary_arn, environment: str | None = None) -> iam.Role:
    """``sagemaker-github-<kind>-<id>``: assumable only with a token of ``repository``'s branch, or environment."""
    trust = PolicyDocument(Version=POLICY_VERSION, Statement=[Statement(
        Effect=Allow, Principal=Principal("Federated", github.provider_arn),
        Action=[Action("sts", "AssumeRoleWithWebIdentity")],
        Condition=Condition(StringEquals({f"{GITHUB_ISSUER}:aud": GITHUB_AUDIENCE,
                                          f"{GITHUB_ISSUER}:sub": _subject(repository, github.branch, environment)})),
    )])
    return iam.Role(
        logical_id,
        RoleName=Sub(WORKFLOW_ROLE_PREFIX + kind + "-${SageMakerProjectId}"),
        Path=roles.path,
        Description=f"The {kind} workflow of the project's GitHub repository",
        AssumeRolePolicyDocument=trust,
        PermissionsBoundary=boundary_arn,
        Policies=[iam.Policy(PolicyName=f"github-{kind}",
                             PolicyDocument=PolicyDocument(Version=POLICY_VERSION, Statement=statements))],
        MaxSessionDuration=3600 * 6,  # a GitHub-hosted job runs at most 6 hours (GitHub Actions usage limits)
        Tags=project_tags(),
    )


def _project_arn(service: str, resource: str) -> Sub:
    return Sub(f"arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{resource}")


def _bucket_statements(bucket: s3.Bucket) -> list:
    return [
        allow(["s3:ListBucket", "s3:GetBucketLocation"], [GetAtt(bucket, "Arn")]),
        allow(["s3:GetObject", "s3:PutObject"], [Sub("${BucketArn}/*", BucketArn=GetAtt(bucket, "Arn"))]),
    ]


def build_statements(roles: RoleNames, bucket: s3.Bucket) -> list:
    """``run-pipeline --wait``: upsert, start and watch the project's pipeline (SageMaker lowercases names in ARNs;
    the project id, lowercase, scopes them), the data and code it uploads, the pipeline role it passes."""
    pipeline = "pipeline/sagemaker-*-${SageMakerProjectId}"
    return [
        *_bucket_statements(bucket),
        allow(["sagemaker:CreatePipeline", "sagemaker:UpdatePipeline", "sagemaker:DescribePipeline",
               "sagemaker:StartPipelineExecution", "sagemaker:DescribePipelineExecution",
               "sagemaker:ListPipelineExecutionSteps", "sagemaker:AddTags", "sagemaker:ListTags"],
              [_project_arn("sagemaker", pipeline), _project_arn("sagemaker", pipeline + "/execution/*")]),
        pass_role(roles.arn("use"), "sagemaker.amazonaws.com"),
    ]


def _stage_stack_statements(roles: RoleNames, stage: str) -> list:
    """``deploy_stage.py`` (the model-deploy seed) on one stage's stack: change sets, as the CloudFormation role; a
    stack a failed first deployment left is deleted."""
    stack = _project_arn("cloudformation", f"stack/sagemaker-{PROJECT}-deploy-{stage}/*")
    return [
        allow(["cloudformation:DescribeStacks", "cloudformation:CreateChangeSet", "cloudformation:DescribeChangeSet",
               "cloudformation:ExecuteChangeSet", "cloudformation:DeleteChangeSet", "cloudformation:DeleteStack",
               "cloudformation:DescribeStackEvents", "cloudformation:TagResource"], [stack]),
        pass_role(roles.arn("cloudformation"), "cloudformation.amazonaws.com"),
    ]


def staging_statements(roles: RoleNames, bucket: s3.Bucket) -> list:
    """The staging job: ``build.py`` (the group's packages), the staging stack, and the staging test. Endpoint names
    carry the project name, which SageMaker lowercases in ARNs: any staging endpoint (invoke and describe only)."""
    return [
        *_bucket_statements(bucket),
        allow(["sagemaker:ListModelPackages"], ["*"]),
        allow(["sagemaker:DescribeModelPackage", "sagemaker:DescribeModelPackageGroup", "sagemaker:ListTags"],
              [_project_arn("sagemaker", "model-package/*-${SageMakerProjectId}/*"),
               _project_arn("sagemaker", "model-package-group/*-${SageMakerProjectId}")]),
        *_stage_stack_statements(roles, "staging"),
        allow(["sagemaker:DescribeEndpoint", "sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointAsync"],
              [_project_arn("sagemaker", "endpoint/*-staging")]),
    ]


def prod_statements(roles: RoleNames) -> list:
    """The prod job: the prod stack from the configuration the staging job tested, nothing else."""
    return _stage_stack_statements(roles, "prod")


def approval_hook(github: GitHubSettings, roles: RoleNames, group_name) -> list:
    """The rule on the group's decided packages, the function that dispatches to GitHub, and the rule's permission."""
    function = event_function(
        "GitHubDispatchFunction", "hook", "Starts the model-deploy workflow on GitHub when a model package's "
        "approval is decided", github_dispatch, roles, DISPATCH_FUNCTION_SKIPS,
        environment={"TOKEN_SECRET_ARN": github.token_secret, "DEPLOY_REPOSITORY": github.deploy_repository},
        reserved_concurrency=1,
    )
    rule = events.Rule(
        "ModelApprovalDispatchRule",
        Name=Sub("sagemaker-${SageMakerProjectId}-approval-dispatch"),
        Description="Start the GitHub deploy workflow when a model package's approval status is decided",
        State="ENABLED",
        EventPattern={
            "source": ["aws.sagemaker"], "detail-type": ["SageMaker Model Package State Change"],
            "resources": [{"prefix": Sub("arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:"
                                         "model-package/")}],
            "detail": {"ModelPackageGroupName": [group_name],
                       "ModelApprovalStatus": [{"anything-but": ["PendingManualApproval"]}]},
        },
        Targets=[events.Target(Id="Dispatch", Arn=GetAtt(function, "Arn"))],
        Tags=project_tags(),
    )
    permission = awslambda.Permission(
        "GitHubDispatchPermission", FunctionName=Ref(function), Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com", SourceArn=GetAtt(rule, "Arn"))
    return [function, rule, permission]


def variables_output(logical_id: str, repository: str, variables: dict) -> Output:
    """What to set as the repository's Actions variables (``gh variable set NAME --body VALUE``), as JSON."""
    pairs = ", ".join(f'"{name}": "${{{name}}}"' for name in sorted(variables))
    return Output(logical_id, Description=f"The Actions variables of the {repository} repository (JSON)",
                  Value=Sub("{" + pairs + "}", **variables))

