"""What each kind of CodePipeline action does in the local AWS, run by an execution (codepipeline_runs.py).

Each action reads its input artifacts from the execution's artifact store, does its provider's work as the role
AWS would use, and writes its output artifacts; every call on the way is checked against that role (iam.py):

- **Source, CodeCommit**: the branch's files as the repository holds them (the seed code, or what was pushed),
  as the pipeline's role (codecommit:GetBranch, GetCommit, UploadArchive, GetUploadArchiveStatus).
- **Source, CodeStarSourceConnection**: the branch cloned from the Git host stand-in (git_host.py) as a CODE_ZIP,
  after ``UseConnection`` on the connection, with the connection's tags as ``aws:ResourceTag/`` keys.
- **Source, S3**: the zip object, as the pipeline's role.
- **Build and Test, CodeBuild**: the project as it was created (CODEPIPELINE source; its buildspec inline or the
  file it names in the primary source), the inputs downloaded and the outputs uploaded as the project's service
  role, the other inputs as ``CODEBUILD_SRC_DIR_<name>``, the action's ``EnvironmentVariables`` as overrides
  (codebuild_builds.run_in). The pipeline's role needs codebuild:StartBuild and BatchGetBuilds on the project. The
  build's output goes to CloudWatch Logs (/aws/codebuild/PROJECT), as CodeBuild's default logging puts it.
- **Deploy, CloudFormation**: CREATE_UPDATE, REPLACE_ON_FAILURE and DELETE_ONLY, as the action's role if it has
  one (assumed by the pipeline's role: a stage in another account), else the pipeline's; the template and template
  configuration read from the input artifacts by ``Artifact::path``; the stack created or updated with the
  action's ``RoleArn`` as its stack role, which the acting role must be allowed to pass.
- **Approval, Manual**: waits for PutApprovalResult with the action's token.

Not emulated: change-set action modes, output variables and namespaces, ``Fn::GetParam`` in parameter overrides,
CodeBuild batch builds and secondary output artifacts, the artifact store's KMS key.
"""

import json
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from moto.core.exceptions import ServiceException, _RESTError

from products.analysis.iam_resources import Authorization
from products.local_aws import codebuild_builds, codecommit_commits, git_host
from products.local_aws import iam as emulated_iam
from products.local_aws.cloudformation import stacks
from products.local_aws.codepipeline_artifacts import ArtifactMissing, ArtifactStore


# The states REPLACE_ON_FAILURE replaces (CodePipeline User Guide, CloudFormation action reference: "a stack in a
# failed state"): a healthy stack, UPDATE_ROLLBACK_COMPLETE included, is updated.
FAILED_STATES = ("CREATE_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_FAILED", "UPDATE_ROLLBACK_FAILED")


class ActionFailed(Exception):
    """The action failed; the message is what GetPipelineState shows as its error."""


@dataclass
class ActionRun:
    """One action of one execution: where it runs, what it may read and write, and how it waits."""

    account: str
    region: str
    endpoint_url: str
    pipeline: dict
    stage: str
    action: dict
    store: ArtifactStore
    work: Path
    wait_for_approval: Callable[[str], dict]  # token -> PutApprovalResult's result
    on_token: Callable[[str], None] = lambda token: None  # the approval's token, once it waits

    @property
    def config(self) -> dict:
        return self.action.get("configuration", {})

    @property
    def pipeline_role(self) -> str:
        return self.pipeline["roleArn"]

    def caller(self) -> str:
        return f"codepipeline:{self.pipeline['name']}/{self.stage}/{self.action['name']}"

    def check(self, role_arn: str, *authorizations: Authorization) -> None:
        try:
            emulated_iam.check(role_arn.split(":")[4], role_arn, list(authorizations), caller=self.caller())
        except emulated_iam.RoleDenied as denied:
            raise ActionFailed(f"AccessDenied: {denied}") from None

    def inputs(self, role_arn: str) -> dict[str, Path]:
        """Every input artifact unpacked, as ``role_arn`` reads them."""
        folders = {}
        for artifact in self.action.get("inputArtifacts", []):
            try:
                folders[artifact["name"]] = self.store.get(artifact["name"], self.work / "in" / artifact["name"],
                                                           role_arn, self.caller())
            except (ArtifactMissing, emulated_iam.RoleDenied) as error:
                raise ActionFailed(str(error)) from None
        return folders

    def output(self, folder: Path, role_arn: str) -> None:
        """The action's (single) output artifact written from ``folder``, as ``role_arn``."""
        outputs = self.action.get("outputArtifacts", [])
        if len(outputs) > 1:
            raise ActionFailed(f"{len(outputs)} output artifacts: the local AWS writes one per action")
        if outputs:
            try:
                self.store.put(outputs[0]["name"], folder, role_arn, self.caller())
            except emulated_iam.RoleDenied as denied:
                raise ActionFailed(f"AccessDenied: {denied}") from None


