"""What Lambda's Python runtime does with a function, stood in for: an invocation runs the function's own code.

moto keeps a function's code and, on Invoke, runs it in a Docker container (there is none here) or answers
"Simple Lambda happy path OK" without running anything. Installed in the moto_server process, every
invocation (the Invoke API, a custom resource's request from CloudFormation) instead:

- unpacks the function's zip into a fresh folder (for a template's ``Code.ZipFile``, ``index.py``, as
  CloudFormation writes it) and calls its ``Handler`` there, in a process of its own
  (lambda_bootstrap.py), on the runtime's Python: python3.12 is this machine's 3.12 in an environment
  holding only the SDK (lambda_runtime.txt), so a function that imports anything else fails here as in
  Lambda;
- with the function's environment variables, those Lambda sets (AWS_REGION, AWS_LAMBDA_FUNCTION_NAME, ...)
  and its execution role's credentials from the emulator's STS, given only if the role's trust policy
  names ``lambda.amazonaws.com``; every call the code makes is then checked against that role (iam.py);
- with a context whose ``get_remaining_time_in_millis`` counts down the function's Timeout; the process is
  killed when it runs out ("Task timed out"), as Lambda stops a function;
- its output saved to the function's log group (/aws/lambda/NAME), as moto saves a container's.

Not emulated: reuse of an execution environment between invocations, memory and /tmp limits, layers, VPC
networking, reserved concurrency, asynchronous retries. Certificates: the process trusts only those the
emulator names (the custom resources' response endpoint), not the public CAs Lambda's image trusts.
"""

import io
import json
import os
import subprocess
import tempfile
import time
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from products.local_aws import iam as emulated_iam
from products.local_aws.seed_executor import executor_module

RUNTIMES = {"python3.12": "3.12"}  # Lambda runtime identifier -> the Python stood in for it
REQUIREMENTS = Path(__file__).resolve().parent / "lambda_runtime.txt"
BOOTSTRAP = Path(__file__).resolve().parent / "lambda_bootstrap.py"
LAMBDA_PRINCIPAL = "lambda.amazonaws.com"
_PASSED_THROUGH = ("PATH", "LANG", "LC_ALL", "TMPDIR")


class InvocationError(RuntimeError):
    """The function could not be run at all (unknown runtime, a role Lambda may not assume)."""


@dataclass(frozen=True)
class Settings:
    """What install() was told: this server's endpoint and the certificates functions trust."""

    endpoint_url: str
    trusted_certificates: str = ""


@dataclass(frozen=True)
class Invocation:
    payload: str  # the handler's result as JSON, or Lambda's error object
    errored: bool
    logs: str


def runtime_python(runtime: str) -> Path:
    """The interpreter of the runtime's environment (created once, cached like the CodeBuild image's)."""
    if runtime not in RUNTIMES:
        raise InvocationError(f"the local AWS runs only {', '.join(RUNTIMES)} functions, not {runtime}")
    environments = executor_module("environments")
    venv, _built = environments.cached_environment(
        f"lambda-{runtime}", environments.find_python(RUNTIMES[runtime]), REQUIREMENTS.read_bytes(),
        lambda target: environments.uv_install(target, REQUIREMENTS))
    return environments.venv_python(venv)


def role_credentials(settings: Settings, function) -> dict[str, str]:
    """The execution role's credentials, as Lambda hands them to the function's environment."""
    try:
        return emulated_iam.service_role_credentials(settings.endpoint_url, function.region, LAMBDA_PRINCIPAL,
                                                     function.role, function.function_name)
    except emulated_iam.RoleDenied as denied:
        raise InvocationError(f"Lambda cannot assume the function's role: {denied}") from None


def _environment(settings: Settings, function, request_id: str, result_file: Path, deadline_ms: int) -> dict:
    env = {key: os.environ[key] for key in _PASSED_THROUGH if key in os.environ}
    env.update({str(k): str(v) for k, v in (function.environment_vars or {}).items()})
    env.update(role_credentials(settings, function))
    env.update({
        "_HANDLER": function.handler, "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.run_time}",
        "AWS_REGION": function.region, "AWS_DEFAULT_REGION": function.region,
        "AWS_LAMBDA_FUNCTION_NAME": function.function_name, "AWS_LAMBDA_FUNCTION_VERSION": str(function.version),
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": function.logs_group_name, "AWS_LAMBDA_LOG_STREAM_NAME": request_id,
        "PYTHONDONTWRITEBYTECODE": "1",
        "LOCAL_LAMBDA_FUNCTION_ARN": function.function_arn, "LOCAL_LAMBDA_REQUEST_ID": request_id,
        "LOCAL_LAMBDA_RESULT": str(result_file), "LOCAL_LAMBDA_DEADLINE_MS": str(deadline_ms),
    })
    if settings.trusted_certificates:
        env["SSL_CERT_FILE"] = settings.trusted_certificates
    return env


def invoke(settings: Settings, function, event) -> Invocation:
    """Run the function's handler once with ``event``; its result, or Lambda's error shape."""
    python = runtime_python(function.run_time)
    request_id = str(uuid.uuid4())
    timeout = int(function.timeout)
    with tempfile.TemporaryDirectory(prefix="lambda-") as scratch:
        task_root, result_file = Path(scratch) / "task", Path(scratch) / "result.json"
        zipfile.ZipFile(io.BytesIO(function.code_bytes)).extractall(task_root)
        env = _environment(settings, function, request_id, result_file, int(time.time() * 1000) + timeout * 1000)
        try:
            process = subprocess.run([str(python), str(BOOTSTRAP)], cwd=task_root, env=env, input=json.dumps(event),
                                     capture_output=True, text=True, timeout=timeout)
            logs = process.stdout + process.stderr
        except subprocess.TimeoutExpired as expired:
            logs = _text(expired.stdout) + _text(expired.stderr) + f"\nTask timed out after {timeout}.00 seconds"
            error = {"errorMessage": f"{request_id} Task timed out after {timeout}.00 seconds", "errorType": "Sandbox.Timedout"}
            return Invocation(json.dumps(error), True, logs)
        answer = json.loads(result_file.read_text()) if result_file.exists() else {
            "errorMessage": f"the runtime exited {process.returncode} without a result", "errorType": "Runtime.ExitError"}
    if "result" in answer:
        return Invocation(json.dumps(answer["result"]), False, logs)
    return Invocation(json.dumps(answer), True, logs)


def _text(output) -> str:
    return output.decode(errors="replace") if isinstance(output, bytes) else (output or "")


def install(settings: Settings) -> None:
    """Patch moto (in this process) so that invoking a function runs its code (see module doc)."""
    from moto.awslambda.models import LambdaFunction

    def _invoke_lambda(self, event=None):
        event = json.loads(event) if isinstance(event, str) else (event or {})
        try:
            invocation = invoke(settings, self, event)
        except InvocationError as error:
            invocation = Invocation(json.dumps({"errorMessage": str(error), "errorType": "InvocationError"}), True, str(error))
        self.logs_backend.ensure_log_group(self.logs_group_name)
        self.save_logs(invocation.logs or "(no output)")
        return invocation.payload, invocation.errored, invocation.logs

    LambdaFunction._invoke_lambda = _invoke_lambda
