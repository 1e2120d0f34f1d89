"""The repo's modules import each other without a cycle, so each can be read (and changed) on its own."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def module_name(path: Path) -> str:
    names = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(names[:-1] if names[-1] == "__init__" else names)


def imports() -> dict[str, set[str]]:
    """Module -> the modules of this repo it imports, lazy imports inside functions included."""
    modules = {module_name(path): path for path in SRC.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                # ``from package import module`` depends on that module; ``from module import name`` on the module.
                submodules = [f"{node.module}.{alias.name}" for alias in node.names]
                candidates = [s for s in submodules if s in modules] or [node.module]
            elif isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                continue
            found |= {candidate for candidate in candidates if candidate in modules and candidate != name}
        graph[name] = found
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as a path of module names, or [] when there is none."""
    state = {}

    def visit(name, path):
        state[name] = "open"
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                return path + [name, target]
            if target not in state and (found := visit(target, path + [name])):
                return found
        state[name] = "done"
        return []

    for name in sorted(graph):
        if name not in state and (found := visit(name, [])):
            return found
    return []


def test_no_module_imports_back_into_one_that_imports_it():
    assert cycle(imports()) == []


def test_the_check_finds_a_cycle():
    assert cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]
