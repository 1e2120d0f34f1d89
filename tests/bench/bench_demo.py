"""Measure the local demo: wall time per step (median of 3 runs) and the model's MSE.
Needs only the catalog's .venv (the buildspecs build their own environments).
Run: .venv/bin/python tests/bench/bench_demo.py
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from products.demo.run import run_demo  # noqa: E402

RUNS = 3


def main() -> int:
    per_step, totals, mse = {}, [], None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = run_demo(say=lambda *_: None)
        totals.append(time.perf_counter() - started)
        for title, seconds in result.durations.items():
            per_step.setdefault(title, []).append(seconds)
        mse = result.mse
    print(f"demo wall time: median {statistics.median(totals):.2f}s over {RUNS} runs "
          f"(min {min(totals):.2f}s, max {max(totals):.2f}s), emulator start included")
    for number, (title, values) in enumerate(per_step.items(), start=1):
        print(f"  {number}. {title:<46} median {statistics.median(values):6.2f}s")
    print(f"model test MSE {mse:.4f} (RMSE {mse ** 0.5:.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
