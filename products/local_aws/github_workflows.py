"""A GitHub Actions job, run on this machine against the local AWS: the stand-in for a GitHub-hosted runner.

GitHub is not emulated (hosting, runners, events, environments' required reviewers). What a workflow does in AWS is:
its ``run:`` steps run in order, in the clean environment the CodeBuild stand-in builds (codebuild.run_buildspec:
the Python ``actions/setup-python`` asks for, a fresh, cached environment built by the job's install step, the
``aws`` CLI), with the credentials ``aws-actions/configure-aws-credentials`` gets: AssumeRoleWithWebIdentity on the
role the job names, with a token carrying the claims GitHub's would (issuer, audience ``sts.amazonaws.com``, and
``sub`` for the repository and the job's environment or ref), which the local STS checks against the role's trust
(sts_web_identity.py). No other credentials reach the job. Every call is then checked against that role (iam.py).

The actions read, by name; any other ``uses:`` refuses the job (it is never skipped):

- ``actions/checkout``: the job runs in a fresh copy of the given checkout;
- ``actions/setup-python``: the runtime the CodeBuild stand-in provides for that version;
- ``aws-actions/configure-aws-credentials``: the web-identity exchange above;
- ``actions/upload-artifact`` / ``actions/download-artifact``: files kept by name between the jobs of a run.

Expressions: ``${{ vars.NAME }}`` only (the repository's Actions variables, given by the caller); any other is
refused, and so is ``configure-aws-credentials`` without ``permissions: id-token: write`` (GitHub gives no token
then). A job's ``if:`` may test ``vars.NAME != ''`` only; a false one skips the job. Each ``run:`` step runs as
GitHub's default shell does (``bash -e {0}``). The job's install step is
the ``run:`` step that installs packages (``pip install``); it must come before the others, as in the seed repos.
"""

import re
import shlex
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from products.local_aws.codebuild import BuildspecError, run_buildspec
from products.local_aws.sts_web_identity import unsigned_token

ISSUER = "https://token.actions.githubusercontent.com"
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_VARIABLE = re.compile(r"^vars\.([A-Za-z_][A-Za-z0-9_]*)$")


class WorkflowRefused(RuntimeError):
    """The job cannot run here as written (an action or expression the stand-in does not read), or failed."""


@dataclass
class Run:
    """One workflow run: its event's repository and ref, the repository's variables, and its artifacts."""

    repository: str  # owner/name
    ref: str  # refs/heads/main
    variables: dict
    endpoint_url: str
    region: str
    artifacts: dict = field(default_factory=dict)  # name -> folder of files
    say: object = print


def subject(run: Run, job: dict) -> str:
    """The token's ``sub``: a job in an environment gets ``...:environment:NAME``, otherwise ``...:ref:REF``
    (GitHub Docs, "About security hardening with OpenID Connect", example subject claims)."""
    if job.get("environment"):
        name = job["environment"]["name"] if isinstance(job["environment"], dict) else job["environment"]
        return f"repo:{run.repository}:environment:{name}"
    return f"repo:{run.repository}:ref:{run.ref}"


def expand(text, run: Run):
    """``text`` with each ``${{ vars.NAME }}`` replaced; WorkflowRefused for any other expression or a missing one."""
    if not isinstance(text, str):
        return text

    def value(match):
        variable = _VARIABLE.match(match.group(1))
        if not variable:
            raise WorkflowRefused(f"expression ${{{{ {match.group(1)} }}}}: the stand-in reads only vars.NAME")
        if variable.group(1) not in run.variables:
            raise WorkflowRefused(f"vars.{variable.group(1)} is not set (the repository's Actions variables)")
        return str(run.variables[variable.group(1)])
    return _EXPRESSION.sub(value, text)


