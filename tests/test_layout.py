"""The house's import rules: each package of ``products`` imports only what its ``__init__`` says it may.

The rules are what keeps the three parts apart (what the products are, how they are published, the
local AWS they run on): products never import publishing or the local AWS, the local AWS never imports
publishing, so what publishes into the local AWS is the code that publishes into AWS.
"""

import ast
import sys
from pathlib import Path

import pytest

PRODUCTS_DIR = Path(__file__).resolve().parents[1] / "products"
PACKAGES = ("blocks", "functions", "catalog", "render", "analysis", "publishing", "local_aws", "demo")
# Who may import whom, by part: "registry" is products/__init__.py, "product" a product module beside it.
ALLOWED = {
    "registry": {"product", "blocks"},
    "product": {"blocks"},
    "blocks": {"functions"},
    "functions": set(),
    "catalog": {"blocks"},
    "analysis": set(),
    "render": {"registry", "blocks", "catalog", "analysis"},
    "publishing": {"registry", "blocks", "catalog", "render", "analysis"},
    "local_aws": {"analysis"},
    "demo": {"registry", "product", "blocks", "functions", "catalog", "render", "analysis", "publishing", "local_aws"},
}
# The deliberate reuse between products: a product extending the flow it is named for (the monitor products extend
# build-train-deploy and its Git flavour; build-train-batch-git extends build-train-git; image-build-git image-build).
PRODUCT_REUSE = {("build_train_deploy_monitor", "build_train_deploy"), ("build_train_deploy_monitor", "build_train_deploy_git"),
                 ("build_train_batch_git", "build_train_git"), ("image_build_git", "image_build")}


def part(module: str) -> str:
    """``products.render.synth`` -> "render"; ``products`` -> "registry"; ``products.deploy`` -> "product"."""
    names = module.split(".")
    if names == ["products"]:
        return "registry"
    return names[1] if names[1] in PACKAGES else "product"


def module_name(path: Path) -> str:
    relative = path.relative_to(PRODUCTS_DIR.parent).with_suffix("")
    names = list(relative.parts)
    return ".".join(names[:-1] if names[-1] == "__init__" else names)


def imported(path: Path) -> set[str]:
    """Every ``products...`` module the file imports, at any depth (lazy imports in functions count too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "products"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "products":
            if node.module == "products":  # from products import PRODUCTS / a submodule
                found |= {f"products.{a.name}" if a.name != "PRODUCTS" else "products" for a in node.names}
            else:
                found.add(node.module)
    return found


def violations() -> list[str]:
    found = []
    for path in sorted(PRODUCTS_DIR.rglob("*.py")):
        source = module_name(path)
        for target in sorted(imported(path)):
            if part(target) == part(source) and part(source) != "product":
                continue
            if part(source) == part(target) == "product":
                pair = (source.split(".")[-1], target.split(".")[-1])
                if pair in PRODUCT_REUSE:
                    continue
            elif part(target) in ALLOWED[part(source)]:
                continue
            found.append(f"{source} ({part(source)}) imports {target} ({part(target)})")
    return found


def test_every_package_imports_only_what_it_may():
    assert violations() == []


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_says_what_it_is_and_what_it_may_import(package):
    doc = ast.get_docstring(ast.parse((PRODUCTS_DIR / package / "__init__.py").read_text()))
    assert doc and "May import" in doc, f"products/{package}/__init__.py: say what it is and what it may import"


def test_the_rules_catch_an_import_that_breaks_them(tmp_path, monkeypatch):
    """A product module importing publishing, and the local AWS importing publishing, are both found."""
    fake = tmp_path / "products"
    (fake / "local_aws").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "churn.py").write_text("from products.publishing.aws import Aws\n")
    (fake / "local_aws" / "__init__.py").write_text('"""May import: nothing."""\n')
    (fake / "local_aws" / "shim.py").write_text("def f():\n    from products.publishing import stacks\n")
    monkeypatch.setattr(sys.modules[__name__], "PRODUCTS_DIR", fake)
    assert violations() == [
        "products.churn (product) imports products.publishing.aws (publishing)",
        "products.local_aws.shim (local_aws) imports products.publishing (publishing)",
    ]
