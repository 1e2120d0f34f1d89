"""Measure the catalog's offline verbs: wall time of `publish.py --help`, `synth` and `lint` (median
of 5 runs each, as a user runs them, interpreter start included; lint both cold, with an empty result
cache, and warm, on an unchanged catalog), resources per template, the
lint result, and the code lines each product module adds beyond the shared blocks.
Run: .venv/bin/python tests/bench/bench_catalog.py
"""

import ast
import io
import os
import json
import statistics
import subprocess
import sys
import tempfile
import time
import tokenize
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
RUNS = 5


def timed(*args, env=None) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, str(REPO_ROOT / "publish.py"), *args], capture_output=True, text=True,
                            env=None if env is None else {**os.environ, **env})
    return time.perf_counter() - started, result


def code_lines(path: Path) -> int:
    """Lines holding code: no blank lines, comments or docstrings."""
    source = path.read_text()
    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and ast.get_docstring(node) is not None:
            first = node.body[0]
            docstrings.update(range(first.lineno, first.end_lineno + 1))
    lines = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                              tokenize.ENDMARKER):
            lines.update(range(token.start[0], token.end[0] + 1))
    return len(lines - docstrings)


def report_code_lines() -> None:
    sys.path.insert(0, str(REPO_ROOT))
    from products import PRODUCTS

    for name, product in PRODUCTS.items():
        module = Path(sys.modules[product.build.__module__].__file__)
        print(f"product {name}: {code_lines(module)} code lines in {module.relative_to(REPO_ROOT)}")
    blocks = sorted((REPO_ROOT / "products" / "blocks").glob("*.py"))
    print(f"shared blocks: {sum(code_lines(p) for p in blocks)} code lines in {len(blocks)} modules")
    for extra in ("products/blocks/seed_checkin.py", "products/functions/seed_checkin.py"):
        print(f"{extra}: {code_lines(REPO_ROOT / extra)} code lines")


def main() -> int:
    report_code_lines()
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "build")
        help_times = [timed("--help")[0] for _ in range(RUNS)]
        print(f"--help: median {statistics.median(help_times):.2f}s over {RUNS} runs "
              f"(min {min(help_times):.2f}s, max {max(help_times):.2f}s)")
        synth_times, cold_times, warm_times = [], [], []
        for run in range(RUNS):
            seconds, result = timed("synth", "--out", out)
            assert result.returncode == 0, result.stderr
            synth_times.append(seconds)
            cache = {"CATALOG_LINT_CACHE": str(Path(tmp) / f"lint-cache-{run}")}
            seconds, lint = timed("lint", "--out", out, env=cache)
            cold_times.append(seconds)
            seconds, warm = timed("lint", "--out", out, env=cache)
            assert warm.stdout.splitlines()[-1].split(" in ")[0] == lint.stdout.splitlines()[-1].split(" in ")[0]
            warm_times.append(seconds)
        for label, times in (("synth", synth_times), ("lint, cold", cold_times), ("lint, warm", warm_times)):
            print(f"{label + ':':<12} median {statistics.median(times):.2f}s over {RUNS} runs "
                  f"(min {min(times):.2f}s, max {max(times):.2f}s)")
        print(f"lint result (exit {lint.returncode}): {lint.stdout.strip().splitlines()[-1]}")
        manifest = json.loads((Path(out) / "manifest.json").read_text())["artifacts"]
        for entry in manifest:
            if entry["path"].endswith(".json") and not entry["path"].startswith("studio-templates/"):
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
