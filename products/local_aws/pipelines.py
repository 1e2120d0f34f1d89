"""SageMaker pipeline executions in the emulator run for real, through the seed executor.

moto stores CreatePipeline's definition but StartPipelineExecution only records an
execution as "Succeeded" at once, and moto has no ListPipelineExecutionSteps. Installed
in the moto_server process, this makes StartPipelineExecution run the stored definition
with the execution's parameters through pipeline_executor (in a thread, calling the
emulator itself for S3 and SageMaker), DescribePipelineExecution report Executing, then
Succeeded or Failed with the failure reason, and ListPipelineExecutionSteps answer with
the executor's step statuses, failure reasons and metadata. `run-pipeline --wait` then
works unmodified against the emulator.

Steps run under the roles SageMaker would use, when the roles exist in the emulator:
data in and out of a job as the job's RoleArn, model registration and the property files
as the pipeline's RoleArn, and CreateProcessingJob/CreateTrainingJob with the PassRole of
the job's role checked against the pipeline role (iam.py).

DeletePipeline of a pipeline that does not exist answers ResourceNotFound, its documented error (moto answers
ValidationException). StopPipelineExecution (moto has none) marks an execution Stopping; it ends Stopped when the step running then
ends (AWS stops the running steps; here the step finishes, and no later step runs).

Each execution's log is written to <work folder>/<execution id>/log.txt; the work folder
is $EMULATOR_PIPELINE_WORK_DIR or a temporary folder removed when the emulator stops.
"""

import atexit
import os
import shutil
import tempfile
import threading
from pathlib import Path

from products.local_aws import iam as emulated_iam
from products.local_aws import service_events
from products.local_aws.event_shapes import sagemaker_pipeline_execution_event
from products.analysis import iam_resources
from products.local_aws.seed_executor import executor_module

_RUNS: dict[str, dict] = {}  # execution ARN -> {"steps": [...], "failure_reason": ...}
EMULATOR_CREDENTIALS = {"aws_access_key_id": "emulator", "aws_secret_access_key": "emulator"}


def _work_root() -> Path:
    if os.environ.get("EMULATOR_PIPELINE_WORK_DIR"):
        return Path(os.environ["EMULATOR_PIPELINE_WORK_DIR"])
    root = Path(tempfile.mkdtemp(prefix="emulator-pipelines-"))
    atexit.register(shutil.rmtree, root, True)
    return root


def _run(endpoint_url: str, execution, pipeline_name: str, pipeline_role_arn: str, work_root: Path) -> None:
    import boto3

    executor = executor_module()
    arn = execution.arn
    region, account, execution_id = arn.split(":")[3], arn.split(":")[4], arn.rsplit("/", 1)[1]
    session = boto3.Session(region_name=region, **EMULATOR_CREDENTIALS)
    clients = {name: session.client(name, endpoint_url=endpoint_url) for name in ("s3", "sagemaker")}
    work_dir = work_root / execution_id
    work_dir.mkdir(parents=True)
    log = open(work_dir / "log.txt", "w", buffering=1)
    role_clients = {}

    def clients_for_role(role_arn):
        """S3 and SageMaker clients with the role's credentials from the emulator's STS."""
        if role_arn not in role_clients:
            credentials = session.client("sts", endpoint_url=endpoint_url).assume_role(
                RoleArn=role_arn, RoleSessionName=f"SageMaker-{execution_id}")["Credentials"]
            role_session = boto3.Session(region_name=region, aws_access_key_id=credentials["AccessKeyId"],
                                         aws_secret_access_key=credentials["SecretAccessKey"],
                                         aws_session_token=credentials["SessionToken"])
            role_clients[role_arn] = tuple(role_session.client(n, endpoint_url=endpoint_url) for n in ("s3", "sagemaker"))
        return role_clients[role_arn]

    def authorize(role_arn, action, resource, context):
        try:
            emulated_iam.check(account, role_arn, [iam_resources.Authorization(action, resource, context)],
                               caller="sagemaker-pipelines")
        except emulated_iam.RoleDenied as denied:
            raise executor.StepFailed(f"AccessDenied: {denied}") from None

    # Where the pipeline's role does not exist in the emulator (a test with no roles stack), steps
    # run with the emulator's own credentials and nothing is authorized; the log says so.
    roles = emulated_iam.role_exists(account, pipeline_role_arn)
    context = executor.StepContext(clients["s3"], clients["sagemaker"], region, account, execution_id, work_dir,
                                   lambda line: print(line, file=log), pipeline_role_arn=pipeline_role_arn,
                                   clients_for_role=clients_for_role if roles else None,
                                   authorize=authorize if roles else None)
    parameters = {p["Name"]: p["Value"] for p in execution.pipeline_parameters or []}
    if context.authorize is None:
        print(f"not authorized: role {pipeline_role_arn} does not exist in the emulator; steps run unchecked", file=log)

    status, reason = _execute(executor, execution, parameters, context, pipeline_name)
    print(f"execution {status}" + (f": {reason}" if reason else ""), file=log)
    log.close()
    _RUNS[arn]["failure_reason"] = reason
    execution.pipeline_execution_status = status
    _announce(pipeline_name, arn, status, "Stopping" if status == "Stopped" else "Executing")


