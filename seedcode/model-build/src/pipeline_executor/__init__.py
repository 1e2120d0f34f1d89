"""Run a SageMaker pipeline definition on this machine: no Docker, no SageMaker jobs.

The seed repo's `run-pipeline --local` and the catalog's AWS emulator both run pipelines
with this package (it ships in the model-build repo so the repo works on its own). Its
core needs only boto3; each step's container runs in a cached virtual environment for
its image (images.py), built with uv.
"""

from pipeline_executor.context import StepContext
from pipeline_executor.errors import DefinitionError, StepFailed
from pipeline_executor.executor import ExecutionResult, StepRecord, execute

__all__ = ["DefinitionError", "ExecutionResult", "StepContext", "StepFailed", "StepRecord", "execute"]
