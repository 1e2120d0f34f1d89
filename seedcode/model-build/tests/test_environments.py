"""pipeline_executor.environments: an environment is built once, and byte-compiled when asked where its processes
would otherwise compile what they import on every start (PYTHONDONTWRITEBYTECODE)."""

import pytest

from pipeline_executor import environments


def _write_module(venv):
    site = next((venv / "lib").glob("python*/site-packages"))
    (site / "local_module.py").write_text("VALUE = 1\n")


def _compiled(venv) -> bool:
    return any((venv / "lib").glob("python*/site-packages/__pycache__/local_module.*.pyc"))


@pytest.mark.parametrize("no_bytecode, asked, compiled", [
    ("1", True, True),  # its processes would compile it on every start: compiled once here
    ("1", False, False),  # its processes run in a clean environment and write their own cache
    ("", True, False),  # Python caches on first use
])
def test_an_environment_is_compiled_only_where_asked_and_no_bytecode_is_written(
        tmp_path, monkeypatch, no_bytecode, asked, compiled):
    monkeypatch.setenv("SAGEMAKER_LOCAL_CACHE", str(tmp_path))
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", no_bytecode)
    python = environments.this_python()
    venv, built = environments.cached_environment("check", python, "recipe", _write_module,
                                                  byte_compiled=asked)
    assert built and _compiled(venv) == compiled
    again, built_again = environments.cached_environment("check", python, "recipe", _write_module,
                                                         byte_compiled=asked)
    assert (again, built_again) == (venv, False)
