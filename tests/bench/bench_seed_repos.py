"""Measure each seed repo as a data scientist gets it (the synthesized zip, unpacked into an
empty folder): environment set-up with an empty uv cache (every package downloaded) and
with uv's cache as this machine has it, then `make check`.
Run: .venv/bin/python tests/bench/bench_seed_repos.py
"""

import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from products import PRODUCTS  # noqa: E402
from products.catalog.config import DEFAULT_CONFIG, load_config  # noqa: E402
from products.render.synth import synthesize  # noqa: E402


def unpack(data: bytes, target: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            archive.extract(info, target)
            if (info.external_attr >> 16) & 0o777:
                (target / info.filename).chmod((info.external_attr >> 16) & 0o777)
    return target


def timed(command: list[str], cwd: Path, env: dict) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{(result.stdout + result.stderr)[-2000:]}")
    return time.perf_counter() - started


def main() -> int:
    artifacts = {a.path: a.data for a in synthesize(load_config(DEFAULT_CONFIG, PRODUCTS))}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "VIRTUAL_ENV", "PYTHON"))}
    env["PYTHON"] = str(Path(sys.base_prefix) / "bin" / "python3")
    with tempfile.TemporaryDirectory() as tmp:
        for repo in ("model-deploy", "model-build"):
            cold = unpack(artifacts[f"seedcode/{repo}.zip"], Path(tmp) / f"{repo}-cold")
            cold_seconds = timed(["make", ".venv/.installed"], cold, {**env, "UV_CACHE_DIR": f"{tmp}/empty-uv-cache-{repo}"})
            cached = unpack(artifacts[f"seedcode/{repo}.zip"], Path(tmp) / f"{repo}-cached")
            cached_seconds = timed(["make", ".venv/.installed"], cached, env)
            check_seconds = timed(["make", "check"], cached, env)
            print(f"{repo}: set-up {cold_seconds:.1f}s with an empty uv cache, {cached_seconds:.1f}s cached; "
                  f"make check {check_seconds:.1f}s after set-up")
            shutil.rmtree(cold)
    return 0


if __name__ == "__main__":
    sys.exit(main())
