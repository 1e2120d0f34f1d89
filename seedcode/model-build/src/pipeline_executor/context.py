"""What a step runner gets: the AWS clients, the execution's identity and a work folder."""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters

from pipeline_executor.errors import DefinitionError


@dataclass
class StepContext:
    s3: object  # a boto3 S3 client
    sagemaker: object  # a boto3 SageMaker client
    region: str
    account: str
    execution_id: str
    work_dir: Path  # this execution's local folder; each step gets a subfolder
    say: Callable[[str], None]
    # Where roles are emulated (the catalog's emulator): the pipeline's role, clients acting
    # as a given role, and a check of a call SageMaker makes as the pipeline role. Without
    # them (a local run) every call uses the clients above and nothing is authorized here.
    pipeline_role_arn: str | None = None
    clients_for_role: Callable[[str], tuple] | None = field(default=None, repr=False)
    authorize: Callable[[str, str, str, dict], None] | None = field(default=None, repr=False)

    def s3_as(self, role_arn: str | None):
        """S3 as ``role_arn`` (a job's data moves under its execution role), where roles are emulated."""
        return self.clients_for_role(role_arn)[0] if self.clients_for_role and role_arn else self.s3

    def sagemaker_as_pipeline(self):
        """SageMaker as the pipeline role (SageMaker Pipelines registers models with it)."""
        return self.clients_for_role(self.pipeline_role_arn)[1] if self.clients_for_role and self.pipeline_role_arn else self.sagemaker

    def authorize_pipeline_call(self, action: str, resource: str, context: dict | None = None) -> None:
        """Check a call SageMaker Pipelines makes as the pipeline role (e.g. CreateProcessingJob)."""
        if self.authorize and self.pipeline_role_arn:
            self.authorize(self.pipeline_role_arn, action, resource, context or {})

    def authorize_job(self, operation: str, resource_type: str, name: str, role_arn: str) -> None:
        """CreateProcessingJob/CreateTrainingJob as the pipeline role, and passing the job's role."""
        self.authorize_pipeline_call(f"sagemaker:{operation}", self.arn(resource_type, name))
        self.authorize_pipeline_call("iam:PassRole", role_arn, {"iam:PassedToService": "sagemaker.amazonaws.com"})

    def job_name(self, step_name: str) -> str:
        """SageMaker names a pipeline's jobs pipelines-<execution id>-<step>-<suffix>; no suffix here."""
        name = re.sub(r"[^a-zA-Z0-9-]", "-", f"pipelines-{self.execution_id}-{step_name}")
        return name[:63].rstrip("-")

    def arn(self, resource_type: str, name: str) -> str:
        return f"arn:aws:sagemaker:{self.region}:{self.account}:{resource_type}/{name.lower()}"

    def step_dir(self, step_name: str) -> Path:
        path = self.work_dir / re.sub(r"[^A-Za-z0-9_.-]", "_", step_name)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def validated(self, operation: str, request: dict, step_name: str) -> dict:
        """``request`` checked against botocore's model of the SageMaker operation the step makes."""
        shape = self.sagemaker.meta.service_model.operation_model(operation).input_shape
        try:
            validate_parameters(request, shape)
        except ParamValidationError as error:
            raise DefinitionError(f"step {step_name}: its arguments are not a valid {operation} request: {error}") from None
        return request
