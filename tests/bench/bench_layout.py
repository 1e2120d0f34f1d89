"""Measure the house: modules per package of products/, the longest functions (products/, publish.py and the
seed code, tests excluded), and the README's length. Run: .venv/bin/python tests/bench/bench_layout.py [REV]
(REV: a git revision to measure instead of the work tree, e.g. the commit before a move)."""

import ast
import collections
import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def tree(revision: str | None) -> Path:
    if revision is None:
        return REPO_ROOT
    target = Path(tempfile.mkdtemp(prefix="bench-layout-"))
    archive = subprocess.run(["git", "archive", revision], cwd=REPO_ROOT, capture_output=True, check=True).stdout
    tarfile.open(fileobj=io.BytesIO(archive)).extractall(target, filter="data")
    return target


def modules_per_package(root: Path) -> dict[str, int]:
    counts = collections.Counter()
    for path in (root / "products").rglob("*.py"):
        parts = path.relative_to(root / "products").parts
        counts["products/" + ("/".join(parts[:-1]) or "(root)")] += 1
    return dict(sorted(counts.items()))


def long_functions(root: Path, limit: int = 60) -> list[tuple[int, str]]:
    paths = list((root / "products").rglob("*.py")) + [root / "publish.py"]
    paths += [p for p in (root / "seedcode").rglob("*.py") if not {"tests", ".venv", "build"} & set(p.parts)]
    rows = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > limit:
                rows.append((node.end_lineno - node.lineno + 1, f"{path.relative_to(root)}:{node.name}"))
    return sorted(rows, reverse=True)


def main() -> None:
    root = tree(sys.argv[1] if len(sys.argv) > 1 else None)
    for package, count in modules_per_package(root).items():
        print(f"{package:<32} {count:>3} modules")
    rows = long_functions(root)
    print(f"functions over 60 lines: {len(rows)}")
    for length, name in rows:
        print(f"  {length:>4}  {name}")
    print(f"README.md: {len((root / 'README.md').read_text().splitlines())} lines")


if __name__ == "__main__":
    main()
