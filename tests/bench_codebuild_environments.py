"""Measure each seed buildspec's install phase in its CodeBuild stand-in environment
(products/codebuild_image.py): created in an empty environment cache, then cached (the
install commands run again, as on every build). pip's own download cache is as this
machine has it; say so when quoting the cold figure.
Run: .venv/bin/python tests/bench_codebuild_environments.py
"""

import io
import os
import statistics
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml  # noqa: E402

from products.buildspec_runner import run_buildspec  # noqa: E402
from products.config import load_config  # noqa: E402
from products.synth import synthesize  # noqa: E402

BUILDSPECS = {"model-build": ("seedcode/model-build.zip", "codebuild-buildspec.yml"),
              "model-deploy": ("seedcode/model-deploy.zip", "buildspec.yml")}
CACHED_RUNS = 3
PROJECT = {"Name": "bench", "Environment": {"EnvironmentVariables": []}}


def install_only(source: Path, buildspec: str, work: Path) -> Path:
    spec = yaml.safe_load((source / buildspec).read_text())
    path = work / f"install-{buildspec.replace('/', '-')}"
    path.write_text(yaml.safe_dump({"version": 0.2, "phases": {"install": spec["phases"]["install"]}}))
    return path


def main() -> int:
    artifacts = {a.path: a.data for a in synthesize(load_config())}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SAGEMAKER_LOCAL_CACHE"] = f"{tmp}/cache"
        for name, (zip_path, buildspec) in BUILDSPECS.items():
            source = Path(tmp) / name
            zipfile.ZipFile(io.BytesIO(artifacts[zip_path])).extractall(source)
            spec_path = install_only(source, buildspec, Path(tmp))
            cold = run_buildspec(spec_path, source, PROJECT, "us-east-1", say=lambda _line: None)
            cached = [run_buildspec(spec_path, source, PROJECT, "us-east-1", say=lambda _line: None).install_seconds
                      for _ in range(CACHED_RUNS)]
            assert cold.environment_built
            print(f"{name}: install phase {cold.install_seconds:.1f}s creating the environment, "
                  f"median {statistics.median(cached):.1f}s cached (over {CACHED_RUNS} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
