"""Staging and prod in accounts of their own: what the tooling account's project grants them.

A project deploys into this account unless ``StagingAccountId`` or ``ProdAccountId`` names
another (empty, the default: nothing below is created). Only the accounts the admin configured
(``publish.target_accounts`` and the stack set's units' accounts) may be named; a catalog with
none renders neither parameter, nor anything below. For a stage in
another account, the deploy pipeline's action assumes that account's deploy role
(``TARGET_DEPLOY_ROLE``, made by the ``target-account`` stack), which creates the endpoint
stack there with that account's CloudFormation role; the endpoint runs as that account's
execution role. They read what the tooling account keeps:

- pipeline artifacts and model data in the project bucket: a customer-managed KMS key
  (AWS-managed keys cannot be shared across accounts, the failure users of multi-account
  samples report most), the key's policy and the bucket's policy name the target roles;
- the model package: the model package group's resource policy.

KMS refuses a key policy naming a role that does not exist, so the target-account stack is
published into an account before a project deploys there (publish.py does it first).
``products/analysis/grant_matrix.py`` lists every such call with the policies on both sides.
"""

from dataclasses import dataclass

from awacs.aws import Action, Allow, PolicyDocument, Principal, Statement
from troposphere import AWSHelperFn, Equals, GetAtt, If, NoValue, Not, Or, Parameter, Ref, Sub, Template, kms

from products.blocks.iam import POLICY_VERSION, RoleNames
from products.blocks.build_contract import ASYNC_FOLDER, CAPTURE_FOLDER
from products.blocks.naming import PROJECT, project_tags

# What a stage's endpoint writes back to the project's bucket: its data capture and an async endpoint's answers.
STAGE_OUTPUTS = (CAPTURE_FOLDER, ASYNC_FOLDER)

STAGES = ("staging", "prod")
TARGET_DEPLOY_ROLE = "AmazonSageMakerProjectsDeployRole"  # in each target account, under the roles' path
ANY_OTHER_ACCOUNT = "DeploysToOtherAccounts"


def _parameter(stage: str) -> str:
    return f"{stage.capitalize()}AccountId"


def _condition(stage: str) -> str:
    return f"{stage.capitalize()}InOtherAccount"


@dataclass(frozen=True)
class TargetAccounts:
    """The stages' accounts, as template conditions and the role ARNs they imply."""

    roles: RoleNames

    def elsewhere(self, stage: str) -> str:
        return _condition(stage)

    def account(self, stage: str) -> Ref:
        return Ref(_parameter(stage))

    def target_role(self, stage: str, role: str) -> Sub:
        """A role of the stage's account: the deploy role, or one named like this account's (``role`` a field)."""
        name = TARGET_DEPLOY_ROLE if role == "deploy" else getattr(self.roles, role)
        return Sub(f"arn:${{AWS::Partition}}:iam::${{Account}}:role{self.roles.path}{name}", Account=self.account(stage))

    def role_for(self, stage: str, role: str) -> If:
        """The stage's role ``role``: the target account's where the stage is elsewhere, else this account's."""
        return If(self.elsewhere(stage), self.target_role(stage, role), self.roles.arn(role))

    def deploy_role_if_elsewhere(self, stage: str) -> If:
        """What a build or function assumes to reach the stage's stack: its account's deploy role, or "" (this account)."""
        return If(self.elsewhere(stage), self.target_role(stage, "deploy"), "")

    def action_role(self, stage: str) -> If:
        """The role a deploy action assumes: the target's deploy role, or none (the pipeline's own)."""
        return If(self.elsewhere(stage), self.target_role(stage, "deploy"), NoValue)

    def principals(self, role: str, stages=STAGES) -> list:
        """The stages' target roles of one kind, for a resource policy (a stage here adds none)."""
        return [If(self.elsewhere(stage), self.target_role(stage, role), NoValue) for stage in stages]


def add_target_account_parameters(template: Template, roles: RoleNames, allowed: tuple[str, ...]) -> TargetAccounts:
    """The stages' account parameters, limited to the ``allowed`` accounts (the catalog's target accounts) or
    empty (this account): a project naming any other account fails at launch, before anything is created, and
    so never grants an account the admin did not choose its artifacts, key or model packages."""
    assert allowed, "a catalog without target accounts renders no account parameters"
    accounts = ", ".join(allowed)
    for stage in STAGES:
        template.add_parameter(Parameter(
            _parameter(stage), Type="String", Default="", AllowedValues=["", *allowed],
            # CloudFormation's refusal reads "Parameter StagingAccountId <this description>" (the
            # ConstraintDescription's documented use), so a user sees which parameter and what it takes.
            ConstraintDescription=f"must be empty (this account) or an account this catalog deploys into ({accounts})",
            Description=f"Account to deploy the {stage} endpoint into, one of those the catalog allows ({accounts}); "
                        "empty for this account.",
        ))
        template.add_condition(_condition(stage), Not(Equals(Ref(_parameter(stage)), "")))
    template.add_condition(ANY_OTHER_ACCOUNT, Or(*[{"Condition": _condition(stage)} for stage in STAGES]))
    return TargetAccounts(roles)


