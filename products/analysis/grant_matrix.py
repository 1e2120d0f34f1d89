"""The grant matrix: every call that crosses accounts when a project deploys staging and prod elsewhere,
and the policy on each side that allows it.

For a call into another account IAM requires both: the caller's identity policy (in the caller's
account) and the resource's policy (the bucket's, the key's, the model package group's, or the
role's trust policy). Each row names both, evaluated on the templates as rendered and resolved
for sample accounts: the tooling account's project and roles stacks, and the target-account
stack as published into the staging and prod accounts. ``publish.py grants`` prints it;
tests/analysis/test_grant_matrix.py fails when either side of any row is missing.
"""

import json
from dataclasses import dataclass

from products.analysis.iam_evaluator import Decision, evaluate, resource_policy_allows
from products.analysis.resolve import Environment, resolve

TOOLING, STAGING, PROD = "111111111111", "222222222222", "333333333333"
SAMPLE_PROJECT = {"SageMakerProjectName": "abalone", "SageMakerProjectId": "p-abc123def456"}


@dataclass(frozen=True)
class Grant:
    call: str  # what the call is for
    principal: str  # the calling role
    action: str
    resource: str
    identity: str  # where the caller's permission is: <template> <logical id>
    resource_policy: str  # where the resource's is
    identity_decision: Decision
    resource_decision: Decision

    @property
    def allowed(self) -> bool:
        return self.identity_decision.allowed and self.resource_decision.allowed

    def as_json(self) -> dict:
        return {"call": self.call, "principal": self.principal, "action": self.action, "resource": self.resource,
                "identity": {"policy": self.identity, "allowed": self.identity_decision.allowed,
                             "reason": self.identity_decision.reason},
                "resource_policy": {"policy": self.resource_policy, "allowed": self.resource_decision.allowed,
                                    "reason": self.resource_decision.reason}}


@dataclass(frozen=True)
class Accounts:
    """The resolved templates of the three accounts."""

    project: dict  # the product template, resolved in the tooling account
    tooling_roles: dict  # roles.json, resolved in the tooling account
    targets: dict  # account id -> target-account.json resolved in that account

    def role_policies(self, resources: dict, logical_id: str) -> list[dict]:
        return [p["PolicyDocument"] for p in resources[logical_id]["Properties"]["Policies"]]


def resolve_accounts(product_template: dict, roles_template: dict, target_template: dict,
                     staging: str = STAGING, prod: str = PROD, parameters: dict | None = None) -> Accounts:
    """``parameters``: the product's other required parameters (a Git product's connection, say)."""
    env = Environment(account=TOOLING)
    given = {**SAMPLE_PROJECT, **(parameters or {}), "StagingAccountId": staging, "ProdAccountId": prod}
    project = resolve(product_template, given, env).resources()
    roles = resolve(roles_template, {}, env).resources()
    targets = {account: resolve(target_template, {"ToolingAccountId": TOOLING}, Environment(account=account)).resources()
               for account in {staging, prod}}
    return Accounts(project, roles, targets)


def _role_arn(resources: dict, logical_id: str, account: str) -> str:
    props = resources[logical_id]["Properties"]
    return f"arn:aws:iam::{account}:role{props.get('Path', '/')}{props['RoleName']}"


def grants(accounts: Accounts, staging: str = STAGING, prod: str = PROD) -> list[Grant]:
    """Every cross-account call of the flow, with both sides evaluated."""
    project, tooling = accounts.project, accounts.tooling_roles
    bucket = project["ArtifactBucket"]["Properties"]["BucketName"]
    group = project["ModelPackageGroup"]["Properties"]
    key_arn = f"arn:aws:kms:us-east-1:{TOOLING}:key/generated-key-id"
    package = f"arn:aws:sagemaker:us-east-1:{TOOLING}:model-package/{group['ModelPackageGroupName'].lower()}/1"
    bucket_policy = project["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"]
    key_policy = project["ArtifactKey"]["Properties"]["KeyPolicy"]
    group_policy = group["ModelPackageGroupPolicy"]
    rows = []

    def row(call, principal, identity_policies, identity_where, action, resource, policy, policy_where):
        rows.append(Grant(call, principal, action, resource, identity_where, policy_where,
                          evaluate(identity_policies, action, resource),
                          resource_policy_allows(policy, principal, action, resource)))

    for stage, account in (("staging", staging), ("prod", prod)):
        target = accounts.targets[account]
        deploy = _role_arn(target, "DeployRole", account)
        trust = target["DeployRole"]["Properties"]["AssumeRolePolicyDocument"]
        assumers = [("CodepipelineRole", f"{stage} deploy action")]
        if stage == "staging":
            assumers.append(("CodebuildRole", "staging test"))
        elif "DriftMonitorProject" in project:
            assumers.append(("CodebuildRole", "drift monitor build (reads the prod stack)"))
        assumers.append(("FunctionRole", "project deletion (endpoint cleanup)"))
        for logical_id, what in assumers:
            row(f"{what}: assume the {stage} account's deploy role", _role_arn(tooling, logical_id, TOOLING),
                accounts.role_policies(tooling, logical_id), f"roles.json {logical_id}", "sts:AssumeRole", deploy,
                trust, f"target-account.json DeployRole trust ({account})")
        deploy_policies = accounts.role_policies(target, "DeployRole")
        row(f"{stage} deploy action: read the pipeline's artifact", deploy, deploy_policies,
            f"target-account.json DeployRole ({account})", "s3:GetObject",
            f"arn:aws:s3:::{bucket}/sagemaker-abalone-p-a/BuildArtif/x7Hc2Ab", bucket_policy,
            "product ArtifactBucketPolicy")
        row(f"{stage} deploy action: decrypt the artifact", deploy, deploy_policies,
            f"target-account.json DeployRole ({account})", "kms:Decrypt", key_arn, key_policy, "product ArtifactKey policy")
        cloudformation = _role_arn(target, "CloudformationRole", account)
        row(f"{stage} endpoint stack: read the model package", cloudformation,
            accounts.role_policies(target, "CloudformationRole"), f"target-account.json CloudformationRole ({account})",
            "sagemaker:DescribeModelPackage", package, group_policy, "product ModelPackageGroup policy")
        _endpoint_rows(row, stage, account, accounts, bucket, key_arn, bucket_policy, key_policy)
    return rows


