"""Time a fresh clone to the end of `make demo` and of `make test`, as a new machine would run them:
a clone of the given revision, empty uv, pip and environment caches, CI=true. A failing target names the
tests pytest reported as failed. Target `setup` is the
set-up `make test` does before its first test: the catalog's .venv (each seed repo's environment is built
inside the suite, by tests/seedcode/test_seed_repos_alone.py).

Run: .venv/bin/python tests/bench/bench_fresh_clone.py [--rev REV] [--target demo|test|setup ...]
(e.g. --rev 742d3f8 for the state before issue 13's set-up changes). Prints one line per target.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def fresh_run(rev: str, target: str, keep_log: bool = False) -> tuple[float, int, str]:
    with tempfile.TemporaryDirectory(prefix="fresh-clone-") as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "--quiet", "--no-local", str(REPO_ROOT), str(clone)], check=True)
        subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", rev], check=True)
        env = {**os.environ, "CI": "true", "UV_CACHE_DIR": f"{tmp}/uv-cache", "PIP_NO_CACHE_DIR": "1",
               "SAGEMAKER_LOCAL_CACHE": f"{tmp}/sagemaker-local"}
        for key in ("VIRTUAL_ENV", "PYTHONPATH"):
            env.pop(key, None)
        started = time.perf_counter()
        goals = [".venv/.installed"] if target == "setup" else [target]
        result = subprocess.run(["make", *goals], cwd=clone, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        output = result.stdout + result.stderr
        lines = output.strip().splitlines()
        failed = [line for line in lines if line.startswith(("FAILED ", "ERROR "))]  # pytest's short summary
        if result.returncode or keep_log:  # kept whole: the clone and its logs go with the temporary folder
            log = REPO_ROOT / "build" / f"fresh-clone-{rev}-{target}.log"
            log.parent.mkdir(exist_ok=True)
            log.write_text(output)
            if result.returncode:
                failed.append(f"(whole output: {log})")
        return seconds, result.returncode, "; ".join(failed[:10]) if len(failed) > 1 or result.returncode == 0 \
            else f"{(lines[-1:] or [''])[0]} {failed[-1]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="HEAD", help="revision to clone (default: HEAD)")
    parser.add_argument("--target", action="append", choices=["demo", "test", "setup"], help="make target(s) (default: both)")
    parser.add_argument("--keep-log", action="store_true",
                        help="keep the whole output in build/ even when the target passes (e.g. with "
                             "PYTEST_ADDOPTS=--durations=50 for the slowest tests of a fresh run)")
    args = parser.parse_args()
    rev = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "--short", args.rev],
                         check=True, capture_output=True, text=True).stdout.strip()
    for target in args.target or ["demo", "test"]:
        seconds, code, last = fresh_run(rev, target, args.keep_log)
        print(f"{rev} make {target:<5} {seconds:7.1f}s  exit {code}  {'failed: ' if code else 'last line: '}"
              f"{last if code else last[:100]}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
