"""The ``target-account`` stack: the roles a staging or prod account gives the tooling account's projects.

Published into each account a project's ``StagingAccountId`` or ``ProdAccountId`` names, before
such a project deploys there (KMS refuses a key policy naming a role that does not exist):

- the deploy role (``AmazonSageMakerProjectsDeployRole``): the tooling account's CodePipeline
  role assumes it for a stage's deploy action, its CodeBuild role for the staging test, and its
  function role to delete a deleted project's endpoint stack.
  It reads the pipeline's artifacts from the tooling account (bucket and key) and creates the
  stage's endpoint stack with this account's CloudFormation role;
- the CloudFormation role: the endpoint stack's Model, EndpointConfig and Endpoint, from a
  model package of the tooling account;
- the execution role: the endpoint's model, reading its model data from the tooling account's
  project bucket and, for prod, writing data capture there.

The CloudFormation and execution roles carry the names of the tooling account's (same path),
so a project names them by account id alone. ``products/analysis/grant_matrix.py`` checks every call
across the accounts against both sides' policies.
"""

from awacs.aws import Action, Allow, ArnLike, Condition, PolicyDocument, Principal, Statement
from troposphere import GetAtt, Output, Parameter, Ref, Sub, iam

from products.blocks.build_contract import ASYNC_FOLDER, CAPTURE_FOLDER
from products.blocks.cross_account import TARGET_DEPLOY_ROLE
from products.blocks.iam import POLICY_VERSION, RoleNames, allow, arn, pass_role, trust_policy
from products.blocks.product import new_template
from products.catalog.roles import ROLE_SPECS

TOOLING_ACCOUNT_PARAMETER = "ToolingAccountId"
TOOLING = "arn:${AWS::Partition}:%s:*:${ToolingAccountId}:%s"


def _tooling(service: str, resource: str) -> Sub:
    return Sub(TOOLING % (service, resource))


def _tooling_objects() -> Sub:
    return Sub("arn:${AWS::Partition}:s3:::sagemaker-project-*/*")


def _tooling_keys_statement(actions: list[str]) -> Statement:
    """The tooling account's project keys (the key policies name this account's roles)."""
    return allow(actions, [_tooling("kms", "key/*")])


def deploy_role_trust(names: RoleNames) -> PolicyDocument:
    """The tooling account, for its CodePipeline and CodeBuild roles (the deploy actions, the staging
    test) and its function role (a deleted project's endpoint stacks) only (aws:PrincipalArn): a trust
    policy names a role of another account through its account and a condition on the caller."""
    roles = [Sub(f"arn:${{AWS::Partition}}:iam::${{ToolingAccountId}}:role{names.path}{getattr(names, role)}")
             for role in ("codepipeline", "codebuild", "function")]
    return PolicyDocument(Version=POLICY_VERSION, Statement=[Statement(
        Effect=Allow,
        Principal=Principal("AWS", [Sub("arn:${AWS::Partition}:iam::${ToolingAccountId}:root")]),
        Action=[Action("sts", "AssumeRole")],
        Condition=Condition(ArnLike({"aws:PrincipalArn": roles})),
    )])


