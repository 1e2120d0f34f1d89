"""Measure the catalog's offline verbs: wall time of `synth` and `lint` (median of 5
runs each, as a user runs them, interpreter start included), resources per template, and
the lint result. Run: .venv/bin/python tests/bench_catalog.py
"""

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
RUNS = 5


def timed(*args) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, str(REPO_ROOT / "publish.py"), *args], capture_output=True, text=True)
    return time.perf_counter() - started, result


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "build")
        synth_times, lint_times = [], []
        for _ in range(RUNS):
            seconds, result = timed("synth", "--out", out)
            assert result.returncode == 0, result.stderr
            synth_times.append(seconds)
            seconds, lint = timed("lint", "--out", out)
            lint_times.append(seconds)
        print(f"synth: median {statistics.median(synth_times):.2f}s over {RUNS} runs "
              f"(min {min(synth_times):.2f}s, max {max(synth_times):.2f}s)")
        print(f"lint:  median {statistics.median(lint_times):.2f}s over {RUNS} runs "
              f"(min {min(lint_times):.2f}s, max {max(lint_times):.2f}s)")
        print(f"lint result (exit {lint.returncode}): {lint.stdout.strip().splitlines()[-1]}")
        manifest = json.loads((Path(out) / "manifest.json").read_text())["artifacts"]
        for entry in manifest:
            if entry["path"].endswith(".json"):
                template = json.loads((Path(out) / entry["path"]).read_text())
                kinds = {}
                for resource in template["Resources"].values():
                    kinds[resource["Type"]] = kinds.get(resource["Type"], 0) + 1
                print(f"{entry['path']}: {len(template['Resources'])} resources, {entry['bytes']} bytes")
                for kind, count in sorted(kinds.items()):
                    print(f"    {count} x {kind}")
            else:
                print(f"{entry['path']}: {entry['bytes']} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