@dataclass
class Outcome:
    summary: str
    external_id: str = ""
    revision: dict = field(default_factory=dict)  # a source action's revision (revisionId, revisionSummary)


def _arn(run: ActionRun, service: str, resource: str, account: str | None = None) -> str:
    return f"arn:aws:{service}:{run.region}:{account or run.account}:{resource}"


def source_codecommit(run: ActionRun) -> Outcome:
    from moto.codecommit.models import codecommit_backends

    repository, branch = run.config.get("RepositoryName", ""), run.config.get("BranchName", "")
    arn = _arn(run, "codecommit", repository)
    run.check(run.pipeline_role, *(Authorization(f"codecommit:{a}", arn) for a in
                                   ("GetBranch", "GetCommit", "UploadArchive", "GetUploadArchiveStatus")))
    stored = codecommit_backends[run.account][run.region].repositories.get(repository)
    if stored is None:
        raise ActionFailed(f"The repository {repository} does not exist")
    files = getattr(stored, "local_branches", {}).get(branch)
    if files is None:
        raise ActionFailed(f"The branch {branch} does not exist in the repository {repository}")
    folder = run.work / "source"
    for path, content in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(content)
    run.output(folder, run.pipeline_role)
    revision = codecommit_commits.head(stored, branch)
    return Outcome(f"{repository}@{branch}", revision, {"revisionId": revision, "revisionSummary": f"{branch} of {repository}"})


def source_connection(run: ActionRun) -> Outcome:
    connection, repository = run.config.get("ConnectionArn", ""), run.config.get("FullRepositoryId", "")
    branch = run.config.get("BranchName", "")
    if run.config.get("OutputArtifactFormat", "CODE_ZIP") != "CODE_ZIP":
        raise ActionFailed(f"OutputArtifactFormat {run.config['OutputArtifactFormat']}: the local AWS writes CODE_ZIP only")
    tags = git_host.connection_tags(connection)
    if tags is None:
        raise ActionFailed(f"The connection {connection} does not exist")
    service = connection.split(":")[2]
    run.check(run.pipeline_role, Authorization(f"{service}:UseConnection", connection,
                                               {f"aws:ResourceTag/{k}": v for k, v in tags.items()}))
    folder = run.work / "source"
    cloned = subprocess.run(["git", "clone", "--quiet", "--depth", "1", "--branch", branch,
                             git_host.repository_path(connection, repository).as_uri(), str(folder)],
                            capture_output=True, text=True)
    if cloned.returncode != 0:
        reason = (cloned.stderr.strip().splitlines() or [f"git exited {cloned.returncode}"])[-1]
        raise ActionFailed(f"Could not fetch branch {branch} of {repository}: {reason}")
    head = subprocess.run(["git", "-C", str(folder), "log", "-1", "--format=%H%n%s"], capture_output=True, text=True,
                          check=True).stdout.splitlines()
    shutil.rmtree(folder / ".git")
    run.output(folder, run.pipeline_role)
    return Outcome(f"{repository}@{branch}", head[0], {"revisionId": head[0], "revisionSummary": head[1] if len(head) > 1 else ""})


def source_s3(run: ActionRun) -> Outcome:
    from moto.s3.models import s3_backends

    from products.local_aws.codepipeline_artifacts import unzipped

    bucket, key = run.config.get("S3Bucket", ""), run.config.get("S3ObjectKey", "")
    run.check(run.pipeline_role, Authorization("s3:GetObject", f"arn:aws:s3:::{bucket}/{key}"),
              Authorization("s3:GetBucketVersioning", f"arn:aws:s3:::{bucket}"))
    try:
        stored = s3_backends[run.account]["aws"].get_object(bucket, key)
    except Exception:  # noqa: BLE001 - moto raises for a missing bucket, returns None for a missing key
        stored = None
    if stored is None:
        raise ActionFailed(f"The object s3://{bucket}/{key} does not exist")
    folder = unzipped(stored.value, run.work / "source")
    run.output(folder, run.pipeline_role)
    return Outcome(f"s3://{bucket}/{key}", stored.version_id or stored.etag,
                   {"revisionId": stored.version_id or stored.etag.strip('"'), "revisionSummary": key})


