"""Run a buildspec on this machine the way CodeBuild would run it for a project.

The environment is the CodeBuild project's own (from a resolved product template) plus
what CodeBuild provides (region, source directories) and what its image provides
(codebuild_image.py): a buildspec that asks for the Python runtime gets its install
phase run in a fresh environment of that Python, and every later phase runs in it. Before running anything, every
variable the buildspec uses must be set: a variable renamed in the template but not in
the buildspec fails here, with its name, instead of expanding to nothing. Used by the
local demo and the tests.
"""

import atexit
import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from products.local_aws import codebuild_image

PHASES = ("install", "pre_build", "build", "post_build")
_VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
# How this machine reaches the package index (certificates, caches), which CodeBuild's network
# does without: passed so the install phase's pip and uv work here, not part of the build's environment.
_PACKAGE_ACCESS = ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "UV_CACHE_DIR", "PIP_NO_CACHE_DIR")


class BuildspecError(RuntimeError):
    """The build failed; the message names the buildspec, the phase and the command or variable.

    ``phase``: the buildspec phase whose command failed (None when the build failed before or after its phases)."""

    def __init__(self, message: str, phase: str | None = None):
        super().__init__(message)
        self.phase = phase


class BuildStopped(BuildspecError):
    """StopBuild stopped the build: its running command was killed, and no later one ran."""


STOP_POLL_SECONDS = 0.2  # how soon a running command sees that its build was stopped
# Each command runs in a process group of its own (so that a stopped build's children go with it); the ones
# still running when the emulator exits are killed then, as CodeBuild's containers go with the service.
_RUNNING: set[int] = set()


@atexit.register
def _kill_running() -> None:
    for group in list(_RUNNING):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)


@dataclass
class BuildRun:
    exported: dict[str, Path]  # artifact file name -> where it was copied
    seconds: float
    variables: dict[str, str]  # the buildspec's exported-variables that a command set
    install_seconds: float = 0.0  # the install phase, environment creation included
    environment_built: bool = False  # the install phase's environment was created (not cached)


def _with_variable_capture(command: str, names: list[str], capture_file: Path) -> str:
    """``command``, then (if it ends normally) the values of ``names`` written NUL-separated.

    Each command runs in its own shell here, so a variable is captured from the command
    that sets it (CodeBuild keeps one shell per build; buildspecs here set and export in one).
    """
    writes = "".join(
        f'if [ -n "${{{name}+x}}" ]; then printf "%s\\0%s\\0" {name} "${{{name}}}" >> "{capture_file}"; fi\n'
        for name in names
    )
    # The command's own exit status decides the build, not that of the writes after it.
    status = '__codebuild_status=$?\nif [ "$__codebuild_status" -ne 0 ]; then exit "$__codebuild_status"; fi\n'
    return f"{command}\n{status}{writes}"


def _read_captured(capture_file: Path) -> dict[str, str]:
    if not capture_file.exists():
        return {}
    fields = capture_file.read_text().split("\0")[:-1]
    return dict(zip(fields[::2], fields[1::2]))


