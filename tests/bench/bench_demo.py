"""Measure the local demo: wall time per step (median of N runs), the model's MSE, and the stand-ins the demo
names (each line it prints that says "stand-in" or "not emulated", once).
Needs only the catalog's .venv (the buildspecs build their own environments).
Run: .venv/bin/python tests/bench/bench_demo.py [--scenario endpoints|batch|monitor|accounts] [--runs 3]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from products.demo.run import run_demo  # noqa: E402

STAND_IN_WORDS = ("stand-in", "not emulated")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="endpoints")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    per_step, totals, mse, stand_ins = {}, [], None, {}
    for _ in range(args.runs):
        lines: list[str] = []
        started = time.perf_counter()
        result = run_demo(say=lines.append, scenario=args.scenario)
        totals.append(time.perf_counter() - started)
        for title, seconds in result.durations.items():
            per_step.setdefault(title, []).append(seconds)
        for line in lines:
            for word in STAND_IN_WORDS:  # from the words on: the same stand-in in every run, whatever its names
                if word in line:
                    stand_ins.setdefault(line[line.index(word):].split(";")[0][:110], None)
        mse = result.mse
    print(f"demo {args.scenario} wall time: median {statistics.median(totals):.2f}s over {args.runs} runs "
          f"(min {min(totals):.2f}s, max {max(totals):.2f}s), emulator start included")
    for number, (title, values) in enumerate(per_step.items(), start=1):
        print(f"  {number}. {title:<46} median {statistics.median(values):6.2f}s")
    print(f"model test MSE {mse:.4f} (RMSE {mse ** 0.5:.4f})")
    print(f"stand-ins named ({len(stand_ins)}):")
    for line in stand_ins:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
