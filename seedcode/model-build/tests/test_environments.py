"""pipeline_executor.environments: an environment is built once, and byte-compiled when the processes that use it
would otherwise compile what they import on every start (PYTHONDONTWRITEBYTECODE)."""

import pytest

from pipeline_executor import environments


def _write_module(venv):
    site = next((venv / "lib").glob("python*/site-packages"))
    (site / "local_module.py").write_text("VALUE = 1\n")


def _compiled(venv) -> bool:
    return any((venv / "lib").glob("python*/site-packages/__pycache__/local_module.*.pyc"))


@pytest.mark.parametrize("no_bytecode, writes_own, compiled", [
    ("1", False, True),  # its users would compile it on every start: compiled once here
    ("1", True, False),  # its users write their own cache
    ("", False, False),  # Python caches on first use
])
def test_an_environment_is_compiled_only_where_its_users_write_no_bytecode(
        tmp_path, monkeypatch, no_bytecode, writes_own, compiled):
    monkeypatch.setenv("SAGEMAKER_LOCAL_CACHE", str(tmp_path))
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", no_bytecode)
    python = environments.this_python()
    venv, built = environments.cached_environment("check", python, "recipe", _write_module,
                                                  writes_own_bytecode=writes_own)
    assert built and _compiled(venv) == compiled
    again, built_again = environments.cached_environment("check", python, "recipe", _write_module,
                                                         writes_own_bytecode=writes_own)
    assert (again, built_again) == (venv, False)
