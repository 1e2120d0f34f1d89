"""An embedded AWS emulator (moto_server on a free loopback port) for the local demo and tests.

SageMaker pipeline executions run for real there (products/local_aws/pipelines.py), invoking a
Lambda function runs its code (products/local_aws/lambda_runtime.py), CodeBuild runs builds and CodePipeline runs
executions (codebuild_builds.py, codepipeline_runs.py), Service Catalog launches products and SageMaker creates
projects (servicecatalog_api.py, sagemaker_projects.py), and requests made with a role's credentials are authorized
against its policies (products/local_aws/iam.py).

moto evaluates only StringEquals conditions in bucket policies and ignores the rest, so
the catalog's TLS-only statement (Deny when the Bool aws:SecureTransport is false) would
deny every request. An HTTPS request to AWS never matches that statement, so the
emulator drops it before moto evaluates a policy.
"""

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from products.analysis import botocore_data

botocore_data.read_once()  # before moto loads: it opens a boto3 session per service to list its regions

from products.local_aws import iam as emulated_iam  # noqa: E402
from products.local_aws import (codebuild_builds, codecommit_commits, codepipeline_runs, codepipeline_triggers,
                                eventbridge_delivery, lambda_runtime, sagemaker_endpoints, sagemaker_hosting,
                                sagemaker_projects, sagemaker_registry, service_events, servicecatalog_api,
                                sts_web_identity)
from products.local_aws.cloudformation import response_urls
from products.local_aws.cloudformation import stacks as emulated_stacks
from products.local_aws import pipelines as emulated_pipelines

INSECURE_ONLY = {"Bool": {"aws:SecureTransport": "false"}}


def install_https_bucket_policies() -> None:
    """Patch moto (in this process) to evaluate bucket policies as for HTTPS requests."""
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self, action: str, resource: str):
        if self.policy is None:
            return PermissionResult.NEUTRAL
        policy = json.loads(self.policy.decode())
        statements = policy["Statement"] if isinstance(policy["Statement"], list) else [policy["Statement"]]
        policy["Statement"] = [s for s in statements if s.get("Condition") != INSECURE_ONLY]
        if not policy["Statement"]:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps(policy)).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission


def install_stack_set_targets() -> None:
    """Patch moto (in this process) to keep what a service-managed stack set is deployed to.

    moto 5.2 deploys a stack set's instances into the accounts of the units CreateStackInstances
    names, but forgets the units, AutoDeployment and Capabilities, which AWS returns in DescribeStackSet
    (``OrganizationalUnitIds``: "the organization root ID or organizational unit (OU) IDs that you
    specified for DeploymentTargets"); it ignores DeleteStackInstances' DeploymentTargets and gives
    UpdateStackSet no operation id of its own. The shim keeps the first three, removes the instances
    of the accounts of the units named, and makes an operation id. Still not emulated: an update does
    not change the instances' resources, and nothing is deployed into an account that joins a unit later.
    """
    from moto.cloudformation.responses import CloudFormationResponse

    shims = _stack_set_shims({name: getattr(CloudFormationResponse, name) for name in (
        "create_stack_set", "create_stack_instances", "update_stack_set", "delete_stack_instances")})
    for name, shim in shims.items():
        setattr(CloudFormationResponse, name, shim)


def _stack_set(response):
    return response.cloudformation_backend.describe_stack_set(response._get_param("StackSetName"))


def _keep_settings(response) -> None:
    """AutoDeployment and Capabilities, as the request gave them."""
    params, target = response._get_params(), _stack_set(response)
    for key, attribute in (("AutoDeployment", "auto_deployment"), ("Capabilities", "capabilities")):
        if key in params:
            setattr(target, attribute, params[key])