def _endpoint_rows(row, stage: str, account: str, accounts: Accounts, bucket: str, key_arn: str, bucket_policy: dict,
                   key_policy: dict) -> None:
    """The stage's endpoint (its execution role) and the staging test reaching the tooling account's bucket and key."""
    target = accounts.targets[account]
    deploy, deploy_policies = _role_arn(target, "DeployRole", account), accounts.role_policies(target, "DeployRole")
    execution = _role_arn(target, "ExecutionRole", account)
    execution_policies = accounts.role_policies(target, "ExecutionRole")
    where = f"target-account.json ExecutionRole ({account})"
    row(f"{stage} endpoint: read the model data", execution, execution_policies, where, "s3:GetObject",
        f"arn:aws:s3:::{bucket}/abalone-p-abc123def456/run/model/job/output/model.tar.gz", bucket_policy,
        "product ArtifactBucketPolicy")
    row(f"{stage} endpoint: decrypt the model data", execution, execution_policies, where, "kms:Decrypt", key_arn,
        key_policy, "product ArtifactKey policy")
    row(f"{stage} endpoint: write data capture", execution, execution_policies, where, "s3:PutObject",
        f"arn:aws:s3:::{bucket}/datacapture/{stage}/endpoint/AllTraffic/2026/11/26/04/capture.jsonl", bucket_policy,
        "product ArtifactBucketPolicy")
    row(f"{stage} endpoint (async): write an answer", execution, execution_policies, where, "s3:PutObject",
        f"arn:aws:s3:::{bucket}/async-inference/{stage}/output/0b1c.out", bucket_policy, "product ArtifactBucketPolicy")
    row(f"{stage} endpoint: encrypt capture and answers", execution, execution_policies, where,
        "kms:GenerateDataKey", key_arn, key_policy, "product ArtifactKey policy")
    if stage == "staging":
        row("staging test (async endpoint): submit its request", deploy, deploy_policies,
            f"target-account.json DeployRole ({account})", "s3:PutObject",
            f"arn:aws:s3:::{bucket}/async-inference/staging/input/staging-test-1.csv", bucket_policy,
            "product ArtifactBucketPolicy")
        row("staging test (async endpoint): encrypt its request", deploy, deploy_policies,
            f"target-account.json DeployRole ({account})", "kms:GenerateDataKey", key_arn, key_policy,
            "product ArtifactKey policy")
        row("staging test (async endpoint): wait for its answer (a missing key is 404 only with ListBucket)", deploy,
            deploy_policies, f"target-account.json DeployRole ({account})", "s3:ListBucket", f"arn:aws:s3:::{bucket}",
            bucket_policy, "product ArtifactBucketPolicy")


def table(rows: list[Grant]) -> list[str]:
    lines = ["| call | principal | action | resource | identity policy | resource policy |", "|---|---|---|---|---|---|"]
    for g in rows:
        mark = lambda d: "allows" if d.allowed else f"MISSING ({d.reason})"  # noqa: E731
        lines.append(f"| {g.call} | {g.principal.split(':')[4]}:{g.principal.rsplit('/', 1)[1]} | {g.action} | {g.resource} | "
                     f"{g.identity}: {mark(g.identity_decision)} | {g.resource_policy}: {mark(g.resource_decision)} |")
    return lines


def as_json(rows: list[Grant]) -> str:
    return json.dumps([g.as_json() for g in rows], indent=2)


__all__ = ["Grant", "grants", "resolve_accounts", "table"]
