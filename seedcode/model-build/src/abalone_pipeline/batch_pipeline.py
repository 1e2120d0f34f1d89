"""The batch inference pipeline: the latest approved model scores new data, no endpoint.

    PrepareBatchInput ─▶ CreateModel ─▶ BatchTransform

- **PrepareBatchInput** (`scripts/preprocess.py --batch`, scikit-learn image): each file under
  `BatchInputUrl` (abalone rows, with or without rings) becomes features-only CSV, encoded by
  the same code as training.
- **CreateModel**: a SageMaker model from `ModelImageUri` and `ModelDataUrl`, whose defaults
  are the latest approved package's (`run-batch-pipeline` looks them up and upserts the
  pipeline on every approval), so the schedule always scores with the approved model.
- **BatchTransform**: one prediction per row, to
  `s3://<bucket>/<prefix>/batch-transform/<BatchTime>/<execution id>/<file>.out`.

The project's schedule starts it with `BatchTime` set to the scheduled time (EventBridge
Scheduler's `<aws.scheduler.scheduled-time>`, e.g. 2026-11-25T03:00:00Z), so results sort by date.
"""

import os

import boto3
from sagemaker.core import image_uris
from sagemaker.core.processing import ScriptProcessor
from sagemaker.core.transformer import Transformer
from sagemaker.core.workflow.execution_variables import ExecutionVariables
from sagemaker.core.workflow.functions import Join
from sagemaker.core.workflow.parameters import ParameterString
from sagemaker.core.workflow.pipeline_context import PipelineSession
from sagemaker.mlops.workflow import ModelStep, Pipeline, ProcessingStep, TransformStep
from sagemaker.serve.model_builder import ModelBuilder

from abalone_pipeline.pipeline import SCRIPTS, processing_input, processing_output, run_path
from abalone_pipeline.settings import (
    BATCH_INPUT_FOLDER,
    BATCH_OUTPUT_FOLDER,
    PREPROCESS_INPUT_DIR,
    SKLEARN_VERSION,
    TRANSFORM_INSTANCES,
    UNSCHEDULED,
)


def get_batch_pipeline(
    region: str,
    role: str,
    default_bucket: str,
    pipeline_name: str,
    base_job_prefix: str,
    model_image_uri: str,
    model_data_url: str,
    batch_input_url: str | None = None,
    sagemaker_session: PipelineSession | None = None,
) -> Pipeline:
    """The batch pipeline for one model (``model_image_uri`` and ``model_data_url``: the defaults
    of its parameters); ``role`` is the execution role of the jobs and the model."""
    os.environ.setdefault("SAGEMAKER_VALIDATE_ROLE", "false")  # see get_pipeline
    session = sagemaker_session or PipelineSession(
        boto_session=boto3.Session(region_name=region), default_bucket=default_bucket
    )
    prefix = base_job_prefix
    processing_instance_type = ParameterString("ProcessingInstanceType", default_value="ml.m5.xlarge")
    transform_instance_type = ParameterString("TransformInstanceType", default_value=TRANSFORM_INSTANCES[0])
    batch_input = ParameterString(
        "BatchInputUrl", default_value=batch_input_url or f"s3://{default_bucket}/{prefix}/{BATCH_INPUT_FOLDER}/"
    )
    image = ParameterString("ModelImageUri", default_value=model_image_uri)
    model_data = ParameterString("ModelDataUrl", default_value=model_data_url)
    batch_time = ParameterString("BatchTime", default_value=UNSCHEDULED)

    sklearn_image = image_uris.retrieve("sklearn", region=region, version=SKLEARN_VERSION, instance_type="ml.m5.xlarge")
    preparer = ScriptProcessor(
        image_uri=sklearn_image,
        command=["python3"],
        instance_type=processing_instance_type,
        instance_count=1,
        base_job_name=f"{prefix}-batch-prepare",
        role=role,
        sagemaker_session=session,
    )
    prepare = ProcessingStep(
        name="PrepareBatchInput",
        step_args=preparer.run(
            code=str(SCRIPTS / "preprocess.py"),
            arguments=["--batch"],
            inputs=[processing_input("input", batch_input, PREPROCESS_INPUT_DIR)],
            outputs=[processing_output("batch", run_path(default_bucket, prefix, "batch-prepare"),
                                       "/opt/ml/processing/batch")],
        ),
    )
    model = ModelBuilder(image_uri=image, s3_model_data_url=model_data, role_arn=role, sagemaker_session=session)
    create_model = ModelStep(name="CreateModel", step_args=model.build())
    transformer = Transformer(
        model_name=create_model.properties.ModelName,
        instance_count=1,
        instance_type=transform_instance_type,
        output_path=Join(on="/", values=[
            "s3:/", default_bucket, prefix, BATCH_OUTPUT_FOLDER, batch_time, ExecutionVariables.PIPELINE_EXECUTION_ID,
        ]),
        accept="text/csv",
        assemble_with="Line",
        base_transform_job_name=f"{prefix}-batch",
        sagemaker_session=session,
    )
    transform = TransformStep(
        name="BatchTransform",
        step_args=transformer.transform(
            data=prepare.properties.ProcessingOutputConfig.Outputs["batch"].S3Output.S3Uri,
            content_type="text/csv",
            split_type="Line",
        ),
    )
    return Pipeline(
        name=pipeline_name,
        parameters=[processing_instance_type, transform_instance_type, batch_input, image, model_data, batch_time],
        steps=[prepare, create_model, transform],
        pipeline_experiment_config=None,  # see get_pipeline
        sagemaker_session=session,
    )