def deploy_statements(names: RoleNames) -> list:
    stacks = arn("arn:${AWS::Partition}:cloudformation:*:${AWS::AccountId}:stack/sagemaker-*")
    return [
        # The deploy action (CREATE_UPDATE; a stack left in ROLLBACK_COMPLETE is deleted first).
        allow(["cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:DeleteStack",
               "cloudformation:DescribeStacks", "cloudformation:TagResource"], [stacks]),
        allow(["cloudformation:ValidateTemplate"], ["*"]),
        pass_role(names.arn("cloudformation"), "cloudformation.amazonaws.com"),
        # The action's input artifacts, in the tooling account's project bucket and key.
        allow(["s3:GetObject", "s3:GetObjectVersion"], [_tooling_objects()]),
        _tooling_keys_statement(["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"]),  # (+ the async request)
        # The staging test: the endpoint behind the staging stack; an async one takes its request from the
        # tooling account's project bucket (that bucket's policy and key grant the staging account's deploy role).
        allow(["sagemaker:DescribeEndpoint", "sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointAsync"],
              [arn("arn:${AWS::Partition}:sagemaker:*:${AWS::AccountId}:endpoint/*")]),
        allow(["s3:PutObject"], [Sub(f"arn:${{AWS::Partition}}:s3:::sagemaker-project-*/{ASYNC_FOLDER}/staging/input/*")]),
        # ... and reads the answer once it is there: without ListBucket, S3 answers a read of a key not yet written
        # with 403 rather than 404 (S3 API Reference, GetObject, "Permissions").
        allow(["s3:ListBucket"], [Sub("arn:${AWS::Partition}:s3:::sagemaker-project-*")]),
    ]


def cloudformation_statements(names: RoleNames, asset_bucket: str) -> list:
    """This account's endpoint stacks, as the tooling account's CloudFormation role makes them, from
    the tooling account's model packages (the group's resource policy grants it)."""
    _, own, _ = ROLE_SPECS["cloudformation"]
    return [
        *own(names, asset_bucket),
        allow(["sagemaker:DescribeModelPackage", "sagemaker:CreateModel"], [_tooling("sagemaker", "model-package/*")]),
    ]


def execution_statements(names: RoleNames, asset_bucket: str) -> list:
    """The endpoint's model: its data from the tooling account's bucket and key, its data capture and async answers
    back there."""
    _, own, _ = ROLE_SPECS["execution"]
    return [
        *own(names, asset_bucket),
        # Back to the tooling account's project bucket: the stage's data capture and an async endpoint's answers.
        allow(["s3:PutObject"], [Sub(f"arn:${{AWS::Partition}}:s3:::sagemaker-project-*/{folder}/*")
                                 for folder in (CAPTURE_FOLDER, ASYNC_FOLDER)]),
        _tooling_keys_statement(["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"]),
    ]


def _role(logical_id: str, name: str, names: RoleNames, description: str, trust: PolicyDocument, statements: list) -> iam.Role:
    return iam.Role(
        logical_id, RoleName=name, Path=names.path, Description=description, AssumeRolePolicyDocument=trust,
        Policies=[iam.Policy(PolicyName="permissions",
                             PolicyDocument=PolicyDocument(Version=POLICY_VERSION, Statement=statements))],
    )


def build(names: RoleNames, asset_bucket: str):
    template = new_template("Roles a staging or prod account gives the SageMaker projects of a tooling account "
                            "(cross-account deployment).")
    template.add_parameter(Parameter(
        TOOLING_ACCOUNT_PARAMETER, Type="String", AllowedPattern=r"^\d{12}$",
        Description="The account whose SageMaker projects deploy into this one (where the catalog is published)."))
    asset_bucket = asset_bucket.replace("${AWS::Region}", "*")
    roles = [
        _role("DeployRole", TARGET_DEPLOY_ROLE, names, "The tooling account's project pipelines deploy endpoint stacks here",
              deploy_role_trust(names), deploy_statements(names)),
        _role("CloudformationRole", names.cloudformation, names, "CloudFormation deploys project endpoints",
              trust_policy("cloudformation.amazonaws.com"), cloudformation_statements(names, asset_bucket)),
        _role("ExecutionRole", names.execution, names, "SageMaker models of the tooling account's projects",
              trust_policy("sagemaker.amazonaws.com"), execution_statements(names, asset_bucket)),
    ]
    for role in roles:
        template.add_resource(role)
        template.add_output(Output(f"{role.title}Arn", Value=GetAtt(role, "Arn")))
    template.add_output(Output("ToolingAccountId", Value=Ref(TOOLING_ACCOUNT_PARAMETER)))
    return template
