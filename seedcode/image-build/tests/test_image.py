"""The image this repo builds, checked without docker: the Dockerfile linted, its base image, its pins."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from base_image import REGISTRIES, UnknownRegion, base_image, main  # noqa: E402

DOCKERFILE = (REPO / "Dockerfile").read_text()


def test_the_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert hadolint, "hadolint is installed by requirements-dev.txt"
    result = subprocess.run([hadolint, "--config", str(REPO / ".hadolint.yaml"), "Dockerfile"], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_fails_an_unpinned_install(tmp_path):
    """The lint above can fail: an unpinned pip install and an untagged base image are findings."""
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert hadolint, "hadolint is installed by requirements-dev.txt"
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM ubuntu\nRUN pip install pandas\n")
    result = subprocess.run([hadolint, "--config", str(REPO / ".hadolint.yaml"), str(bad)], capture_output=True, text=True)
    assert result.returncode == 1 and "DL3006" in result.stdout and "DL3013" in result.stdout


def test_the_default_base_image_is_the_scikit_learn_image_of_us_east_1():
    default = re.search(r"^ARG BASE_IMAGE=(\S+)$", DOCKERFILE, re.M).group(1)
    assert default == base_image("us-east-1")
    assert re.search(r"^FROM \$\{BASE_IMAGE\}$", DOCKERFILE, re.M)


def test_the_image_keeps_every_package_of_its_base_image():
    """pip installs the additions with the base image's own packages as constraints."""
    assert "pip list --format=freeze" in DOCKERFILE and "-c /opt/project/base-image-packages.txt" in DOCKERFILE


@pytest.mark.parametrize("region, uri", [
    ("us-east-1", "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"),
    ("eu-west-1", "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"),
    ("cn-north-1", "450853457545.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-scikit-learn:1.2-1-cpu-py3"),
])
def test_each_region_pulls_from_aws_account_there(region, uri):
    assert base_image(region) == uri


def test_an_unknown_region_is_one_clear_line(capsys):
    with pytest.raises(UnknownRegion):
        base_image("mars-north-1")
    assert main(["mars-north-1"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "no sagemaker-scikit-learn:1.2-1-cpu-py3 image listed for region 'mars-north-1'" in error
    assert main([]) == 2


def test_every_registry_is_an_account_id():
    assert all(re.fullmatch(r"\d{12}", account) for account in REGISTRIES.values())


def test_every_addition_is_pinned_exactly():
    lines = [line.strip() for line in (REPO / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines and all(re.fullmatch(r"[A-Za-z0-9_.-]+==[A-Za-z0-9_.]+", line) for line in lines), lines