def _allow(sid: str, principals: list, actions: list[str], resources: list) -> Statement:
    return Statement(Sid=sid, Effect=Allow, Principal=Principal("AWS", principals),
                     Action=[Action(*a.split(":", 1)) for a in actions], Resource=resources)


def artifact_key(accounts: TargetAccounts) -> tuple[kms.Key, kms.Alias]:
    """The project's customer-managed key, for a project that deploys into other accounts.

    This account administers it and its roles use it through IAM (the root statement); the target
    accounts' deploy roles read pipeline artifacts (and staging's writes the staging test's async
    requests); their execution roles read model data and write their stage's capture and async answers.
    """
    key = kms.Key(
        "ArtifactKey",
        Condition=ANY_OTHER_ACCOUNT,
        Description=Sub(f"Artifacts of SageMaker project {PROJECT}, read by its staging and prod accounts"),
        EnableKeyRotation=True,
        KeyPolicy=PolicyDocument(Version=POLICY_VERSION, Statement=[
            _allow("ThisAccountAdministersAndItsRolesUseThroughIam",
                   [Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")], ["kms:*"], ["*"]),
            _allow("TargetDeployRolesReadArtifactsAndWriteTestRequests", accounts.principals("deploy"),
                   ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"], ["*"]),
            _allow("TargetExecutionRolesReadModelsAndWriteCapture", accounts.principals("execution"),
                   ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"], ["*"]),
        ]),
        Tags=project_tags(),
    )
    alias = kms.Alias("ArtifactKeyAlias", Condition=ANY_OTHER_ACCOUNT,
                      AliasName=Sub(f"alias/sagemaker-{PROJECT}-artifacts"), TargetKeyId=Ref(key))
    return key, alias


def key_arn_if_elsewhere(key: kms.Key) -> AWSHelperFn:
    return If(ANY_OTHER_ACCOUNT, GetAtt(key, "Arn"), NoValue)


def bucket_statements(accounts: TargetAccounts, bucket) -> tuple[str, list]:
    """The bucket policy's grants to the target roles, and the condition under which it holds them."""
    objects = Sub("${%s.Arn}/*" % bucket.title)
    return ANY_OTHER_ACCOUNT, [
        _allow("TargetDeployRolesReadArtifacts", accounts.principals("deploy"), ["s3:GetObject", "s3:GetObjectVersion"],
               [objects]),
        _allow("TargetExecutionRolesReadModels", accounts.principals("execution"), ["s3:GetObject"], [objects]),
        *[_if_elsewhere(accounts, stage, _allow(
            f"{stage.capitalize()}ExecutionRoleWritesCaptureAndAnswers", [accounts.target_role(stage, "execution")],
            ["s3:PutObject"], [Sub("${%s.Arn}/%s/%s/*" % (bucket.title, folder, stage)) for folder in STAGE_OUTPUTS]))
          for stage in STAGES],
        # The staging test submits an async endpoint's request and waits for the answer (model-deploy seed,
        # test/test.py): without ListBucket, S3 answers a read of a key not yet written with 403, not 404.
        _if_elsewhere(accounts, "staging", _allow(
            "StagingDeployRoleSubmitsTestRequests", [accounts.target_role("staging", "deploy")], ["s3:PutObject"],
            [Sub("${%s.Arn}/%s/staging/input/*" % (bucket.title, ASYNC_FOLDER))])),
        _if_elsewhere(accounts, "staging", _allow(
            "StagingDeployRoleWaitsForTestAnswers", [accounts.target_role("staging", "deploy")], ["s3:ListBucket"],
            [GetAtt(bucket, "Arn")])),
    ]


def _if_elsewhere(accounts: TargetAccounts, stage: str, statement: Statement) -> If:
    """A statement for one stage's role, present only while that stage is in another account: a policy may not
    name an empty principal list."""
    return If(accounts.elsewhere(stage), statement, NoValue)


def group_policy(accounts: TargetAccounts) -> If:
    """The model package group's resource policy: the target accounts' CloudFormation and execution
    roles read its packages and create models from them (SageMaker developer guide, cross-account
    model registry: a resource policy on the group)."""
    packages = Sub("arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:model-package/${Group}/*",
                   Group=Sub("${SageMakerProjectName}-${SageMakerProjectId}"))
    return If(ANY_OTHER_ACCOUNT, PolicyDocument(Version=POLICY_VERSION, Statement=[
        _allow("TargetAccountsDeployPackages", [*accounts.principals("cloudformation"), *accounts.principals("execution")],
               ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages", "sagemaker:CreateModel"], [packages]),
    ]), NoValue)