def _run_command(buildspec, phase, command, source_dir, env, exported_names, capture_file, say, stop, shell) -> None:
    """Run one command with ``shell`` (the argv prefix); its output is shown, except the install phase's, which is
    shown only if it fails. Once ``stop`` (a threading.Event) is set, the command and its children are killed and
    BuildStopped raised."""
    lines = command.strip().splitlines()
    first_line = lines[0]
    say(f"    $ {first_line}" + (" ..." if len(lines) > 1 else ""))
    script = _with_variable_capture(command, exported_names, capture_file) if exported_names else command
    process = subprocess.Popen([*shell, script], cwd=source_dir, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, process_group=0)
    _RUNNING.add(process.pid)
    try:
        while True:
            try:
                stdout, stderr = process.communicate(timeout=STOP_POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                if stop is not None and stop.is_set():
                    os.killpg(process.pid, signal.SIGKILL)
                    process.communicate()
                    raise BuildStopped(f"{buildspec.name}: {phase} phase: `{first_line}` stopped", phase) from None
    except BaseException:  # stopped, or Ctrl-C here: the command's whole group goes
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        raise
    finally:
        _RUNNING.discard(process.pid)
    if phase != "install" or process.returncode != 0:
        for line in (stdout + stderr).strip().splitlines():
            say(f"      {line}")
    if process.returncode != 0:
        last = (stderr.strip() or stdout.strip() or "(no output)").splitlines()[-1].strip()
        raise BuildspecError(f"{buildspec.name}: {phase} phase: `{first_line}` exited {process.returncode}: {last}", phase)


def project_environment(project: dict) -> dict[str, str]:
    """The environment variables of a resolved AWS::CodeBuild::Project's properties."""
    return {v["Name"]: str(v["Value"]) for v in project["Environment"].get("EnvironmentVariables", [])}


_ASSIGNED = re.compile(r"^\s*([A-Z_][A-Z0-9_]*)=", re.M)


def referenced_variables(spec: dict, phases=PHASES) -> set[str]:
    """The variables the buildspec reads and does not set itself (``NAME=...`` in a command)."""
    texts = [c for phase in phases for c in spec.get("phases", {}).get(phase, {}).get("commands", [])]
    texts += spec.get("artifacts", {}).get("files", [])
    text = "\n".join(texts)
    return set(_VARIABLE.findall(text)) - set(_ASSIGNED.findall(text))


def _expand(text: str, env: dict) -> str:
    return _VARIABLE.sub(lambda m: env[m.group(1)], text)


def run_buildspec(
    buildspec: Path,
    source_dir: Path,
    project: dict,
    region: str,
    *,
    secondary_sources: dict[str, Path] | None = None,
    extra_env: dict[str, str] | None = None,
    overrides: dict[str, str] | None = None,
    path_prepend: list[Path] = (),
    phases=PHASES,
    output_dir: Path | None = None,
    say=print,
    stop=None,
) -> BuildRun:
    """Run ``phases`` of ``buildspec`` in ``source_dir``; copy its exported artifacts to ``output_dir``.

    ``overrides`` replace the project's variables, as StartBuild's environmentVariablesOverride does; ``stop``
    (a threading.Event), once set, stops the build (BuildStopped).
    """
    started = time.perf_counter()
    buildspec = Path(buildspec)
    spec = yaml.safe_load(buildspec.read_text())
    env = {key: os.environ[key] for key in _PASSED_THROUGH + _PACKAGE_ACCESS if key in os.environ}
    env.update(extra_env or {})
    env.update(project_environment(project))
    env.update(overrides or {})
    env.update(AWS_REGION=region, AWS_DEFAULT_REGION=region, CODEBUILD_SRC_DIR=str(source_dir))
    for name, directory in (secondary_sources or {}).items():
        env[f"CODEBUILD_SRC_DIR_{name}"] = str(directory)
    prepended = [str(p) for p in path_prepend]
    try:
        python = codebuild_image.runtime_python(spec, buildspec.name) if "install" in phases else None
        shell = codebuild_image.shell_command(spec, buildspec.name)
        prepended.append(str(codebuild_image.aws_cli_bin(say)))
    except codebuild_image.ImageError as error:
        raise BuildspecError(str(error)) from None
    env["PATH"] = os.pathsep.join([*prepended, env.get("PATH", "/usr/bin:/bin")])

    missing = sorted(referenced_variables(spec, phases) - set(env))
    if missing:
        raise BuildspecError(
            f"{buildspec.name}: uses {', '.join('$' + m for m in missing)}, which the CodeBuild project "
            f"{project.get('Name', '')} does not set"
        )
    env, variables, install_seconds, built = _run_phases(buildspec, spec, Path(source_dir), env, python, phases, say,
                                                         stop, shell)
    exported = _export_artifacts(buildspec, spec, env, Path(source_dir), output_dir)
    return BuildRun(exported, time.perf_counter() - started, variables, install_seconds, built)


def _run_phases(buildspec: Path, spec: dict, source_dir: Path, env: dict, python, phases, say, stop, shell):
    """Each phase's commands in order; with ``python``, the install phase builds the environment the rest run in.
    Returns the environment the build ended in, its exported variables, the install time and whether it built."""
    exported_names = list(spec.get("env", {}).get("exported-variables", []))
    install_seconds, built = 0.0, False
    with tempfile.TemporaryDirectory() as capture_dir:
        capture_file = Path(capture_dir) / "exported-variables"

        def run_phase(phase, phase_env):
            for command in spec.get("phases", {}).get(phase, {}).get("commands", []):
                _run_command(buildspec, phase, command, source_dir, phase_env, exported_names, capture_file, say, stop,
                             shell)

        if python:
            install_started = time.perf_counter()
            install_commands = spec["phases"]["install"].get("commands", [])
            venv, built = codebuild_image.python_environment(
                python, install_commands, source_dir, lambda venv: run_phase("install", _in_venv(env, venv)), say)
            env = _in_venv(env, venv)
            install_seconds = time.perf_counter() - install_started
            say(f"    install phase: {install_seconds:.1f}s ({'environment created' if built else 'cached environment'} {venv.name})")
        for phase in phases:
            if phase != "install" or not python:
                run_phase(phase, env)
        return env, _read_captured(capture_file), install_seconds, built


def _export_artifacts(buildspec: Path, spec: dict, env: dict, source_dir: Path, output_dir: Path | None) -> dict:
    """The buildspec's artifact files (each must exist), copied to ``output_dir`` when given."""
    exported = {}
    for pattern in spec.get("artifacts", {}).get("files", []):
        name = _expand(pattern, env)
        source = source_dir / name
        if not source.is_file():
            raise BuildspecError(f"{buildspec.name}: artifact {name} was not produced")
        if output_dir is not None:
            Path(output_dir).mkdir(parents=True, exist_ok=True)
            exported[name] = Path(shutil.copy(source, Path(output_dir) / name))
        else:
            exported[name] = source
    return exported


def _in_venv(env: dict, venv: Path) -> dict:
    """``env`` with the virtual environment's commands first on PATH, as an activated venv."""
    return {**env, "VIRTUAL_ENV": str(venv), "PATH": os.pathsep.join([str(venv / "bin"), env["PATH"]])}
