"""CodeBuild's StartBuild in the local AWS runs the build; moto only reports it SUCCEEDED.

moto records a started build and, at the first BatchGetBuilds, marks every phase and the build SUCCEEDED
without running anything, so a build that would fail passes. Installed in the moto_server process,
StartBuild runs the project's buildspec as the project was created (codebuild.run_buildspec, in the
image's stand-in, codebuild_image.py), with:

- the project's environment variables, then StartBuild's ``environmentVariablesOverride``;
- the project's service role's credentials, given only if the role trusts ``codebuild.amazonaws.com``;
  every call the build makes is then checked against that role (iam.py);
- a HOME of its own, so that a buildspec's ``git config --global`` stays in its build;
- git remotes behind CodeConnections served by the Git host stand-in (git_host.py);
- as its source, ``NO_SOURCE`` with the project's inline buildspec (what the catalog starts outside a
  pipeline). Any other source type started outside a pipeline fails the build, naming the type. Inside a
  pipeline (codepipeline_actions.py) the action's input artifacts are the sources (``run_in``).

The build runs to its end before StartBuild answers (AWS answers at once, IN_PROGRESS); StartBuild and
BatchGetBuilds then give its status, the phase that failed with the reason, and its
``exportedEnvironmentVariables``. A pipeline's build (``run_in``) is recorded as it starts (``record_build``), so
ListBuildsForProject and BatchGetBuilds show it IN_PROGRESS; StopBuild kills its running command (and that
command's children) before it answers, marks it STOPPED, and its action fails as stopped. Not emulated: queueing, ``timeoutInMinutes``, VPC, caches, CloudWatch logs
(the output is kept on the build as ``localOutput``), artifacts of builds outside a pipeline, and privileged
builds (docker): such a build fails, naming what is not emulated.
"""

import datetime
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from products.local_aws import git_host
from products.local_aws import iam as emulated_iam
from products.local_aws.codebuild import BuildspecError, run_buildspec

CODEBUILD_PRINCIPAL = "codebuild.amazonaws.com"
# A privileged project runs docker (the image-build products); this machine runs no Docker daemon. Its build fails
# saying so, never passes: its calls are checked without running it (products/analysis/buildspec_calls.py).
NO_DOCKER = ("not emulated: a privileged build (docker build and push) does not run in the local AWS; "
             "its buildspec's calls are checked against its role statically (products/analysis/buildspec_calls.py)")


class BuildRefused(Exception):
    """The build cannot start (its role, its source); the message says why."""


def role_credentials(endpoint_url: str, region: str, role_arn: str) -> dict[str, str]:
    try:
        return emulated_iam.service_role_credentials(endpoint_url, region, CODEBUILD_PRINCIPAL, role_arn, "codebuild")
    except emulated_iam.RoleDenied as denied:
        raise BuildRefused(f"CodeBuild cannot assume the project's service role: {denied}") from None


def project_shape(metadata: dict) -> dict:
    """The API's project as run_buildspec reads a template's (Name, Environment.EnvironmentVariables)."""
    variables = metadata.get("environment", {}).get("environmentVariables", [])
    unsupported = [v["name"] for v in variables if v.get("type", "PLAINTEXT") != "PLAINTEXT"]
    if unsupported:
        raise BuildRefused(f"variables {', '.join(unsupported)}: the local AWS resolves only PLAINTEXT variables")
    return {"Name": metadata["name"],
            "Environment": {"EnvironmentVariables": [{"Name": v["name"], "Value": v["value"]} for v in variables]}}


