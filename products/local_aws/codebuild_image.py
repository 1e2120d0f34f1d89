"""What CodeBuild's aws/codebuild/standard:7.0 image gives a buildspec, stood in for here.

- ``runtime-versions: python: 3.12``: this machine's Python 3.12 (pyenv has it). The
  install phase's commands run in a fresh virtual environment of it holding nothing
  else, so a build that uses a package its install phase does not install fails here
  as in CodeBuild. The environment is cached by a hash of the install commands and of
  the files they name (constraints, requirements, the project's pyproject.toml), and the
  install commands run again on every build, as written: a cached build still installs
  the source's own package afresh, and only unchanged dependencies are reused.
- ``aws``: AWS CLI v1 from PyPI (codebuild_aws_cli.txt) in its own cached environment;
  only the ``aws`` command is put on PATH. The image has AWS CLI v2, not on PyPI.
- the shell each command runs in: the buildspec's ``env: shell``, ``bash`` or ``/bin/sh``; without one, CodeBuild
  runs commands with ``/bin/sh`` ("any Shell Command Language (sh) command", CodeBuild guide, "Shells and commands in
  build environments"), which on standard:7.0 (Ubuntu 22.04) is dash. So a buildspec's bashism fails here as there:
  ``dash`` must be on this machine's PATH.
- git, bash, unzip and the rest: this machine's.
"""

import hashlib
import json
import shlex
import shutil
from pathlib import Path

from products.local_aws.seed_executor import executor_module

AWS_CLI_REQUIREMENTS = Path(__file__).resolve().parent / "codebuild_aws_cli.txt"
IMAGE_RUNTIMES = {"python": ("3.12",)}  # standard:7.0's Python versions stood in for here
_DECLARATIONS = ("pyproject.toml", "setup.cfg", "setup.py")
# The buildspec's ``env: shell`` (CodeBuild's two Linux shells) -> the program that stands in for it.
SHELLS = {"bash": "bash", "/bin/sh": "dash"}
DEFAULT_SHELL = "/bin/sh"


class ImageError(RuntimeError):
    """The buildspec asks for what the stand-in image does not have."""


def runtime_python(spec: dict, buildspec_name: str) -> str | None:
    """The interpreter for the buildspec's ``runtime-versions``; None when it asks for none."""
    versions = spec.get("phases", {}).get("install", {}).get("runtime-versions", {}) or {}
    unknown = sorted(set(versions) - set(IMAGE_RUNTIMES))
    if unknown:
        raise ImageError(f"{buildspec_name}: runtime {unknown[0]} is not stood in for here (only python)")
    if "python" not in versions:
        return None
    version = str(versions["python"])
    if version not in IMAGE_RUNTIMES["python"]:
        raise ImageError(f"{buildspec_name}: python {version} is not a runtime of aws/codebuild/standard:7.0 "
                         f"stood in for here (known: {', '.join(IMAGE_RUNTIMES['python'])})")
    try:
        return executor_module("environments").find_python(version)
    except executor_module("environments").EnvironmentBuildError as error:
        raise ImageError(f"{buildspec_name}: {error}") from None


def shell_command(spec: dict, buildspec_name: str) -> list[str]:
    """The argv prefix a command string is run with: the buildspec's shell, as the image would run it."""
    declared = spec.get("env", {}).get("shell", DEFAULT_SHELL)
    if declared not in SHELLS:
        raise ImageError(f"{buildspec_name}: env: shell: {declared}: CodeBuild's Linux shells are bash and /bin/sh")
    program = shutil.which(SHELLS[declared])
    if program is None:
        raise ImageError(f"{buildspec_name}: this machine has no {SHELLS[declared]}, which stands in for the "
                         f"image's {declared}")
    return [program, "-c"]


def install_recipe(commands: list[str], source_dir: Path) -> str:
    """Everything that decides what the install commands install, except the source's own code."""
    named = {}
    for command in commands:
        for word in shlex.split(command, comments=True):
            path = (Path(source_dir) / word)
            candidates = [path / d for d in _DECLARATIONS] if path.is_dir() else [path] if path.is_file() else []
            for candidate in candidates:
                if candidate.is_file():
                    named[str(candidate.relative_to(source_dir))] = hashlib.sha256(candidate.read_bytes()).hexdigest()
    return json.dumps({"commands": commands, "files": named}, sort_keys=True)


def python_environment(python: str, commands: list[str], source_dir: Path, run_commands, say) -> tuple[Path, bool]:
    """The cached environment for these install commands; ``run_commands(venv)`` runs them in it.

    Returns (venv, built now). On a cache hit the commands are run again (see module doc).
    """
    environments = executor_module("environments")
    venv, built = environments.cached_environment(
        "codebuild-python", python, install_recipe(commands, source_dir), run_commands, say=say, with_pip=True)
    if not built:
        run_commands(venv)
    return venv, built


def aws_cli_bin(say) -> Path:
    """A folder holding only the ``aws`` command."""
    environments = executor_module("environments")
    venv, _built = environments.cached_environment(
        "codebuild-aws-cli", environments.find_python("3.12"), AWS_CLI_REQUIREMENTS.read_bytes(),
        lambda target: environments.uv_install(target, AWS_CLI_REQUIREMENTS), say=say)
    tools = venv / "image-tools"
    tools.mkdir(exist_ok=True)
    try:
        (tools / "aws").symlink_to(venv / "bin" / "aws")
    except FileExistsError:  # made already, perhaps this moment by a build running beside this one (same link)
        pass
    return tools
