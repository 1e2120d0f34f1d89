"""synth: deterministic bytes, an honest manifest, all-or-nothing output."""

import hashlib
import io
import json
import zipfile

import pytest

from products.render.synth import (
    MANIFEST, SynthError, build_zip, content_digest, read_output, synthesize, write_output,
)


def _tree(directory):
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_two_runs_give_identical_bytes(config, tmp_path):
    write_output(synthesize(config), tmp_path / "one")
    write_output(synthesize(config), tmp_path / "two")
    one, two = _tree(tmp_path / "one"), _tree(tmp_path / "two")
    assert one == two
    products = {f"templates/{name}.json" for name in config.products} | {f"studio-templates/{name}.yaml" for name in config.products}
    assert {"manifest.json", "portfolio.json", "roles.json", "target-account.json", "seedcode/model-build.zip",
            "seedcode/model-deploy.zip", "seedcode/image-build.zip", *products} == set(one)


def test_manifest_lists_every_artifact_with_its_hash(config, tmp_path):
    write_output(synthesize(config), tmp_path / "out")
    entries = json.loads((tmp_path / "out" / MANIFEST).read_text())["artifacts"]
    files = _tree(tmp_path / "out")
    assert {e["path"] for e in entries} == set(files) - {MANIFEST}
    for entry in entries:
        assert entry["sha256"] == hashlib.sha256(files[entry["path"]]).hexdigest()
        assert entry["bytes"] == len(files[entry["path"]])
    keys = [e["key"] for e in entries if "key" in e]
    assert len(keys) == len(set(keys)) == 3 + len(config.products)  # three seed zips and the product templates


def test_zip_entries_have_fixed_dates_and_modes():
    files = {"b.txt": (0o644, b"b"), "run.sh": (0o755, b"#!/bin/sh\n"), "a/c.py": (0o644, b"c")}
    archive = zipfile.ZipFile(io.BytesIO(build_zip(files)))
    assert archive.namelist() == ["a/c.py", "b.txt", "run.sh"]
    for info in archive.infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
    assert (archive.getinfo("run.sh").external_attr >> 16) & 0o777 == 0o755


def test_seed_key_depends_on_content_not_on_compression():
    files = {"a.py": (0o644, b"print('a')\n")}
    assert content_digest(files) == content_digest(dict(files))
    assert content_digest(files) != content_digest({"a.py": (0o755, b"print('a')\n")})
    assert content_digest(files) != content_digest({"b.py": (0o644, b"print('a')\n")})


MARKERS = "<!-- your-project:start -->\n<!-- your-project:end -->\n"


def test_seed_zip_skips_caches_and_changes_key_with_content(config, tmp_path):
    seedcode = tmp_path / "seedcode"
    for repo in ("model-build", "model-deploy", "image-build"):
        (seedcode / repo).mkdir(parents=True)
        (seedcode / repo / "README.md").write_text(f"{repo}\n{MARKERS}")
    (seedcode / "model-build" / "__pycache__").mkdir()
    (seedcode / "model-build" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    first = {a.path: a for a in synthesize(config, seedcode_dir=seedcode)}
    names = zipfile.ZipFile(io.BytesIO(first["seedcode/model-build.zip"].data)).namelist()
    assert names == ["README.md", "batch-buildspec.yml", "codebuild-buildspec.yml", "monitor-buildspec.yml"]
    (seedcode / "model-build" / "README.md").write_text(f"changed\n{MARKERS}")
    second = {a.path: a for a in synthesize(config, seedcode_dir=seedcode)}
    assert second["seedcode/model-build.zip"].key != first["seedcode/model-build.zip"].key
    assert second["seedcode/model-deploy.zip"].key == first["seedcode/model-deploy.zip"].key
    assert second["templates/build-train-deploy.json"].key != first["templates/build-train-deploy.json"].key


def test_seed_file_clashing_with_a_buildspec_is_an_error(config, tmp_path):
    seedcode = tmp_path / "seedcode"
    for repo in ("model-build", "model-deploy", "image-build"):
        (seedcode / repo).mkdir(parents=True)
    (seedcode / "model-build" / "codebuild-buildspec.yml").write_text("version: 0.2\n")
    with pytest.raises(SynthError, match="clashes with buildspecs/model-build.yml"):
        synthesize(config, seedcode_dir=seedcode)


def test_output_replaces_earlier_output_and_leaves_no_staging_dirs(config, tmp_path):
    out = tmp_path / "build"
    write_output(synthesize(config), out)
    (out / "stray.txt").write_text("left from an older synth")
    write_output(synthesize(config), out)
    assert not (out / "stray.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]


def test_refuses_to_replace_a_directory_that_is_not_synth_output(config, tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(SynthError, match="refusing to replace"):
        write_output(synthesize(config), tmp_path)
    assert (tmp_path / "precious.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["precious.txt"]


def test_a_seed_readme_without_the_your_project_markers_is_a_synth_error(config, tmp_path):
    seedcode = tmp_path / "seedcode"
    for repo in ("model-build", "model-deploy", "image-build"):
        (seedcode / repo).mkdir(parents=True)
        (seedcode / repo / "README.md").write_text(repo)
    with pytest.raises(SynthError, match="model-build/README.md: no <!-- your-project:start -->"):
        synthesize(config, seedcode_dir=seedcode)


def test_the_render_result_holds_each_artifact_by_what_it_is(artifacts, config):
    assert sorted(artifacts.product_templates) == sorted(artifacts.studio_templates) == sorted(config.products)
    assert sorted(artifacts.seed_zips) == ["image-build", "model-build", "model-deploy"]
    assert {a.kind for a in artifacts.product_templates.values()} == {"product-template"}
    assert (artifacts.portfolio.kind, artifacts.roles.kind, artifacts.target_account.kind) == (
        "portfolio", "roles", "target-account")
    assert artifacts.templates == [*artifacts.product_templates.values(), artifacts.portfolio, artifacts.roles,
                                   artifacts.target_account]
    assert {a.key for a in artifacts.uploads} == {a.key for a in artifacts if a.key} and None not in {
        a.key for a in artifacts.uploads}


def test_a_synth_output_reads_back_as_the_same_catalog(artifacts, tmp_path):
    write_output(artifacts, tmp_path / "out")
    assert read_output(tmp_path / "out") == artifacts


def test_a_synth_output_missing_a_listed_file_names_it(artifacts, tmp_path):
    write_output(artifacts, tmp_path / "out")
    (tmp_path / "out" / "roles.json").unlink()
    with pytest.raises(SynthError, match=r"roles.json: missing \(listed in the manifest\)"):
        read_output(tmp_path / "out")


def test_more_target_accounts_than_a_roles_inline_policy_can_name_are_refused_before_anything_is_written(config):
    """IAM caps a role's inline policies at 10,240 characters; each account adds its deploy role's ARN to three roles
    (about 95 fit beside today's statements)."""
    from dataclasses import replace

    from products.render.synth import SynthError, synthesize

    many = tuple(f"{100000000000 + i:012d}" for i in range(120))
    with pytest.raises(SynthError, match="CodebuildRole's inline policy would be 12226 characters, over IAM's 10240"):
        synthesize(replace(config, publish=replace(config.publish, organization_accounts=many)))
    synthesize(replace(config, publish=replace(config.publish, organization_accounts=many[:90])))