def codebuild(run: ActionRun) -> Outcome:
    from moto.codebuild.models import codebuild_backends

    name = run.config.get("ProjectName", "")
    run.check(run.pipeline_role, *(Authorization(f"codebuild:{a}", _arn(run, "codebuild", f"project/{name}"))
                                   for a in ("StartBuild", "BatchGetBuilds")))
    project = codebuild_backends[run.account][run.region].codebuild_projects.get(name)
    if project is None:
        raise ActionFailed(f"The CodeBuild project {name} does not exist")
    metadata = project.project_metadata
    if metadata.get("source", {}).get("type") != "CODEPIPELINE":
        raise ActionFailed(f"The CodeBuild project {name}'s source type is {metadata.get('source', {}).get('type')}, "
                           "not CODEPIPELINE")
    service_role = metadata["serviceRole"]
    inputs = run.inputs(service_role)  # CodeBuild downloads the input artifacts as the project's role
    primary = run.config.get("PrimarySource") or next(iter(inputs), None)
    if primary not in inputs:
        raise ActionFailed(f"PrimarySource {primary} is not an input artifact of the action")
    record = codebuild_builds.record_build(run.account, run.region, name)  # listed, and stoppable, as it runs
    build_id, build = record["id"], {"buildStatus": "FAILED"}
    try:
        _check_build_logs(run, service_role, name, build_id)
        buildspec = codebuild_builds.pipeline_buildspec(metadata, inputs[primary], run.work)
        build = codebuild_builds.run_in(
            run.endpoint_url, run.region, metadata, json.loads(run.config.get("EnvironmentVariables", "[]")),
            buildspec, inputs[primary], {k: v for k, v in inputs.items() if k != primary}, run.work / "out",
            stop=codebuild_builds.stop_signal(build_id))
    except codebuild_builds.BuildRefused as refused:
        raise ActionFailed(f"Build {build_id}: {refused}") from None
    finally:
        status = codebuild_builds.finish_build(record, build)
    codebuild_builds.save_log(run.account, run.region, build_id, build["localOutput"])
    if status == "STOPPED":
        raise ActionFailed(f"Build {build_id} was stopped")
    if build["buildStatus"] != "SUCCEEDED":
        failed = next((p for p in build["phases"] if p["phaseStatus"] == "FAILED"),
                      {"phaseType": "BUILD", "contexts": [{"message": "no phase reported its failure"}]})
        raise ActionFailed(f"Build {build_id} failed in {failed['phaseType']}: {failed['contexts'][0]['message']}")
    if run.action.get("outputArtifacts") and not any((run.work / "out").glob("**/*")):
        raise ActionFailed(f"Build {build_id} failed in UPLOAD_ARTIFACTS: CLIENT_ERROR: no matching artifact paths found")
    run.output(run.work / "out", service_role)
    return Outcome(f"Build {build_id} succeeded", build_id)


def _check_build_logs(run: ActionRun, service_role: str, project: str, build_id: str) -> None:
    """CodeBuild writes the build's log as the service role (default logging): without logs:CreateLogStream and
    PutLogEvents there the build fails before it runs, as CodeBuild fails it."""
    stream = _arn(run, "logs", f"log-group:/aws/codebuild/{project}:log-stream:{build_id.split(':', 1)[1]}")
    try:
        emulated_iam.check(service_role.split(":")[4], service_role, [Authorization("logs:CreateLogStream", stream),
                           Authorization("logs:PutLogEvents", stream)], caller=run.caller())
    except emulated_iam.RoleDenied as denied:
        raise ActionFailed(f"Build {build_id} failed in PROVISIONING: ACCESS_DENIED: Service role {service_role} does "
                           f"not allow AWS CodeBuild to create Amazon CloudWatch Logs log streams ({denied})") from None


def _artifact_file(run: ActionRun, inputs: dict[str, Path], reference: str, member: str) -> Path:
    """``Artifact::path`` as a file of one of the action's input artifacts."""
    artifact, separator, path = reference.partition("::")
    if not separator or artifact not in inputs:
        raise ActionFailed(f"{member} {reference}: {artifact} is not an input artifact of the action")
    if not (inputs[artifact] / path).is_file():
        raise ActionFailed(f"{member} {reference}: the file {path} does not exist in the artifact {artifact}")
    return inputs[artifact] / path


def _acting_role(run: ActionRun) -> str:
    """The action's own role, assumed by the pipeline's role (which both sides must allow), else the pipeline's."""
    role = run.action.get("roleArn")
    if not role:
        return run.pipeline_role
    run.check(run.pipeline_role, Authorization("sts:AssumeRole", role))
    try:
        emulated_iam.check_trust(run.pipeline_role, role)
    except emulated_iam.RoleDenied as denied:
        raise ActionFailed(f"CodePipeline cannot assume the action's role: {denied}") from None
    return role


