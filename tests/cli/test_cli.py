"""The CLI as a user runs it: publish.py and the console entry point."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from products.blocks.build_contract import SEED_REPOS

REPO_ROOT = Path(__file__).resolve().parents[2]


def run(*args, cwd=REPO_ROOT):
    return subprocess.run([sys.executable, str(REPO_ROOT / "publish.py"), *args], cwd=cwd, capture_output=True, text=True)


def test_help_lists_the_verbs_and_exit_codes():
    result = run("--help")
    assert result.returncode == 0
    for verb in ("synth", "lint", "products"):
        assert verb in result.stdout
    assert "Exit codes" in result.stdout


@pytest.mark.parametrize("verb", ["synth", "plan", "demo"])
def test_an_unknown_flag_shows_that_verbs_usage(verb):
    result = run(verb, "--no-such-flag")
    assert result.returncode == 2
    assert result.stderr.startswith(f"usage: publish.py {verb} ")
    assert result.stderr.rstrip().endswith(f"publish.py {verb}: error: unrecognized arguments: --no-such-flag")


def test_products_lists_the_catalog():
    result = run("products")
    assert result.returncode == 0
    assert "build-train-deploy" in result.stdout and "1.0.0" in result.stdout


def test_synth_then_lint_is_clean(tmp_path, config):
    out = tmp_path / "out"
    synth = run("synth", "--out", str(out))
    assert synth.returncode == 0, synth.stderr
    templates = len(config.products) + 3  # products, portfolio, roles, target-account
    # and the products' YAML copies for the S3 route, and the seed zips
    assert f"wrote {templates + len(config.products) + len(SEED_REPOS)} artifacts" in synth.stdout
    lint = run("lint", "--out", str(out))
    assert lint.returncode == 0, lint.stdout
    assert f"{templates} templates clean" in lint.stdout


def test_lint_fails_on_a_finding_and_names_file_rule_and_resource(tmp_path):
    out = tmp_path / "out"
    assert run("synth", "--out", str(out)).returncode == 0
    path = out / "templates" / "build-train-deploy.json"
    template = json.loads(path.read_text())
    template["Resources"]["ArtifactBucket"]["Properties"]["VersioningConfiguration"]["Status"] = "Sometimes"
    path.write_text(json.dumps(template, indent=2))
    lint = run("lint", "--out", str(out))
    assert lint.returncode == 1
    assert "templates/build-train-deploy.json:" in lint.stdout
    assert "Resources/ArtifactBucket/Properties/VersioningConfiguration/Status" in lint.stdout
    assert "E3030" in lint.stdout


def test_lint_without_synth_output_exits_2(tmp_path):
    result = run("lint", "--out", str(tmp_path / "missing"))
    assert result.returncode == 2
    assert "run `python publish.py synth` first" in result.stderr


def test_console_entry_point_runs_the_same_cli():
    entry = shutil.which("sagemaker-catalog", path=str(Path(sys.executable).parent))
    assert entry, "console script not installed; run `make test` (pip install -e .[dev])"
    result = subprocess.run([entry, "products"], capture_output=True, text=True, cwd="/")
    assert result.returncode == 0 and "build-train-deploy" in result.stdout


@pytest.mark.parametrize("heavy", ["cfnlint", "boto3", "sagemaker"])
def test_the_cli_imports_heavy_libraries_only_where_used(heavy):
    """cfn-lint (a third of a second) only to lint, boto3 only for AWS verbs, the SDK never: `--help` stays fast."""
    check = f"import sys, publish; assert not any(m.split('.')[0] == {heavy!r} for m in sys.modules)"
    result = subprocess.run([sys.executable, "-c", check], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
