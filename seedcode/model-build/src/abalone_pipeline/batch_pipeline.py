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

from sagemaker.core import image_uris
from sagemaker.core.transformer import Transformer
from sagemaker.core.workflow.execution_variables import ExecutionVariables
from sagemaker.core.workflow.functions import Join
from sagemaker.core.workflow.parameters import Parameter, ParameterString
from sagemaker.core.workflow.pipeline_context import PipelineSession
from sagemaker.mlops.workflow import ModelStep, Pipeline, ProcessingStep, TransformStep
from sagemaker.serve.model_builder import ModelBuilder

from abalone_pipeline.pipeline import (
    SCRIPTS,
    JobSettings,
    output_uri,
    pipeline_session,
    processing_input,
    processing_output,
)
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
    session = pipeline_session(region, default_bucket, sagemaker_session)
    jobs = JobSettings(role=role, bucket=default_bucket, prefix=base_job_prefix, session=session)
    parameters = declare_batch_parameters(
        batch_input_url or f"s3://{default_bucket}/{base_job_prefix}/{BATCH_INPUT_FOLDER}/", model_image_uri,
        model_data_url,
    )
    sklearn_image = image_uris.retrieve("sklearn", region=region, version=SKLEARN_VERSION, instance_type="ml.m5.xlarge")

    prepare = prepare_batch_input_step(sklearn_image, parameters["ProcessingInstanceType"],
                                       parameters["BatchInputUrl"], jobs)
    create_model = create_model_step(parameters["ModelImageUri"], parameters["ModelDataUrl"], jobs)
    transform = batch_transform_step(create_model, prepare, parameters["TransformInstanceType"],
                                     parameters["BatchTime"], jobs)
    return Pipeline(
        name=pipeline_name,
        parameters=list(parameters.values()),
        steps=[prepare, create_model, transform],
        pipeline_experiment_config=None,  # no experiment per run, as in get_pipeline
        sagemaker_session=session,
    )


def declare_batch_parameters(batch_input_default: str, model_image_uri: str,
                             model_data_url: str) -> dict[str, Parameter]:
    """The batch pipeline's parameters by name, in the order the definition lists them.

    The model is a parameter, not a constant, so the schedule's runs use whatever model
    `run-batch-pipeline` last upserted as the defaults, and a run by hand can score with another.
    """
    return {parameter.name: parameter for parameter in (
        ParameterString("ProcessingInstanceType", default_value="ml.m5.xlarge"),
        ParameterString("TransformInstanceType", default_value=TRANSFORM_INSTANCES[0]),
        ParameterString("BatchInputUrl", default_value=batch_input_default),
        ParameterString("ModelImageUri", default_value=model_image_uri),
        ParameterString("ModelDataUrl", default_value=model_data_url),
        ParameterString("BatchTime", default_value=UNSCHEDULED),
    )}


def prepare_batch_input_step(image_uri: str, instance_type, batch_input, jobs: JobSettings) -> ProcessingStep:
    """PrepareBatchInput: scripts/preprocess.py --batch turns each input file into the model's features,
    with the code that encodes the training data, so the model sees the columns it was trained on."""
    preparer = jobs.script_processor(image_uri, instance_type, 1, "batch-prepare")
    return ProcessingStep(
        name="PrepareBatchInput",
        step_args=preparer.run(
            code=str(SCRIPTS / "preprocess.py"),
            arguments=["--batch"],
            inputs=[processing_input("input", batch_input, PREPROCESS_INPUT_DIR)],
            outputs=[processing_output("batch", jobs.output_path("batch-prepare"), "/opt/ml/processing/batch")],
        ),
    )


def create_model_step(image_uri, model_data_url, jobs: JobSettings) -> ModelStep:
    """CreateModel: a SageMaker model from the image and model data parameters, for the transform job to run."""
    model = ModelBuilder(image_uri=image_uri, s3_model_data_url=model_data_url, role_arn=jobs.role,
                         sagemaker_session=jobs.session)
    return ModelStep(name="CreateModel", step_args=model.build())


def batch_transform_step(create_model: ModelStep, prepare: ProcessingStep, instance_type, batch_time,
                         jobs: JobSettings) -> TransformStep:
    """BatchTransform: one prediction per input row, under batch-transform/<BatchTime>/<execution id>/.

    BatchTime comes before the execution id so that the results of scheduled runs sort by date.
    """
    transformer = Transformer(
        model_name=create_model.properties.ModelName,
        instance_count=1,
        instance_type=instance_type,
        output_path=Join(on="/", values=[
            "s3:/", jobs.bucket, jobs.prefix, BATCH_OUTPUT_FOLDER, batch_time, ExecutionVariables.PIPELINE_EXECUTION_ID,
        ]),
        accept="text/csv",
        assemble_with="Line",
        base_transform_job_name=f"{jobs.prefix}-batch",
        sagemaker_session=jobs.session,
    )
    return TransformStep(
        name="BatchTransform",
        step_args=transformer.transform(
            data=output_uri(prepare, "batch"),
            content_type="text/csv",
            split_type="Line",
        ),
    )