def web_identity_credentials(run: Run, job: dict, role_arn: str, duration: int = 3600) -> dict:
    """What configure-aws-credentials exports after AssumeRoleWithWebIdentity; the STS refusal otherwise."""
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config
    from botocore.exceptions import ClientError

    token = unsigned_token({"iss": ISSUER, "aud": "sts.amazonaws.com", "sub": subject(run, job),
                            "repository": run.repository, "ref": run.ref})
    sts = boto3.client("sts", region_name=run.region, endpoint_url=run.endpoint_url,
                       config=Config(signature_version=UNSIGNED))
    try:
        credentials = sts.assume_role_with_web_identity(RoleArn=role_arn, RoleSessionName="GitHubActions",
                                                         WebIdentityToken=token,
                                                         DurationSeconds=duration)["Credentials"]
    except ClientError as error:
        raise WorkflowRefused(f"configure-aws-credentials: {error.response['Error']['Code']}: "
                              f"{error.response['Error']['Message']}") from None
    return {"AWS_ACCESS_KEY_ID": credentials["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
            "AWS_SESSION_TOKEN": credentials["SessionToken"]}


@dataclass
class JobPlan:
    """What a job's steps come to: the runtime, the role, the install and run commands, the artifacts moved."""

    python: str = ""
    role_arn: str = ""
    duration: int = 3600
    region: str = ""
    install: list = field(default_factory=list)
    commands: list = field(default_factory=list)
    downloads: list = field(default_factory=list)  # artifact names
    uploads: list = field(default_factory=list)  # (artifact name, [paths])


def _read_action(step: dict, plan: JobPlan, run: Run) -> None:
    action, inputs = step["uses"].split("@", 1)[0], {k: expand(v, run) for k, v in step.get("with", {}).items()}
    if action == "actions/checkout":
        return
    if action == "actions/setup-python":
        plan.python = str(inputs["python-version"])
    elif action == "aws-actions/configure-aws-credentials":
        plan.role_arn, plan.region = inputs["role-to-assume"], inputs["aws-region"]
        plan.duration = int(inputs.get("role-duration-seconds", 3600))
    elif action == "actions/download-artifact":
        plan.downloads.append(inputs["name"])
    elif action == "actions/upload-artifact":
        plan.uploads.append((inputs["name"], [p.strip() for p in inputs["path"].splitlines() if p.strip()]))
    else:
        raise WorkflowRefused(f"uses: {step['uses']}: not an action the stand-in runs")


_DEFAULT_SHELL_ONLY = "the stand-in runs GitHub's default shell only (bash -e {0})"


def _read_run(step: dict, plan: JobPlan, run: Run) -> None:
    if "shell" in step:
        raise WorkflowRefused(f"shell: {step['shell']}: {_DEFAULT_SHELL_ONLY}")
    exports = "".join(f"export {key}={shlex.quote(str(expand(value, run)))}; "
                      for key, value in step.get("env", {}).items())
    script = expand(step["run"], run)
    if "pip install" in script:
        if plan.commands:
            raise WorkflowRefused(f"step {step.get('name', script.splitlines()[0])!r}: the install step must come "
                                  "before the job's other run steps")
        plan.install += [line for line in script.strip().splitlines() if line.strip()]
        return
    if plan.uploads:
        raise WorkflowRefused("a run step after upload-artifact: the stand-in uploads at the end of the job")
    plan.commands.append("set -e; " + exports + script)  # GitHub's default shell on Linux: bash -e {0}


def plan_job(job: dict, run: Run) -> JobPlan:
    """The job's steps read in order; WorkflowRefused for what the stand-in does not run."""
    if "defaults" in job:
        raise WorkflowRefused(f"defaults: {_DEFAULT_SHELL_ONLY}")
    plan = JobPlan()
    for step in job["steps"]:
        if "uses" in step:
            _read_action(step, plan, run)
        else:
            _read_run(step, plan, run)
    if not plan.python or not plan.role_arn:
        raise WorkflowRefused("the job sets up no Python or no AWS role: the stand-in runs jobs that do both")
    return plan


_NOT_EMPTY = re.compile(r"^(?:\$\{\{)?\s*vars\.([A-Za-z_][A-Za-z0-9_]*)\s*!=\s*''\s*(?:\}\})?$")


def job_enabled(job: dict, run: Run) -> bool:
    """A job's ``if:``: only ``vars.NAME != ''`` is read (the seed workflows skip until the project's variables are
    set); any other condition refuses the job."""
    if "if" not in job:
        return True
    match = _NOT_EMPTY.match(str(job["if"]).strip())
    if not match:
        raise WorkflowRefused(f"if: {job['if']}: the stand-in reads only vars.NAME != ''")
    return run.variables.get(match.group(1), "") != ""


def _environment(workflow: dict, job: dict, run: Run) -> dict:
    values = {**workflow.get("env", {}), **job.get("env", {})}
    return {key: str(expand(value, run)) for key, value in values.items()}


def run_job(workflow_path: Path, job_name: str, checkout: Path, run: Run) -> None:
    """Run one job of the workflow in a fresh copy of ``checkout``; its artifacts go to ``run.artifacts``.
    WorkflowRefused if the stand-in cannot run it, the role refuses the token, or a step fails."""
    workflow = yaml.safe_load(Path(workflow_path).read_text())
    job = workflow["jobs"][job_name]
    if "defaults" in workflow:
        raise WorkflowRefused(f"defaults: {_DEFAULT_SHELL_ONLY}")
    if not job_enabled(job, run):
        run.say(f"  job {job_name}: skipped ({job['if']})")
        return
    plan = plan_job(job, run)
    if {**workflow.get("permissions", {}), **job.get("permissions", {})}.get("id-token") != "write":
        raise WorkflowRefused(f"job {job_name}: no permissions id-token: write, so GitHub gives it no OIDC token")
    run.say(f"  job {job_name} ({run.repository}, {subject(run, job)}): as {plan.role_arn.rsplit('/', 1)[-1]}")
    credentials = web_identity_credentials(run, job, plan.role_arn, plan.duration)
    with tempfile.TemporaryDirectory(prefix="github-job-") as scratch:
        workspace = Path(scratch) / "workspace"
        shutil.copytree(checkout, workspace, ignore=shutil.ignore_patterns(".venv", "__pycache__", ".git"))
        for name in plan.downloads:
            if name not in run.artifacts:
                raise WorkflowRefused(f"download-artifact {name}: no earlier job of the run uploaded it")
            shutil.copytree(run.artifacts[name], workspace, dirs_exist_ok=True)
        spec = {"version": 0.2, "env": {"shell": "bash"},  # the runner's default shell: bash -e {0}
                "phases": {"install": {"runtime-versions": {"python": plan.python}, "commands": plan.install},
                           "build": {"commands": plan.commands}}}
        buildspec = Path(scratch) / f"{job_name}.yml"
        buildspec.write_text(yaml.safe_dump(spec, sort_keys=False))
        project = {"Name": f"github-{job_name}", "Environment": {"EnvironmentVariables": [
            {"Name": key, "Value": value} for key, value in _environment(workflow, job, run).items()]}}
        github = {"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": run.repository, "GITHUB_REF": run.ref,
                  "GITHUB_WORKSPACE": str(workspace), "AWS_ENDPOINT_URL": run.endpoint_url}
        try:
            run_buildspec(buildspec, workspace, project, plan.region, extra_env={**credentials, **github}, say=run.say)
        except BuildspecError as error:
            raise WorkflowRefused(f"job {job_name}: {error}") from None
        for name, paths in plan.uploads:
            target = Path(tempfile.mkdtemp(prefix=f"artifact-{name}-"))
            for path in paths:
                (target / path).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(workspace / path, target / path)
            run.artifacts[name] = target
