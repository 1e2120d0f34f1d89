"""checkov (pinned in tests/checkov-requirements.txt, in its own cached environment) finds
nothing in any rendered template or in the model-deploy endpoint template. A justified
exception is recorded beside its resource (Metadata.checkov.skip with a comment).
"""

import json
import subprocess

import pytest

from products.local_aws.seed_executor import executor_module
from tests.conftest import REPO_ROOT

REQUIREMENTS = REPO_ROOT / "tests" / "checkov-requirements.txt"
TARGETS = [REPO_ROOT / "templates", REPO_ROOT / "seedcode" / "model-deploy" / "endpoint-config-template.yml"]


@pytest.fixture(scope="module")
def checkov():
    environments = executor_module("environments")
    venv, _built = environments.cached_environment(
        "checkov", environments.find_python("3.11"), REQUIREMENTS.read_bytes(),
        lambda target: environments.uv_install(target, REQUIREMENTS))
    return venv / "bin" / "checkov"


def _scan(checkov, target, quiet=True) -> dict:
    """checkov's JSON report; with ``quiet`` it lists failed checks only (not passed or skipped ones)."""
    kind = ["-d", str(target)] if target.is_dir() else ["-f", str(target)]
    result = subprocess.run([str(checkov), *kind, "--framework", "cloudformation", "--skip-download", "--output", "json",
                             *(["--quiet"] if quiet else [])], capture_output=True, text=True)
    reports = json.loads(result.stdout)
    return reports[0] if isinstance(reports, list) else reports


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_checkov_finds_nothing(checkov, target):
    report = _scan(checkov, target)
    failed = [f"{c['check_id']} {c['resource']} ({c['file_path']})" for c in report.get("results", {}).get("failed_checks", [])]
    assert failed == []
    assert report["summary"]["passed"] > 0


def test_every_skip_says_why_and_is_the_one_checkov_applies(checkov, rendered):
    """checkov does not report a CloudFormation skip's comment, so the comments are read here."""
    recorded = {(logical_id, skip["id"]): skip.get("comment", "")
                for template in rendered.values() for logical_id, resource in template["Resources"].items()
                for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])}
    assert recorded and all(len(comment) > 40 for comment in recorded.values())
    skipped = _scan(checkov, TARGETS[0], quiet=False).get("results", {}).get("skipped_checks", [])
    assert {(c["resource"].split(".")[-1], c["check_id"]) for c in skipped} == set(recorded)