def run(endpoint_url: str, region: str, metadata: dict, overrides: list[dict]) -> dict:
    """Run one build of the project; the build's status, phases and exported variables, as BatchGetBuilds gives them."""
    source = metadata.get("source", {})
    if source.get("type") != "NO_SOURCE":
        raise BuildRefused(f"source type {source.get('type')}: the local AWS runs builds outside a pipeline only "
                           "for NO_SOURCE projects")
    with tempfile.TemporaryDirectory(prefix="codebuild-") as scratch:
        buildspec = Path(scratch) / "buildspec.yml"
        buildspec.write_text(source.get("buildspec", ""))
        (Path(scratch) / "src").mkdir()
        return run_in(endpoint_url, region, metadata, overrides, buildspec, Path(scratch) / "src")


def pipeline_buildspec(metadata: dict, source_dir: Path, scratch: Path) -> Path:
    """A CODEPIPELINE project's buildspec: the inline YAML, or the file it names in the primary source
    (``buildspec.yml`` when it names none: CodeBuild's default)."""
    text = metadata.get("source", {}).get("buildspec", "") or "buildspec.yml"
    if "\n" not in text.strip() and text.strip().endswith((".yml", ".yaml")):
        path = source_dir / text.strip()
        if not path.is_file():
            raise BuildRefused(f"YAML_FILE_ERROR: the buildspec {text.strip()} is not in the primary source")
        return path
    inline = scratch / "buildspec.yml"
    inline.write_text(text)
    return inline


def run_in(endpoint_url: str, region: str, metadata: dict, overrides: list[dict], buildspec: Path, source_dir: Path,
           secondary_sources: dict[str, Path] | None = None, output_dir: Path | None = None, stop=None) -> dict:
    """The build of ``buildspec`` in ``source_dir`` as the project's service role; BatchGetBuilds' view of it.
    ``stop`` (a threading.Event), once set, stops it: its running command is killed."""
    if metadata.get("environment", {}).get("privilegedMode"):
        raise BuildRefused(NO_DOCKER)
    project = project_shape(metadata)
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="codebuild-home-") as home:
        env = {**role_credentials(endpoint_url, region, metadata["serviceRole"]), **git_host.git_environment(region),
               "HOME": home}
        try:
            ran = run_buildspec(buildspec, source_dir, project, region, extra_env=env, secondary_sources=secondary_sources,
                                overrides={o["name"]: o["value"] for o in overrides}, output_dir=output_dir,
                                say=lines.append, stop=stop)
        except yaml.YAMLError as error:  # CodeBuild reads the buildspec after downloading the source
            return {"buildStatus": "FAILED", "localOutput": "\n".join(lines),
                    "phases": [{"phaseType": "DOWNLOAD_SOURCE", "phaseStatus": "FAILED", "contexts": [
                        {"statusCode": "YAML_FILE_ERROR", "message": " ".join(str(error).split())}]}]}
        except BuildspecError as error:
            return {"buildStatus": "FAILED", "localOutput": "\n".join(lines),
                    "phases": [{"phaseType": (error.phase or "build").upper(), "phaseStatus": "FAILED",
                                "contexts": [{"statusCode": "COMMAND_EXECUTION_ERROR", "message": str(error)}]}]}
    return {"buildStatus": "SUCCEEDED", "localOutput": "\n".join(lines),
            "phases": [{"phaseType": "BUILD", "phaseStatus": "SUCCEEDED"}],
            "exportedEnvironmentVariables": [{"name": k, "value": v} for k, v in sorted(ran.variables.items())]}


@dataclass
class _Running:
    stop: threading.Event = field(default_factory=threading.Event)  # StopBuild asked
    done: threading.Event = field(default_factory=threading.Event)  # the build's commands have ended


_RUNNING: dict[str, _Running] = {}  # build id -> a pipeline build still running
STOP_WAIT_SECONDS = 10  # StopBuild answers once the build's command is killed (a poll of codebuild.py's later)


def record_build(account: str, region: str, project: str) -> dict:
    """A build of ``project`` on moto's backend, IN_PROGRESS: what ListBuildsForProject and BatchGetBuilds show of
    a pipeline's build while it runs; StopBuild stops it (``stop_signal``)."""
    from moto.codebuild.models import codebuild_backends

    record = codebuild_backends[account][region].start_build(project)
    record.update(local_run=True, currentPhase="BUILD", buildStatus="IN_PROGRESS")
    _RUNNING[record["id"]] = _Running()
    return record