def cloudformation(run: ActionRun) -> Outcome:
    mode, name = run.config.get("ActionMode", ""), run.config.get("StackName", "")
    if mode not in ("CREATE_UPDATE", "REPLACE_ON_FAILURE", "DELETE_ONLY"):
        raise ActionFailed(f"ActionMode {mode}: the local AWS runs CREATE_UPDATE, REPLACE_ON_FAILURE and DELETE_ONLY")
    role = _acting_role(run)
    account = role.split(":")[4]
    stack_arn = _arn(run, "cloudformation", f"stack/{name}/*", account)
    backend = stacks.backend(account, run.region)
    existing = next((s for s in backend.stacks.values() if s.name == name and s.status != "DELETE_COMPLETE"), None)
    run.check(role, Authorization("cloudformation:DescribeStacks", stack_arn))
    if mode == "DELETE_ONLY" or (mode == "REPLACE_ON_FAILURE" and existing and existing.status in FAILED_STATES):
        if existing:
            run.check(role, Authorization("cloudformation:DeleteStack", stack_arn))
            backend.delete_stack(existing.stack_id)
            if existing.status != "DELETE_COMPLETE":
                raise ActionFailed(f"Stack {name} is {existing.status}: {stacks.failure_reason(existing)}")
            if mode == "DELETE_ONLY":
                return Outcome(f"Stack {name} deleted", existing.stack_id)
            existing = None
        elif mode == "DELETE_ONLY":
            return Outcome(f"Stack {name} does not exist")
    stack = _create_or_update(run, role, backend, existing, stack_arn)
    if stack.status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        raise ActionFailed(f"Stack {name} is {stack.status}: {stacks.failure_reason(stack)}")
    return Outcome(f"Stack {name} is {stack.status}", stack.stack_id)


def _create_or_update(run: ActionRun, role: str, backend, existing, stack_arn: str):
    inputs = run.inputs(role)
    template = _artifact_file(run, inputs, run.config.get("TemplatePath", ""), "TemplatePath").read_text()
    configuration = {}
    if run.config.get("TemplateConfiguration"):
        configuration = json.loads(_artifact_file(run, inputs, run.config["TemplateConfiguration"],
                                                  "TemplateConfiguration").read_text())
    parameters = {**configuration.get("Parameters", {}), **json.loads(run.config.get("ParameterOverrides") or "{}")}
    stack_role = run.config.get("RoleArn")
    checks = [Authorization("cloudformation:UpdateStack" if existing else "cloudformation:CreateStack", stack_arn)]
    if stack_role:
        checks.append(Authorization("iam:PassRole", stack_role, {"iam:PassedToService": "cloudformation.amazonaws.com"}))
    run.check(role, *checks)
    if stack_role:
        try:
            emulated_iam.check_trust("cloudformation.amazonaws.com", stack_role)
        except emulated_iam.RoleDenied:
            raise ActionFailed(f"Role {stack_role} is invalid or cannot be assumed") from None
    name = run.config["StackName"]
    if existing is not None and existing.status == "ROLLBACK_COMPLETE":
        raise ActionFailed(f"Stack:{existing.stack_id} is in ROLLBACK_COMPLETE state and can not be updated.")
    try:  # without a stack role CloudFormation calls as the acting role: every resource's calls checked as it
        with stacks.created_as(role):
            if existing is None:
                return backend.create_stack(name=name, template=template, parameters=parameters,
                                            tags=configuration.get("Tags", {}), role_arn=stack_role)
            return backend.update_stack(name=existing.stack_id, template=template, role_arn=stack_role,
                                        parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
                                        tags=configuration.get("Tags") or None)
    except (ServiceException, _RESTError) as refused:  # CloudFormation's own refusal (a template error, a stack that exists)
        raise ActionFailed(f"{getattr(refused, 'code', type(refused).__name__)}: {refused}") from None


def manual_approval(run: ActionRun) -> Outcome:
    token = str(uuid.uuid4())
    run.on_token(token)
    result = run.wait_for_approval(token)
    if result["status"] != "Approved":
        raise ActionFailed(f"Rejected: {result.get('summary', '')}")
    return Outcome(f"Approved: {result.get('summary', '')}")


PROVIDERS = {
    ("Source", "CodeCommit"): source_codecommit,
    ("Source", "CodeStarSourceConnection"): source_connection,
    ("Source", "S3"): source_s3,
    ("Build", "CodeBuild"): codebuild,
    ("Test", "CodeBuild"): codebuild,
    ("Deploy", "CloudFormation"): cloudformation,
    ("Approval", "Manual"): manual_approval,
}


def run_action(run: ActionRun) -> Outcome:
    """The action's provider, or ActionFailed naming one the local AWS cannot run."""
    kind = run.action["actionTypeId"]
    provider = PROVIDERS.get((kind["category"], kind["provider"])) if kind.get("owner") == "AWS" else None
    if provider is None:
        raise ActionFailed(f"the local AWS cannot run {kind['category']} actions of provider {kind['provider']} "
                           "(add it in products/local_aws/codepipeline_actions.py)")
    return provider(run)
