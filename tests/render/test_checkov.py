"""checkov (pinned in tests/checkov-requirements.txt, in its own cached environment) finds
nothing in any rendered template or in the model-deploy endpoint template. A justified
exception is recorded beside its resource (Metadata.checkov.skip with a comment).
"""

import json
import shutil
import subprocess

import pytest
from cfnlint.decode import decode_str

from products.local_aws.seed_executor import executor_module
from tests.conftest import REPO_ROOT

REQUIREMENTS = REPO_ROOT / "tests" / "checkov-requirements.txt"
TEMPLATES = REPO_ROOT / "templates"
ENDPOINT_TEMPLATE = REPO_ROOT / "seedcode" / "model-deploy" / "endpoint-config-template.yml"


@pytest.fixture(scope="module")
def checkov():
    environments = executor_module("environments")
    venv, _built = environments.cached_environment(
        "checkov", environments.find_python("3.11"), REQUIREMENTS.read_bytes(),
        lambda target: environments.uv_install(target, REQUIREMENTS),
        byte_compiled=True)  # checkov runs with this process's environment, PYTHONDONTWRITEBYTECODE included
    return venv / "bin" / "checkov"


def _scan(checkov, target) -> dict:
    """checkov's JSON report: failed, passed and skipped checks."""
    kind = ["-d", str(target)] if target.is_dir() else ["-f", str(target)]
    result = subprocess.run([str(checkov), *kind, "--framework", "cloudformation", "--skip-download", "--output", "json"],
                            capture_output=True, text=True)
    reports = json.loads(result.stdout)
    return reports[0] if isinstance(reports, list) else reports


def _failed(report: dict) -> list[str]:
    return [f"{c['check_id']} {c['resource']} ({c['file_path']})" for c in report.get("results", {}).get("failed_checks", [])]


def test_checkov_finds_nothing_in_the_endpoint_template(checkov):
    """The one exception (the model's network isolation, which AWS excludes from serverless endpoints) is
    recorded beside the model with its reason; checkov applies exactly it."""
    report = _scan(checkov, ENDPOINT_TEMPLATE)
    assert _failed(report) == []
    template, _ = decode_str(ENDPOINT_TEMPLATE.read_text())
    recorded = {(logical_id, skip["id"]): skip["comment"] for logical_id, resource in template["Resources"].items()
                for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])}
    assert recorded.keys() == {("Model", "CKV_AWS_370")} and "serverless" in recorded["Model", "CKV_AWS_370"]
    skipped = report.get("results", {}).get("skipped_checks", [])
    assert {(c["resource"].split(".")[-1], c["check_id"]) for c in skipped} == set(recorded)


def test_checkov_finds_nothing_in_the_templates_and_every_skip_says_why(checkov, rendered, artifacts_with_accounts,
                                                                        tmp_path):
    """One scan (14 s) of templates/ and of the product templates a catalog with target accounts renders (their
    key and cross-account grants): nothing failed, and the skips checkov applied are exactly the recorded ones,
    each with its reason. checkov does not report a CloudFormation skip's comment, so the comments are read from
    the rendered templates."""
    shutil.copytree(TEMPLATES, tmp_path / "templates")
    (tmp_path / "with-accounts").mkdir()
    for artifact in artifacts_with_accounts.product_templates.values():
        (tmp_path / "with-accounts" / f"{artifact.product}.json").write_bytes(artifact.data)
    report = _scan(checkov, tmp_path)
    assert _failed(report) == []
    assert report["summary"]["passed"] > 0
    with_accounts = [json.loads(a.data) for a in artifacts_with_accounts.product_templates.values()]
    recorded = {(logical_id, skip["id"]): skip.get("comment", "")
                for template in [*rendered.values(), *with_accounts]
                for logical_id, resource in template["Resources"].items()
                for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])}
    assert recorded and all(len(comment) > 40 for comment in recorded.values())
    skipped = report.get("results", {}).get("skipped_checks", [])
    assert {(c["resource"].split(".")[-1], c["check_id"]) for c in skipped} == set(recorded)
