"""The "Your project" section synth writes into each seed README (products/render/seed_readme.py)."""

import io
import zipfile

import pytest

from products.render import seed_readme
from products.analysis.resolve import resolve
from tests.conftest import SAMPLE_PROJECT


def _readme(artifacts, repo) -> str:
    data = next(a.data for a in artifacts if a.path == f"seedcode/{repo}.zip")
    return zipfile.ZipFile(io.BytesIO(data)).read("README.md").decode()


@pytest.mark.parametrize("repo", ["model-build", "model-deploy"])
def test_the_zip_readme_names_the_projects_resources_as_the_template_does(artifacts, rendered, repo):
    readme = _readme(artifacts, repo)
    assert "Filled in when the catalog is published" not in readme
    props = resolve(rendered["templates/build-train-deploy.json"], SAMPLE_PROJECT).resources()
    for logical_id in ("ArtifactBucket", "ModelPackageGroup"):
        name = next(v for k, v in props[logical_id]["Properties"].items() if k in ("BucketName", "ModelPackageGroupName"))
        shown = name.replace(SAMPLE_PROJECT["SageMakerProjectId"], "<project-id>").replace(
            SAMPLE_PROJECT["SageMakerProjectName"], "<project-name>")
        assert f"`{shown}`" in readme, (logical_id, shown)
    assert "123456789012" not in readme and "us-east-1" not in readme


def test_a_readme_without_the_markers_is_a_synth_error():
    with pytest.raises(ValueError, match="model-build/README.md: no <!-- your-project:start -->"):
        seed_readme.with_section("# Model build\n", "section", "model-build/README.md")