def stop_signal(build_id: str) -> threading.Event:
    """Set when StopBuild asks the recorded build to stop (run_in's ``stop``)."""
    return _RUNNING[build_id].stop


def finish_build(record: dict, build: dict) -> str:
    """The recorded build ended as ``build`` says, unless StopBuild stopped it meanwhile; its final status."""
    running = _RUNNING.pop(record["id"], None)
    if running is not None and running.stop.is_set():
        record.update(buildStatus="STOPPED")
    if record["buildStatus"] != "STOPPED":
        record.update({k: v for k, v in build.items() if k != "localOutput"})
    record.update(currentPhase="COMPLETED", endTime=datetime.datetime.now(datetime.timezone.utc).isoformat())
    if running is not None:
        running.done.set()
    return record["buildStatus"]


def save_log(account: str, region: str, build_id: str, output: str) -> None:
    """The build's output in CloudWatch Logs, where CodeBuild writes it by default: group /aws/codebuild/PROJECT,
    stream the build's id after the project's name (what a person reads when a build failed)."""
    from moto.logs.models import logs_backends

    project, _, stream = build_id.partition(":")
    logs, group = logs_backends[account][region], f"/aws/codebuild/{project}"
    logs.ensure_log_group(group)
    logs.create_log_stream(group, stream)
    now = int(time.time() * 1000)
    logs.put_log_events(group, stream, [{"timestamp": now, "message": line} for line in output.splitlines() or ["(no output)"]])


def install(endpoint_url: str) -> None:
    """Patch moto (in this process) so that StartBuild runs the build (see module doc)."""
    from moto.codebuild.models import CodeBuildBackend
    from moto.codebuild.responses import CodeBuildResponse
    from moto.core.responses import ActionResult

    original_start = CodeBuildResponse.start_build

    def start_build(self):
        result = original_start(self)  # moto's validation and its record of the build
        build = result.result["build"]
        metadata = self.codebuild_backend.codebuild_projects[self._get_param("projectName")].project_metadata
        try:
            outcome = run(endpoint_url, self.region, metadata, self._get_param("environmentVariablesOverride") or [])
        except BuildRefused as refused:
            outcome = {"buildStatus": "FAILED", "phases": [{"phaseType": "PROVISIONING", "phaseStatus": "FAILED",
                                                           "contexts": [{"statusCode": "CLIENT_ERROR", "message": str(refused)}]}]}
        build.pop("logs", None)  # moto's made-up deep link; the output is localOutput
        build.update(outcome, currentPhase="COMPLETED",
                     endTime=datetime.datetime.now(datetime.timezone.utc).isoformat(), local_run=True)
        return ActionResult({"build": _public(build)})

    original_batch = CodeBuildBackend.batch_get_builds

    def batch_get_builds(self, ids):
        ran = [b for history in self.build_metadata_history.values() for b in history
               if b["id"] in ids and b.get("local_run")]
        ran_ids = {b["id"] for b in ran}
        return [_public(b) for b in ran] + original_batch(self, [i for i in ids if i not in ran_ids])

    original_stop = CodeBuildBackend.stop_build

    def stop_build(self, build_id):
        running = _RUNNING.get(build_id)
        if running is not None:  # a pipeline's build: its command killed before StopBuild answers
            running.stop.set()
            running.done.wait(STOP_WAIT_SECONDS)
        return original_stop(self, build_id)

    CodeBuildResponse.start_build = start_build
    CodeBuildBackend.batch_get_builds = batch_get_builds
    CodeBuildBackend.stop_build = stop_build


def _public(build: dict) -> dict:
    return {k: v for k, v in build.items() if k != "local_run"}
