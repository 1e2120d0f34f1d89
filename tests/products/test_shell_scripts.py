"""Every shell script the catalog ships passes shellcheck in the shell that runs it.

- A buildspec's commands run in one shell for the whole build (buildspec version 0.2), so they are checked as one
  script, in the buildspec's ``env: shell``: without one, CodeBuild runs ``/bin/sh``, which on standard:7.0 is dash,
  so a bashism there fails in AWS (the CodeBuild stand-in runs dash too: products/local_aws/codebuild_image.py).
- A workflow's ``run:`` step is a script of its own, run by GitHub's default shell on Linux, bash. Its ``${{ }}``
  expressions are replaced by a word of the same length before the check, as actionlint does for its shellcheck
  rule: actionlint itself cannot be installed here (see test_github_workflows.py).

SC2154 (a variable read but never set) is left out: the variables come from the CodeBuild project or the workflow's
``env``, and the CodeBuild stand-in's own check (codebuild.referenced_variables) owns that question.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from products.local_aws.codebuild import PHASES

ROOT = Path(__file__).resolve().parents[2]
BUILDSPECS = sorted((ROOT / "buildspecs").glob("*.yml"))
WORKFLOWS = sorted(ROOT.glob("seedcode/*/.github/workflows/*.yml"))
EXCLUDED = "SC2154"
_EXPRESSION = re.compile(r"\$\{\{.*?\}\}")


def shellcheck(script: str, dialect: str) -> str:
    """shellcheck's findings for ``script`` in ``dialect`` (sh or bash); empty when it is clean."""
    checker = Path(sys.executable).parent / "shellcheck"
    result = subprocess.run([str(checker), "--norc", "--shell", dialect, "--exclude", EXCLUDED, "-"],
                            input=script, capture_output=True, text=True)
    return result.stdout + result.stderr if result.returncode else ""


def buildspec_script(spec: dict) -> tuple[str, str]:
    """(script, dialect): the buildspec's commands in the order CodeBuild runs them, after an ``export`` of each of
    its exported-variables (CodeBuild reads them when the build ends, so setting one is using it)."""
    env = spec.get("env", {})
    dialect = "bash" if env.get("shell") == "bash" else "sh"
    phases = spec.get("phases", {})
    commands = [f"export {name}" for name in env.get("exported-variables", [])]
    commands += [c for p in PHASES for key in ("commands", "finally") for c in phases.get(p, {}).get(key) or []]
    return "\n".join(commands) + "\n", dialect


def run_steps(workflow: dict) -> list[tuple[str, str]]:
    """(where, script) for each run step, expressions replaced by a placeholder word of their length."""
    def as_words(script: str) -> str:
        return _EXPRESSION.sub(lambda match: "_" * len(match[0]), script)
    return [(f"{job_name}: {step.get('name', step['run'][:30])}", as_words(step["run"]))
            for job_name, job in workflow["jobs"].items() for step in job["steps"] if "run" in step]


@pytest.mark.parametrize("path", BUILDSPECS, ids=lambda p: p.name)
def test_every_buildspec_passes_shellcheck_in_its_shell(path):
    assert shellcheck(*buildspec_script(yaml.safe_load(path.read_text()))) == ""


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_workflow_run_step_passes_shellcheck_in_bash(path):
    workflow = yaml.safe_load(path.read_text())
    # Checked as GitHub's default shell runs them: no step or default may name another.
    assert "defaults" not in workflow and not any("defaults" in job for job in workflow["jobs"].values())
    steps = run_steps(workflow)
    assert not any("shell" in step for job in workflow["jobs"].values() for step in job["steps"])
    findings = [(where, shellcheck(script, "bash")) for where, script in steps]
    assert findings and [(where, found) for where, found in findings if found] == []


def test_a_bashism_in_a_buildspec_without_shell_bash_is_found():
    spec = {"phases": {"build": {"commands": ["set -o pipefail", "[[ -n \"$X\" ]] && echo set"]}}}
    found = shellcheck(*buildspec_script(spec))
    assert "SC3040" in found and "SC3010" in found  # pipefail and [[ ]] are undefined in POSIX sh
    assert shellcheck(*buildspec_script({**spec, "env": {"shell": "bash"}})) == ""


def test_an_expression_in_a_run_step_is_checked_as_a_word():
    workflow = {"jobs": {"j": {"steps": [{"run": "cd ${{ vars.DIR }}\necho ${{ github.ref }} $unquoted"}]}}}
    (_where, script), = run_steps(workflow)
    assert "${{" not in script
    found = shellcheck(script, "bash")
    assert "SC2086" in found and "SC2164" in found  # unquoted expansion; cd without || exit
