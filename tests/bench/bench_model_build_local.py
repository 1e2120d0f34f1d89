"""Measure the model-build seed repo's local run (`run-pipeline --local --offline`): wall
time and the executor's time per step, median of 3 runs with the image runtimes cached,
plus one run with an empty runtime cache (the runtimes are built with uv first); the test
MSE; the size of the repo's pinned environment; and the batch pipeline's local run
(`run-batch-pipeline --local --offline`: model build, approval, then the batch steps) and the
drift monitor's (`update-monitor-pipeline --local --offline`), median per step over 3 runs; the
model-build run's steps include the DriftBaseline step.
Needs seedcode/model-build/.venv (`make -C seedcode/model-build test` creates it).
Run: .venv/bin/python tests/bench/bench_model_build_local.py
"""

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2] / "seedcode" / "model-build"
RUNS = 3
STEP_LINE = re.compile(r"^  (\w+) succeeded in ([\d.]+)s")


def run_once(run_pipeline: Path, work: str, cache: str | None) -> tuple[float, dict, str]:
    """One offline local run of ``run_pipeline`` (run-pipeline or run-batch-pipeline)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}  # the machine's, no AWS
    env.pop("SAGEMAKER_LOCAL_CACHE", None)
    if cache:
        env["SAGEMAKER_LOCAL_CACHE"] = cache
    started = time.perf_counter()
    result = subprocess.run([str(run_pipeline), "--local", "--offline", "--work-dir", work],
                            capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    steps = {m.group(1): float(m.group(2)) for m in map(STEP_LINE.match, result.stdout.splitlines()) if m}
    return wall, steps, result.stdout


def main() -> int:
    run_pipeline = REPO / ".venv" / "bin" / "run-pipeline"
    if not run_pipeline.exists():
        print(f"{run_pipeline} missing: run `make -C {REPO} test` first", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        cold_wall, cold_steps, _ = run_once(run_pipeline, f"{tmp}/cold", f"{tmp}/empty-cache")
        walls, steps = [], {}
        for _ in range(RUNS):
            wall, seconds, _ = run_once(run_pipeline, f"{tmp}/run", None)
            walls.append(wall)
            for name, value in seconds.items():
                steps.setdefault(name, []).append(value)
        evaluation = Path(f"{tmp}/run/steps/Evaluate/opt-ml/processing/evaluation/evaluation.json")
        mse = json.loads(evaluation.read_text())["regression_metrics"]["mse"]["value"]
    print(f"local run wall time (process start to exit), runtimes cached: median {statistics.median(walls):.2f}s "
          f"over {RUNS} runs (min {min(walls):.2f}s, max {max(walls):.2f}s)")
    for name, seconds in steps.items():
        print(f"  {name:<14} median {statistics.median(seconds):.3f}s")
    print(f"with an empty runtime cache (both image runtimes built by uv first): {cold_wall:.2f}s; "
          + ", ".join(f"{k} {v:.2f}s" for k, v in cold_steps.items()))
    print(f"test MSE {mse:.4f}, RMSE {mse ** 0.5:.4f}")
    size = subprocess.run(["du", "-sh", str(REPO / ".venv")], capture_output=True, text=True).stdout.split()[0]
    print(f"installed environment (.venv, '.[test]' with constraints.txt): {size}")
    report_batch_run()
    return 0


# The batch and monitor commands' offline runs: their own steps, after the model-build run they start with.
OTHER_RUNS = {
    "batch pipeline (4177 rows scored)": ("run-batch-pipeline", ("PrepareBatchInput", "CreateModel", "BatchTransform")),
    "drift monitor (628 captured requests)": ("update-monitor-pipeline", ("DriftCheck", "CheckDrift")),
}


def report_batch_run() -> None:
    for title, (command, step_names) in OTHER_RUNS.items():
        steps: dict = {}
        with tempfile.TemporaryDirectory() as tmp:
            for index in range(RUNS):
                _wall, seconds, _ = run_once(REPO / ".venv" / "bin" / command, f"{tmp}/run{index}", None)
                for name in step_names:
                    steps.setdefault(name, []).append(seconds[name])
        print(f"{title}, local run, runtimes cached, median over {RUNS} runs: "
              + ", ".join(f"{name} {statistics.median(v):.3f}s" for name, v in steps.items()))


if __name__ == "__main__":
    sys.exit(main())