class _Stopped(Exception):
    """StopPipelineExecution asked for this execution: no further step runs."""


def _execute(executor, execution, parameters: dict, context, pipeline_name: str) -> tuple[str, str | None]:
    """The execution's steps run by the executor, each recorded as it ends; its status and failure reason."""
    arn = execution.arn

    def record(records):
        _RUNS[arn]["steps"] = [r.as_api() for r in records]
        if _RUNS[arn].get("stopping"):
            raise _Stopped()

    try:
        result = executor.execute(execution.pipeline_definition_for_execution, parameters, context, pipeline_name, record)
        status, reason = result.status, result.failure_reason
    except _Stopped:
        status, reason = "Stopped", None
    except Exception as error:  # an executor fault must show as a failed execution, not hang a waiter
        status, reason = "Failed", f"emulator: the executor failed: {type(error).__name__}: {error}"
    if _RUNS[arn].get("stopping"):
        status, reason = "Stopped", None
    return status, reason


def _announce(pipeline_name: str, execution_arn: str, status: str, previous: str) -> None:
    """SageMaker's "Model Building Pipeline Execution Status Change" event, to the account's default bus."""
    region, account, execution_id = execution_arn.split(":")[3], execution_arn.split(":")[4], execution_arn.rsplit("/", 1)[1]
    service_events.emit(sagemaker_pipeline_execution_event(pipeline_name, execution_id, status, previous, account=account,
                                                            region=region, time=service_events.now_iso()))


def install(endpoint_url: str) -> None:
    """Patch moto (in this process) so pipeline executions run; ``endpoint_url`` is this server."""
    from moto.core.responses import ActionResult
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.models import SageMakerModelBackend
    from moto.sagemaker.responses import SageMakerResponse

    work_root = _work_root()
    start, describe = SageMakerModelBackend.start_pipeline_execution, SageMakerModelBackend.describe_pipeline_execution

    def start_pipeline_execution(self, pipeline_name, *args, **kwargs):
        response = start(self, pipeline_name, *args, **kwargs)
        arn = response["PipelineExecutionArn"]
        pipeline = self.pipelines[pipeline_name] if pipeline_name in self.pipelines else next(
            p for p in self.pipelines.values() if p.arn == pipeline_name)
        execution = pipeline.pipeline_executions[arn]
        execution.pipeline_execution_status = "Executing"
        _RUNS[arn] = {"steps": [], "failure_reason": None}
        _announce(pipeline.pipeline_name, arn, "Executing", "")
        threading.Thread(target=_run, args=(endpoint_url, execution, pipeline.pipeline_name, pipeline.role_arn, work_root),
                         daemon=True, name=f"pipeline-{arn.rsplit('/', 1)[1]}").start()
        return response

    def describe_pipeline_execution(self, pipeline_execution_arn):
        response = describe(self, pipeline_execution_arn)
        reason = _RUNS.get(pipeline_execution_arn, {}).get("failure_reason")
        response["FailureReason"] = reason or ""
        return response

    def list_pipeline_execution_steps(self):
        arn = self._get_param("PipelineExecutionArn")
        if arn not in _RUNS:
            raise ValidationError(message=f"Pipeline execution {arn} does not exist")
        steps = list(_RUNS[arn]["steps"])
        if self._get_param("SortOrder", "Descending") == "Descending":
            steps.reverse()
        return ActionResult({"PipelineExecutionSteps": steps})

    _install_stop_and_delete()
    SageMakerModelBackend.start_pipeline_execution = start_pipeline_execution
    SageMakerModelBackend.describe_pipeline_execution = describe_pipeline_execution
    SageMakerResponse.list_pipeline_execution_steps = list_pipeline_execution_steps


def _install_stop_and_delete() -> None:
    """StopPipelineExecution (moto has none), and DeletePipeline's documented ResourceNotFound (see the module doc)."""
    from moto.core.responses import ActionResult
    from moto.sagemaker.exceptions import ResourceNotFound, ValidationError
    from moto.sagemaker.models import SageMakerModelBackend
    from moto.sagemaker.responses import SageMakerResponse

    def stop_pipeline_execution(self):
        arn = self._get_param("PipelineExecutionArn")
        execution = next((p.pipeline_executions[arn] for p in self.sagemaker_backend.pipelines.values()
                          if arn in p.pipeline_executions), None)
        if execution is None or arn not in _RUNS:
            raise ValidationError(message=f"Pipeline execution {arn} does not exist")
        if execution.pipeline_execution_status == "Executing":
            _RUNS[arn]["stopping"] = True
            execution.pipeline_execution_status = "Stopping"
        return ActionResult({"PipelineExecutionArn": arn})

    SageMakerResponse.stop_pipeline_execution = stop_pipeline_execution
    delete_pipeline = SageMakerModelBackend.delete_pipeline

    def delete_existing_pipeline(self, pipeline_name):
        if pipeline_name not in self.pipelines and not any(p.arn == pipeline_name for p in self.pipelines.values()):
            raise ResourceNotFound(message=f"Pipeline {pipeline_name} does not exist")
        return delete_pipeline(self, pipeline_name)

    SageMakerModelBackend.delete_pipeline = delete_existing_pipeline
