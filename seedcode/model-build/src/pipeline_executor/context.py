"""What a step runner gets: the AWS clients, the execution's identity and a work folder."""

import re
from dataclasses import dataclass
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
