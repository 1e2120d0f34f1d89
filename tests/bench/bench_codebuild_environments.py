"""Estimate each seed buildspec's CodeBuild install phase by running its install commands in the
CodeBuild stand-in (products/local_aws/codebuild_image.py): a fresh Python 3.12 environment and empty uv and
pip caches (CodeBuild starts every build without them), then again with the environment cached.

Each buildspec is measured as written (pinned uv) and with the pip commands it had before
(`python -m pip install --upgrade pip`, then `pip install` of the same pins), so the figure
shows what uv saves per push. This machine's pip also reads a local wheel folder (/opt/wheels),
which CodeBuild does not have: the pip figure is, if anything, too low.
Run: .venv/bin/python tests/bench/bench_codebuild_environments.py
"""

import io
import os
import statistics
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import yaml  # noqa: E402

from products.local_aws.codebuild import run_buildspec  # noqa: E402
from products import PRODUCTS  # noqa: E402
from products.catalog.config import DEFAULT_CONFIG, load_config  # noqa: E402
from products.render.synth import synthesize  # noqa: E402

BUILDSPECS = {"model-build": ("seedcode/model-build.zip", "codebuild-buildspec.yml"),
              "model-deploy": ("seedcode/model-deploy.zip", "buildspec.yml"),
              "staging-test": ("seedcode/model-deploy.zip", "test/buildspec.yml")}
CACHED_RUNS = 2
PROJECT = {"Name": "bench", "Environment": {"EnvironmentVariables": []}}


def pip_commands(commands: list[str]) -> list[str]:
    """The install phase as it was before uv: the same requirement arguments, through pip."""
    (install,) = [c for c in commands if "uv pip install" in c]
    arguments = install.split("sys.executable)')\" ", 1)[1]
    return ["python -m pip install --upgrade --quiet pip", f"python -m pip install --quiet {arguments}"]


def install_only(source: Path, buildspec: str, work: Path, variant: str) -> Path:
    spec = yaml.safe_load((source / buildspec).read_text())
    install = dict(spec["phases"]["install"])
    if variant == "pip":
        install["commands"] = pip_commands(install["commands"])
    path = work / f"install-{variant}-{buildspec.replace('/', '-')}"
    path.write_text(yaml.safe_dump({"version": 0.2, "phases": {"install": install}}))
    return path


def measure(name: str, source: Path, buildspec: str, tmp: Path, variant: str) -> str:
    os.environ["SAGEMAKER_LOCAL_CACHE"] = str(tmp / f"cache-{name}-{variant}")
    os.environ["UV_CACHE_DIR"] = str(tmp / f"uv-cache-{name}-{variant}")
    os.environ["PIP_NO_CACHE_DIR"] = "1"
    spec_path = install_only(source, buildspec, tmp, variant)
    cold = run_buildspec(spec_path, source, PROJECT, "us-east-1", say=lambda _line: None)
    assert cold.environment_built
    cached = [run_buildspec(spec_path, source, PROJECT, "us-east-1", say=lambda _line: None).install_seconds
              for _ in range(CACHED_RUNS)]
    return f"{cold.install_seconds:6.1f}s fresh, {statistics.median(cached):5.1f}s with the environment cached"


def main() -> int:
    artifacts = {a.path: a.data for a in synthesize(load_config(DEFAULT_CONFIG, PRODUCTS))}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (zip_path, buildspec) in BUILDSPECS.items():
            source = Path(tmp) / name
            zipfile.ZipFile(io.BytesIO(artifacts[zip_path])).extractall(source)
            for variant in ("uv", "pip"):
                label = "as written (uv)" if variant == "uv" else "former pip commands"
                print(f"{name:<13} {label:<20} {measure(name, source, buildspec, Path(tmp), variant)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
