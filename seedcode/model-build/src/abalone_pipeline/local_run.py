"""`run-pipeline --local`: the pipeline's own definition, executed on this machine.

The definition is built exactly as for SageMaker (``get_pipeline(...).definition()``, which
uploads the step scripts to the bucket) and handed to the pipeline executor
(``pipeline_executor``, shipped in this repo), which runs each step in a local stand-in
for its image. S3 and SageMaker are whatever boto3 points at (your account, or an
emulator through AWS_ENDPOINT_URL); with ``offline=True`` they are moto, in this
process, with the bucket and model package group created first, so nothing leaves
the machine.
"""

import contextlib
import json
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

import boto3

from abalone_pipeline.builders import build_pipeline
from abalone_pipeline.settings import INPUT_DATA_FILE, PREPROCESS_INPUT_DIR

PACKAGED_DATA = Path(__file__).resolve().parent / "data" / "abalone.data"
WORK_DIR_MARKER = ".abalone-local-run"  # only folders holding it are ever emptied
OFFLINE_ACCOUNT = "123456789012"  # moto's account
OFFLINE_KWARGS = {
    "region": "us-east-1",
    "role": f"arn:aws:iam::{OFFLINE_ACCOUNT}:role/local-run-execution-role",
    "default_bucket": "sagemaker-local-run",
    "pipeline_name": "abalone-local-run",
    "model_package_group_name": "abalone-local-run",
    "base_job_prefix": "abalone-local-run",
}


class LocalRunError(RuntimeError):
    """The run could not start (work folder, data); the message says what to change."""


@dataclass
class LocalRun:
    result: object  # pipeline_executor.ExecutionResult
    definition: str
    work_dir: Path


def prepare_work_dir(work_dir: Path) -> Path:
    work_dir = Path(work_dir)
    if work_dir.exists() and any(work_dir.iterdir()):
        if not (work_dir / WORK_DIR_MARKER).exists():
            raise LocalRunError(f"--work-dir {work_dir} is not empty and was not made by a local run; choose another folder")
        shutil.rmtree(work_dir)
    work_dir.mkdir(parents=True)
    (work_dir / WORK_DIR_MARKER).touch()
    return work_dir


@contextlib.contextmanager
def offline_aws(kwargs: dict):
    """moto in this process, with the project's bucket and model package group."""
    from moto import mock_aws

    with mock_aws():
        boto3.client("s3", region_name=kwargs["region"]).create_bucket(Bucket=kwargs["default_bucket"])
        boto3.client("sagemaker", region_name=kwargs["region"]).create_model_package_group(
            ModelPackageGroupName=kwargs["model_package_group_name"])
        yield


def run(kwargs: dict, parameters: dict[str, str], data: Path, work_dir: Path, build_definition, say=print) -> LocalRun:
    """Upload ``data`` as the input, build the definition and execute it; never raises for a failed step."""
    if not Path(data).is_file():
        raise LocalRunError(f"--data {data}: file not found")
    work_dir = prepare_work_dir(work_dir)
    s3 = boto3.client("s3", region_name=kwargs["region"])
    key = f"{kwargs['base_job_prefix']}/input/{INPUT_DATA_FILE}"
    s3.upload_file(str(data), kwargs["default_bucket"], key)
    say(f"uploaded {data} to s3://{kwargs['default_bucket']}/{key}")
    definition = build_definition({**kwargs, "input_data_url": f"s3://{kwargs['default_bucket']}/{key}"})
    run = execute_definition(definition, parameters, kwargs, work_dir, say)
    if run.result.failure_reason:  # the container's copy of the data is the user's --data file
        run.result.failure_reason = run.result.failure_reason.replace(f"{PREPROCESS_INPUT_DIR}/{INPUT_DATA_FILE}", str(data))
    return run


def execute_definition(definition: str, parameters: dict[str, str], kwargs: dict, work_dir: Path, say=print) -> LocalRun:
    """Execute a pipeline definition here, keeping it and every step's request under ``work_dir``."""
    from pipeline_executor import StepContext, execute

    region = kwargs["region"]
    s3, sagemaker = boto3.client("s3", region_name=region), boto3.client("sagemaker", region_name=region)
    (work_dir / "pipeline-definition.json").write_text(json.dumps(json.loads(definition), indent=2, sort_keys=True) + "\n")
    account = boto3.client("sts", region_name=region).get_caller_identity()["Account"]
    context = StepContext(s3, sagemaker, region, account, secrets.token_hex(6), work_dir / "steps", say)
    result = execute(definition, parameters, context, kwargs["pipeline_name"])
    (work_dir / "steps").mkdir(exist_ok=True)
    for name, properties in result.scope.step_properties.items():
        (work_dir / "steps" / f"{name}.json").write_text(json.dumps(properties, indent=2, default=str) + "\n")
    return LocalRun(result, definition, work_dir)


@contextlib.contextmanager
def offline_with_approved_model(kwargs: dict, work_dir: Path, say=print):
    """moto in this process, with a model trained by the model-build pipeline run here (in
    ``work_dir``/model-build) and approved: what the batch and monitor commands start from offline."""
    build_kwargs = {key: kwargs[key] for key in ("region", "role", "default_bucket", "model_package_group_name",
                                                 "base_job_prefix")} | {"pipeline_name": OFFLINE_KWARGS["pipeline_name"]}
    with offline_aws(build_kwargs):
        say("offline: no approved model here, so the model-build pipeline runs first")
        build = run(build_kwargs, {}, PACKAGED_DATA, Path(work_dir) / "model-build",
                    lambda pipeline_kwargs: build_pipeline(pipeline_kwargs).definition(), say)
        if build.result.status != "Succeeded":
            raise LocalRunError(f"the model-build run failed: {build.result.failure_reason}")
        arn = build.result.properties("RegisterModel")["ModelPackageArn"]
        boto3.client("sagemaker", region_name=kwargs["region"]).update_model_package(
            ModelPackageArn=arn, ModelApprovalStatus="Approved")
        say(f"approved {arn}")
        yield arn
