"""Run a container's Python entry point in its image's runtime, with /opt/ml mapped locally."""

import os
import subprocess
from pathlib import Path
from typing import Callable

from pipeline_executor import environments
from pipeline_executor.errors import StepFailed
from pipeline_executor.images import ImageRuntime

CONTAINER_PATHS = Path(__file__).resolve().parent / "container_paths.py"
PYTHON_COMMANDS = {"python", "python3"}
# What a container's environment holds before the step's own Environment (which may override it).
# OpenMP threads (xgboost's and scikit-learn's) wait for work by spinning: harmless on an instance
# the job has to itself, but here they compete with every other process on the machine, and on a
# busy one a 2 s training took up to 19 s, its threads spinning while they waited for each other.
# Waiting passively changes how idle threads wait, not how many there are nor what they compute:
# the model is byte-identical.
DEFAULT_ENVIRONMENT = {"OMP_WAIT_POLICY": "PASSIVE"}


def runtime_python(runtime: ImageRuntime, say: Callable[[str], None]) -> Path:
    venv, _built = environments.cached_environment(
        f"image-{runtime.repository}", environments.this_python(), runtime.requirements.read_bytes(),
        lambda target: environments.uv_install(target, runtime.requirements), say=say,
    )
    return environments.venv_python(venv)


def run_python_entrypoint(
    entrypoint: list[str],
    arguments: list[str],
    runtime: ImageRuntime,
    container_root: Path,
    environment: dict[str, str],
    say: Callable[[str], None],
) -> None:
    """Run ``entrypoint + arguments`` (a ``python3 <script>`` entry point) as the container would."""
    if not entrypoint or Path(entrypoint[0]).name not in PYTHON_COMMANDS or len(entrypoint) < 2:
        raise StepFailed(f"container entry point {entrypoint} cannot run locally: only `python3 <script>` entry points can")
    python = runtime_python(runtime, say)
    container_root = Path(container_root).resolve()  # the child runs in it: a relative root would nest
    command = [str(python), str(CONTAINER_PATHS), str(container_root), *entrypoint[1:], *arguments]
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env.update(DEFAULT_ENVIRONMENT)
    env.update(environment)
    env["PYTHONUNBUFFERED"] = "1"
    result = subprocess.run(command, env=env, cwd=container_root, capture_output=True, text=True)
    for line in (result.stdout + result.stderr).splitlines():
        say(f"    | {line}")
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise StepFailed(f"AlgorithmError: {' '.join(entrypoint)} exited {result.returncode}: {last}")
