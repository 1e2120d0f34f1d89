"""The committed templates/ are the golden files: exactly what synth renders now, seed-code keys aside.

The golden render puts a placeholder where the published templates carry each seed zip's digest, so
templates/ changes only when a template does, never with an edit to seed code or a buildspec.
"""

import difflib
import json
import shutil
from pathlib import Path

import pytest

from products.render.synth import BUILDSPECS_DIR, GOLDEN_SEED_DIGEST, SEEDCODE_DIR, synthesize

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
_IGNORED = shutil.ignore_patterns(".venv", "build", "__pycache__", ".pytest_cache")


def golden(artifacts) -> dict[str, bytes]:
    return {Path(a.path).name: a.data for a in artifacts.templates}


@pytest.fixture(scope="module")
def golden_artifacts(config):
    return synthesize(config, golden=True)


def test_committed_templates_match_synth(golden_artifacts):
    expected = golden(golden_artifacts)
    committed = {path.name: path.read_bytes() for path in TEMPLATES_DIR.glob("*.json")}
    assert sorted(committed) == sorted(expected), "templates/ lists other files than synth renders; run `make templates`"
    stale = []
    for name, data in expected.items():
        if committed[name] != data:
            diff = difflib.unified_diff(
                committed[name].decode().splitlines(), data.decode().splitlines(),
                f"templates/{name} (committed)", f"templates/{name} (synth)", lineterm="", n=2,
            )
            stale.append("\n".join(list(diff)[:60]))
    assert not stale, "templates/ is stale; run `make templates` and commit:\n" + "\n\n".join(stale)


def test_a_seed_code_edit_changes_the_published_templates_but_no_golden_file(config, golden_artifacts, tmp_path):
    seedcode = tmp_path / "seedcode"
    shutil.copytree(SEEDCODE_DIR, seedcode, ignore=_IGNORED)
    settings = seedcode / "model-build" / "src" / "abalone_pipeline" / "settings.py"
    settings.write_text(settings.read_text() + "\n# a data scientist's edit\n")

    assert golden(synthesize(config, seedcode, BUILDSPECS_DIR, golden=True)) == golden(golden_artifacts)
    published_before = golden(synthesize(config))
    published_after = golden(synthesize(config, seedcode, BUILDSPECS_DIR))
    changed = sorted(name for name in published_before if published_before[name] != published_after[name])
    assert "build-train-deploy.json" in changed and "deploy.json" not in changed  # deploy has no model-build repo


def test_published_templates_carry_the_digests_and_golden_ones_the_placeholder(artifacts, golden_artifacts):
    zip_keys = {a.key for a in artifacts if a.kind == "seed-code"}
    published = json.loads(golden(artifacts)["build-train-deploy.json"])["Parameters"]
    golden_parameters = json.loads(golden(golden_artifacts)["build-train-deploy.json"])["Parameters"]
    assert published["ModelBuildSeedCodeKey"]["Default"] in zip_keys
    assert GOLDEN_SEED_DIGEST in golden_parameters["ModelBuildSeedCodeKey"]["Default"]
    assert GOLDEN_SEED_DIGEST not in json.dumps(published)
