"""Measure the model-build seed repo's Docker-free local run: wall time (median of 3) and
its per-step split, the test MSE and RMSE, and the size of the repo's pinned environment.
Needs seedcode/model-build/.venv (`make -C seedcode/model-build test` creates it).
Run: .venv/bin/python tests/bench_model_build_local.py
"""

import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent / "seedcode" / "model-build"
RUNS = 3
STEP_LINE = re.compile(r"^\d/5 (\w+)\s+ok\s+([\d.]+)s")


def main() -> int:
    run_pipeline = REPO / ".venv" / "bin" / "run-pipeline"
    if not run_pipeline.exists():
        print(f"{run_pipeline} missing: run `make -C {REPO} test` first", file=sys.stderr)
        return 2
    walls, steps = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(RUNS):
            started = time.perf_counter()
            result = subprocess.run(
                [str(run_pipeline), "--local", "--no-register", "--work-dir", f"{tmp}/run"],
                capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"},
            )
            walls.append(time.perf_counter() - started)
            assert result.returncode == 0, result.stderr
            for line in result.stdout.splitlines():
                match = STEP_LINE.match(line)
                if match:
                    steps.setdefault(match.group(1), []).append(float(match.group(2)))
        evaluation = json.loads(Path(f"{tmp}/run/evaluation/evaluation.json").read_text())
    mse = evaluation["regression_metrics"]["mse"]["value"]
    print(f"local run wall time (process start to exit): median {statistics.median(walls):.2f}s over {RUNS} runs "
          f"(min {min(walls):.2f}s, max {max(walls):.2f}s)")
    for name, seconds in steps.items():
        print(f"  {name:<14} median {statistics.median(seconds):.3f}s")
    print(f"test MSE {mse:.4f}, RMSE {mse ** 0.5:.4f}")
    size = subprocess.run(["du", "-sh", str(REPO / ".venv")], capture_output=True, text=True).stdout.split()[0]
    print(f"installed environment (.venv, '.[test]' with constraints.txt): {size}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