def _stack_set_shims(original: dict) -> dict:
    """moto's four stack-set handlers, each wrapped to keep what AWS keeps (see install_stack_set_targets)."""
    from moto.core.responses import ActionResult
    from moto.moto_api._internal import mock_random

    def create_stack_set(self):
        result = original["create_stack_set"](self)
        _keep_settings(self)
        return result

    def create_stack_instances(self):
        result = original["create_stack_instances"](self)
        units = (self._get_params().get("DeploymentTargets") or {}).get("OrganizationalUnitIds", [])
        target = _stack_set(self)
        known = getattr(target, "organizational_unit_ids", [])
        target.organizational_unit_ids = known + [u for u in units if u not in known]
        return result

    def update_stack_set(self):
        if not self._get_param("OperationId"):
            self.querystring["OperationId"] = [str(mock_random.uuid4())]
        result = original["update_stack_set"](self)
        _keep_settings(self)
        return result

    def delete_stack_instances(self):
        units = (self._get_params().get("DeploymentTargets") or {}).get("OrganizationalUnitIds", [])
        target = _stack_set(self)
        if not units:
            return original["delete_stack_instances"](self)
        members = {i.account_id for i in target.instances.stack_instances}
        in_units = {a.id for a in target.instances.org_backend.accounts if a.parent_id in units} & members
        target.organizational_unit_ids = [u for u in getattr(target, "organizational_unit_ids", []) if u not in units]
        target.delete_stack_instances(sorted(in_units), self._get_params().get("Regions", []))
        return ActionResult({"OperationId": target.operations[-1]["OperationId"]})

    return {"create_stack_set": create_stack_set, "create_stack_instances": create_stack_instances,
            "update_stack_set": update_stack_set, "delete_stack_instances": delete_stack_instances}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def moto_server(timeout: float = 60.0, env: dict | None = None, log: Path | None = None):
    """Yield the endpoint URL of a fresh moto_server; always stopped on exit, Ctrl-C included.

    The server binds a port the system chooses and writes it to a file once it serves: a port chosen here and
    probed would race every other listener on the machine (another test's emulator could take it first, and answer
    the probe). ``env`` adds to the server's environment (e.g. EMULATOR_IAM_LOG); ``log`` is where its output goes
    (what the local AWS reports there: EventBridge deliveries that failed, a run that broke), else nowhere."""
    output = open(log, "w") if log else subprocess.DEVNULL
    with tempfile.TemporaryDirectory(prefix="emulator-") as work:
        ready = Path(work) / "port"
        process = subprocess.Popen(
            [sys.executable, "-m", "products.local_aws.emulator", "--ready-file", str(ready)],
            stdout=output, stderr=output, env={**os.environ, **(env or {})},
            cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
        )
        try:
            yield f"http://127.0.0.1:{_served_port(process, ready, timeout)}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
            if log:
                output.close()


def _served_port(process: subprocess.Popen, ready: Path, timeout: float) -> int:
    """The port the server wrote to ``ready`` once serving; RuntimeError if it exits or takes too long."""
    deadline = time.monotonic() + timeout
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the AWS emulator did not start within {timeout:.0f}s") from None
        time.sleep(0.1)
    return int(ready.read_text())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m products.local_aws.emulator",
        description="The catalog's AWS emulator: moto_server on 127.0.0.1 with HTTPS bucket policies and "
                    "SageMaker pipeline executions run by the seed executor. Point boto3 at it with "
                    "AWS_ENDPOINT_URL=http://127.0.0.1:PORT.",
    )
    parser.add_argument("port", type=int, nargs="?", default=0,
                        help="the loopback port to listen on (default: a free one the system chooses)")
    parser.add_argument("--ready-file", type=Path, help="write the port here once serving (how moto_server() waits)")
    args = parser.parse_args(argv)
    server = _bound_server(args.port)  # bound first: the installs below name the port
    port = server.server_port
    _install(f"http://127.0.0.1:{port}")
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:  # from the first line on, Ctrl-C may come: a stop that lands while the line is written is a stop too
        print(f"emulator: export AWS_ENDPOINT_URL=http://127.0.0.1:{port} (Ctrl-C stops it)", file=sys.stderr,
              flush=True)
        if args.ready_file:
            args.ready_file.with_suffix(".tmp").write_text(str(port))
            args.ready_file.with_suffix(".tmp").rename(args.ready_file)  # whole, or not there
        server.serve_forever()
    except _Interrupted:
        print(f"interrupted: emulator on 127.0.0.1:{port} stopped (its state is gone)", file=sys.stderr)
        return 130
    return 0


def _bound_server(port: int):
    """moto_server's application (as ``moto.server.main`` builds it), on a threaded server bound to ``port``."""
    from moto.server import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    application = DomainDispatcherApplication(create_backend_app)
    application.debug = True
    server = make_server("127.0.0.1", port, application, threaded=True)
    os.environ.setdefault("MOTO_PORT", str(server.server_port))  # as moto.server.main sets it
    return server


def _install(endpoint: str) -> None:
    """Every extension of moto this package makes (each module's install says what it patches)."""
    install_https_bucket_policies()
    install_stack_set_targets()
    emulated_stacks.install()
    emulated_iam.install()
    emulated_pipelines.install(endpoint)
    codebuild_builds.install(endpoint)
    codepipeline_runs.install(endpoint)
    codepipeline_triggers.install()
    codecommit_commits.install()
    eventbridge_delivery.install()
    service_events.install()
    sagemaker_hosting.install()
    sagemaker_endpoints.install()
    servicecatalog_api.install()
    sagemaker_projects.install()
    sagemaker_registry.install()
    sts_web_identity.install()
    lambda_runtime.install(lambda_runtime.Settings(endpoint, trusted_certificates=str(response_urls.endpoint().certificate)))


class _Interrupted(BaseException):
    """Ctrl-C, raised past werkzeug (which swallows KeyboardInterrupt and returns normally)."""


def _stop(signum, frame) -> None:
    """Ctrl-C is an interruption (exit 130, one line); SIGTERM, how moto_server() stops it, is a normal stop."""
    if signum == signal.SIGINT:
        raise _Interrupted
    sys.exit(0)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # while moto loads
        print("interrupted: emulator not started", file=sys.stderr)
        sys.exit(130)
