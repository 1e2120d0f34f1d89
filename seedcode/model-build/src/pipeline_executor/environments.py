"""Python virtual environments built once and reused, keyed by a hash of what they hold.

A step's image runtime and a buildspec's CodeBuild environment are both "a fresh
environment holding exactly this": building one takes seconds to minutes, so it is kept
under a cache folder named by the hash of everything that decides its content (the
Python version and the install recipe). A change to any of it is a new folder; an
environment whose build did not finish is never used (it is built in a temporary folder
and renamed into place only when complete).

The cache folder is $SAGEMAKER_LOCAL_CACHE, else $XDG_CACHE_HOME/sagemaker-local, else
~/.cache/sagemaker-local.

An environment whose processes inherit PYTHONDONTWRITEBYTECODE (set on many CI images) never gets a bytecode cache,
so each of them compiles from source what it imports; such a caller asks for it to be compiled once when built
(``byte_compiled``; checkov's import took 6.5 s instead of 3.0 s). The others' processes run in a clean environment
and write their own cache on first use: compiling an environment holding the SageMaker SDK up front costs half a
minute.
"""

import fcntl
import hashlib
import os
import shutil
import sys
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Callable

COMPLETE_MARKER = ".complete"
# Part of every environment's key: a change to how environments are built makes new ones.
LAYOUT = "byte-compiled"


class EnvironmentBuildError(RuntimeError):
    """An environment could not be built; the message says which and why."""


def cache_root() -> Path:
    if os.environ.get("SAGEMAKER_LOCAL_CACHE"):
        return Path(os.environ["SAGEMAKER_LOCAL_CACHE"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "sagemaker-local"


def uv_binary() -> str:
    """The pinned uv that installed with this package (the `uv` wheel ships the binary)."""
    try:
        from uv import find_uv_bin
    except ImportError:
        raise EnvironmentBuildError("the uv package is not installed in this environment (pip install uv)") from None
    return find_uv_bin()


def fingerprint(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()[:16]


@lru_cache(maxsize=None)
def python_version(python: str) -> str:
    """'3.12.1' for an interpreter name or path; fails clearly when it is not installed.

    Cached: every environment lookup asks, and an interpreter's version does not change
    while this process runs."""
    try:
        out = subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                             capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        raise EnvironmentBuildError(f"{python}: not found or not runnable (install that Python version)") from None
    return out.stdout.strip()


@lru_cache(maxsize=None)
def find_python(version: str) -> str:
    """An interpreter of ``version`` ("3.12"): ``python3.12`` on PATH if it runs, else pyenv's,
    else one uv manages (``uv python install`` downloads it where the network allows).

    pyenv's shims refuse a version that is installed but not selected, so its versions
    folder ($PYENV_ROOT, else ~/.pyenv) is searched too.
    """
    candidates = [f"python{version}"]
    pyenv_root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    candidates += [str(p) for p in sorted((pyenv_root / "versions").glob(f"{version}.*/bin/python{version}"), reverse=True)]
    for candidate in candidates:
        try:
            if python_version(candidate).startswith(version + "."):
                return candidate
        except EnvironmentBuildError:
            continue
    installed = subprocess.run([uv_binary(), "python", "install", "--quiet", version], capture_output=True, text=True)
    found = subprocess.run([uv_binary(), "python", "find", version], capture_output=True, text=True)
    if installed.returncode == 0 and found.returncode == 0:
        return found.stdout.strip()
    raise EnvironmentBuildError(f"Python {version} is not installed (looked for python{version} on PATH, in "
                                f"{pyenv_root}/versions and with `uv python install`); install it, e.g. `pyenv install {version}`")


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def cached_environment(
    kind: str,
    python: str,
    recipe: str | bytes,
    populate: Callable[[Path], None],
    say: Callable[[str], None] = lambda _line: None,
    with_pip: bool = False,
    byte_compiled: bool = False,
) -> tuple[Path, bool]:
    """The environment for (``python``, ``recipe``), built by ``populate(venv)`` if absent.

    Returns (venv folder, True if it was built now). ``recipe`` must hold everything that
    decides what ``populate`` installs; ``with_pip`` seeds pip into it (for recipes that
    run pip themselves, as a buildspec's install phase does); ``byte_compiled`` compiles it when built where
    PYTHONDONTWRITEBYTECODE is set (see module doc). Built in place under a lock; the marker that makes it usable is
    written last, so a build that was interrupted is started again.
    """
    version = python_version(python)
    root = cache_root() / kind
    venv = root / f"py{version}-{fingerprint(LAYOUT, version, str(with_pip), recipe)}"
    if (venv / COMPLETE_MARKER).exists():
        return venv, False
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (venv / COMPLETE_MARKER).exists():  # another process built it while we waited
            return venv, False
        shutil.rmtree(venv, ignore_errors=True)
        say(f"building the {kind} environment {venv.name} (Python {version}; cached for later runs)")
        created = subprocess.run([uv_binary(), "venv", "--quiet", *(["--seed"] if with_pip else []), "--python", python, str(venv)],
                                 capture_output=True, text=True)
        if created.returncode != 0:
            raise EnvironmentBuildError(f"{kind}: uv venv failed: {created.stderr.strip()}")
        populate(venv)
        if byte_compiled and os.environ.get("PYTHONDONTWRITEBYTECODE"):
            byte_compile(venv)
        (venv / COMPLETE_MARKER).write_text(recipe if isinstance(recipe, str) else recipe.decode(errors="replace"))
    return venv, True


def byte_compile(venv: Path) -> None:
    """Write the bytecode of everything installed in ``venv``. Its exit status is not checked: some packages ship
    files that do not compile on purpose (fixtures, templates), which are never imported."""
    subprocess.run([str(venv_python(venv)), "-m", "compileall", "-q", "-j", "0", str(venv / "lib")],
                   capture_output=True)


def uv_install(venv: Path, requirements: Path) -> None:
    """Install a fully pinned requirements file (nothing beyond what it lists)."""
    result = subprocess.run(
        [uv_binary(), "pip", "install", "--quiet", "--python", str(venv_python(venv)), "--no-deps", "-r", str(requirements)],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise EnvironmentBuildError(f"{requirements.name}: uv pip install failed: {result.stderr.strip()[-2000:]}")


def this_python() -> str:
    """The interpreter running the executor: the image runtimes use its Python version."""
    return sys.executable
