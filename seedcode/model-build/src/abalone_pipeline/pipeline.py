"""The abalone SageMaker Pipeline: preprocess, baseline, train, evaluate, check the MSE, register.

    Preprocess ─┬─▶ Train ─▶ Evaluate ─▶ CheckMSE ─┬─ MSE <= threshold ─▶ RegisterModel
                └─▶ DriftBaseline ─────────────────┘  └─ otherwise ─────────▶ MSEAboveThreshold (fails)

The model is registered with its drift baseline (the training features' statistics and the
drift threshold), so whichever product deploys it can monitor the endpoint's requests
against the data the model learned from.

`get_pipeline` builds it with the SageMaker Python SDK v3: it declares the parameters, then
builds each step with a function of its own; those functions follow it, in the order it calls
them. Every S3 path the pipeline writes is under the project bucket and the execution id, so
the definition has no timestamps and a re-run never overwrites an earlier one. The helpers at
the end are shared with batch_pipeline.py and monitor_pipeline.py.
"""

import os
from dataclasses import dataclass
from pathlib import Path

import boto3
from sagemaker.core import image_uris
from sagemaker.core.drift_check_baselines import DriftCheckBaselines
from sagemaker.core.model_metrics import MetricsSource, ModelMetrics
from sagemaker.core.processing import ScriptProcessor
from sagemaker.core.shapes import ProcessingInput, ProcessingOutput, ProcessingS3Input, ProcessingS3Output
from sagemaker.core.workflow.conditions import ConditionLessThanOrEqualTo
from sagemaker.core.workflow.execution_variables import ExecutionVariables
from sagemaker.core.workflow.functions import Join, JsonGet
from sagemaker.core.workflow.parameters import Parameter, ParameterFloat, ParameterInteger, ParameterString
from sagemaker.core.workflow.pipeline_context import PipelineSession
from sagemaker.core.workflow.properties import PropertyFile
from sagemaker.mlops.workflow import ConditionStep, FailStep, ModelStep, Pipeline, ProcessingStep, TrainingStep
from sagemaker.serve.model_builder import ModelBuilder
from sagemaker.train.configs import Compute, InputData, OutputDataConfig
from sagemaker.train.model_trainer import ModelTrainer

from abalone_pipeline.settings import (
    CONTENT_TYPES,
    DEFAULT_DRIFT_THRESHOLD,
    DEFAULT_MSE_THRESHOLD,
    EVALUATION_JSON_PATH,
    FEATURE_NAMES,
    HYPERPARAMETERS,
    INFERENCE_INSTANCES,
    PREPROCESS_INPUT_DIR,
    SKLEARN_VERSION,
    TRANSFORM_INSTANCES,
    XGBOOST_VERSION,
)

SCRIPTS = Path(__file__).resolve().parent / "scripts"
SPLITS = ("train", "validation", "test")  # what Preprocess writes, one output (and folder) each


def get_pipeline(
    region: str,
    role: str,
    default_bucket: str,
    pipeline_name: str,
    model_package_group_name: str,
    base_job_prefix: str,
    input_data_url: str | None = None,
    sagemaker_session: PipelineSession | None = None,
    processing_image_uri: str | None = None,
) -> Pipeline:
    """The pipeline, ready to upsert.

    ``role`` is the execution role of the jobs and the registered model;
    ``input_data_url`` defaults to the copy of the data set `run-pipeline` uploads;
    ``processing_image_uri`` (the ``ProcessingImageUri`` parameter's default) to SageMaker's scikit-learn
    image: an image-build project's image, derived from it, can take its place.
    """
    session = pipeline_session(region, default_bucket, sagemaker_session)
    jobs = JobSettings(role=role, bucket=default_bucket, prefix=base_job_prefix, session=session)
    sklearn_image = image_uris.retrieve("sklearn", region=region, version=SKLEARN_VERSION, instance_type="ml.m5.xlarge")
    parameters = declare_parameters(input_data_url or f"s3://{default_bucket}/{base_job_prefix}/input/abalone.data",
                                    processing_image_uri or sklearn_image)
    xgboost_image = image_uris.retrieve("xgboost", region=region, version=XGBOOST_VERSION)

    # Preprocess and DriftBaseline both run scikit-learn scripts, on the same processor.
    sklearn_processor = jobs.script_processor(parameters["ProcessingImageUri"], parameters["ProcessingInstanceType"],
                                              parameters["ProcessingInstanceCount"], "preprocess")
    preprocess = preprocess_step(sklearn_processor, parameters["InputDataUrl"], jobs)
    drift_baseline = drift_baseline_step(sklearn_processor, preprocess, parameters["DriftThreshold"], jobs)
    train = train_step(xgboost_image, parameters["TrainingInstanceType"], parameters["TrainingInstanceCount"],
                       preprocess, jobs)
    evaluate, evaluation_report = evaluate_step(xgboost_image, parameters["ProcessingInstanceType"], train,
                                                preprocess, jobs)
    register = register_model_step(xgboost_image, train, evaluate, drift_baseline, model_package_group_name,
                                   parameters["ModelApprovalStatus"], jobs)
    check = check_mse_step(evaluate, evaluation_report, parameters["MseThreshold"], register)
    return Pipeline(
        name=pipeline_name,
        parameters=list(parameters.values()),
        steps=[preprocess, drift_baseline, train, evaluate, check],
        # The SDK's default makes SageMaker create an experiment and a trial per run, which
        # nothing here reads and which the pipeline role would need permissions for.
        pipeline_experiment_config=None,
        sagemaker_session=session,
    )


def declare_parameters(input_data_default: str, processing_image_default: str) -> dict[str, Parameter]:
    """The pipeline's parameters by name, in the order the definition lists them.

    They are what a run can change without a new definition (Studio, `start-pipeline-execution`,
    `--parameter Name=Value` locally); the defaults are what CodeBuild's runs use.
    """
    return {parameter.name: parameter for parameter in (
        ParameterString("ProcessingInstanceType", default_value="ml.m5.xlarge"),
        ParameterInteger("ProcessingInstanceCount", default_value=1),
        ParameterString("TrainingInstanceType", default_value="ml.m5.xlarge"),
        ParameterInteger("TrainingInstanceCount", default_value=1),
        ParameterString("InputDataUrl", default_value=input_data_default),
        ParameterString("ModelApprovalStatus", default_value="PendingManualApproval"),
        ParameterFloat("MseThreshold", default_value=DEFAULT_MSE_THRESHOLD),
        ParameterFloat("DriftThreshold", default_value=DEFAULT_DRIFT_THRESHOLD),
        ParameterString("ProcessingImageUri", default_value=processing_image_default),
    )}


@dataclass(frozen=True)
class JobSettings:
    """What every job of a pipeline shares: the role it runs as, where it writes, the SDK session.

    Kept together so that each step function takes one argument for them, not four.
    """
    role: str
    bucket: str
    prefix: str  # base_job_prefix: starts every job name and every S3 folder the pipeline writes
    session: PipelineSession

    def output_path(self, *parts) -> Join:
        """s3://<bucket>/<prefix>/<execution id>/<parts>: a folder of this run only."""
        return run_path(self.bucket, self.prefix, *parts)

    def script_processor(self, image_uri, instance_type, instance_count, job: str) -> ScriptProcessor:
        """A processor running ``python3 <script>`` in ``image_uri``, its jobs named <prefix>-<job>."""
        return ScriptProcessor(
            image_uri=image_uri,
            command=["python3"],
            instance_type=instance_type,
            instance_count=instance_count,
            base_job_name=f"{self.prefix}-{job}",
            role=self.role,
            sagemaker_session=self.session,
        )


def preprocess_step(processor: ScriptProcessor, input_data, jobs: JobSettings) -> ProcessingStep:
    """Preprocess: scripts/preprocess.py splits the raw data into one CSV folder per split (SPLITS)."""
    return ProcessingStep(
        name="Preprocess",
        step_args=processor.run(
            code=str(SCRIPTS / "preprocess.py"),
            inputs=[processing_input("input", input_data, PREPROCESS_INPUT_DIR)],
            outputs=[
                processing_output(split, jobs.output_path("preprocess", split), f"/opt/ml/processing/{split}")
                for split in SPLITS
            ],
        ),
    )


def drift_baseline_step(processor: ScriptProcessor, preprocess: ProcessingStep, drift_threshold,
                        jobs: JobSettings) -> ProcessingStep:
    """DriftBaseline: the training split's statistics and the drift threshold, as a monitor compares them."""
    return ProcessingStep(
        name="DriftBaseline",
        step_args=processor.run(
            code=str(SCRIPTS / "drift.py"),
            arguments=["baseline", "--features", ",".join(FEATURE_NAMES), "--threshold", drift_threshold.to_string()],
            inputs=[processing_input("train", output_uri(preprocess, "train"), "/opt/ml/processing/train")],
            outputs=[processing_output("baseline", jobs.output_path("baseline"), "/opt/ml/processing/baseline")],
        ),
    )


def train_step(image_uri: str, instance_type, instance_count, preprocess: ProcessingStep,
               jobs: JobSettings) -> TrainingStep:
    """Train: the built-in XGBoost algorithm with settings.HYPERPARAMETERS, on the train and validation splits."""
    trainer = ModelTrainer(
        training_image=image_uri,
        compute=Compute(instance_type=instance_type, instance_count=instance_count),
        hyperparameters=HYPERPARAMETERS,
        output_data_config=OutputDataConfig(s3_output_path=jobs.output_path("model")),
        base_job_name=f"{jobs.prefix}-train",
        role=jobs.role,
        sagemaker_session=jobs.session,
    )
    return TrainingStep(
        name="Train",
        step_args=trainer.train(
            input_data_config=[
                InputData(channel_name=split, data_source=output_uri(preprocess, split), content_type="text/csv")
                for split in ("train", "validation")
            ]
        ),
    )


def evaluate_step(image_uri: str, instance_type, train: TrainingStep, preprocess: ProcessingStep,
                  jobs: JobSettings) -> tuple[ProcessingStep, PropertyFile]:
    """Evaluate: scripts/evaluate.py scores the model on the test split.

    Returns the step and its evaluation.json as a property file, which is how CheckMSE reads
    the MSE while the pipeline runs.
    """
    evaluation_report = PropertyFile(name="EvaluationReport", output_name="evaluation", path="evaluation.json")
    evaluator = jobs.script_processor(image_uri, instance_type, 1, "evaluate")
    evaluate = ProcessingStep(
        name="Evaluate",
        step_args=evaluator.run(
            code=str(SCRIPTS / "evaluate.py"),
            inputs=[
                processing_input("model", model_artifacts(train), "/opt/ml/processing/model"),
                processing_input("test", output_uri(preprocess, "test"), "/opt/ml/processing/test"),
            ],
            outputs=[processing_output("evaluation", jobs.output_path("evaluation"), "/opt/ml/processing/evaluation")],
        ),
        property_files=[evaluation_report],
    )
    return evaluate, evaluation_report


def register_model_step(image_uri: str, train: TrainingStep, evaluate: ProcessingStep, drift_baseline: ProcessingStep,
                        model_package_group_name: str, approval_status, jobs: JobSettings) -> ModelStep:
    """RegisterModel: the trained model in the model package group, with its test metrics and drift baseline.

    The same three files are its ModelMetrics (what the registry shows) and its
    DriftCheckBaselines (what a monitor compares production with: the training data).
    """
    evaluation_json = output_file(evaluate, "evaluation", "evaluation.json")
    statistics, constraints = (output_file(drift_baseline, "baseline", name)
                               for name in ("statistics.json", "constraints.json"))
    metrics = ModelMetrics(model_statistics=evaluation_json, model_data_statistics=statistics,
                           model_data_constraints=constraints)
    drift_baselines = DriftCheckBaselines(model_statistics=evaluation_json, model_data_statistics=statistics,
                                          model_data_constraints=constraints)
    model = ModelBuilder(image_uri=image_uri, s3_model_data_url=model_artifacts(train), role_arn=jobs.role,
                         sagemaker_session=jobs.session)
    return ModelStep(
        name="RegisterModel",
        step_args=model.register(
            model_package_group_name=model_package_group_name,
            content_types=CONTENT_TYPES,
            response_types=CONTENT_TYPES,
            inference_instances=INFERENCE_INSTANCES,
            transform_instances=TRANSFORM_INSTANCES,
            approval_status=approval_status,
            model_metrics=metrics,
            drift_check_baselines=drift_baselines,
        ),
    )


def check_mse_step(evaluate: ProcessingStep, evaluation_report: PropertyFile, mse_threshold,
                   register: ModelStep) -> ConditionStep:
    """CheckMSE, the quality gate: register the model if its test MSE is at most ``mse_threshold``,
    else fail the run at MSEAboveThreshold (so a worse model never reaches the registry)."""
    mse = JsonGet(step_name=evaluate.name, property_file=evaluation_report, json_path=EVALUATION_JSON_PATH)
    too_high = FailStep(
        name="MSEAboveThreshold",
        error_message=Join(on=" ", values=["The model's test MSE is above the threshold of", mse_threshold]),
    )
    return ConditionStep(
        name="CheckMSE",
        conditions=[ConditionLessThanOrEqualTo(left=mse, right=mse_threshold)],
        if_steps=[register],
        else_steps=[too_high],
    )


# Shared with batch_pipeline.py and monitor_pipeline.py.

def pipeline_session(region: str, default_bucket: str, sagemaker_session: PipelineSession | None) -> PipelineSession:
    """``sagemaker_session``, else a PipelineSession for ``region``: steps built with it are recorded, not run.

    It first turns off the SDK's client-side role check: the SDK can check roles with
    iam:SimulatePrincipalPolicy, which the project's CodeBuild role may not call, and
    SageMaker checks the role anyway when the jobs start.
    """
    os.environ.setdefault("SAGEMAKER_VALIDATE_ROLE", "false")
    return sagemaker_session or PipelineSession(
        boto_session=boto3.Session(region_name=region), default_bucket=default_bucket
    )


def run_path(bucket: str, prefix: str, *parts) -> Join:
    """s3://<bucket>/<prefix>/<execution id>/<parts>: one folder per pipeline run."""
    return Join(on="/", values=["s3:/", bucket, prefix, ExecutionVariables.PIPELINE_EXECUTION_ID, *parts])


def processing_input(name: str, source, local_path: str) -> ProcessingInput:
    """Everything under the S3 URI ``source``, copied to ``local_path`` in the container before the script starts."""
    return ProcessingInput(
        input_name=name,
        s3_input=ProcessingS3Input(s3_uri=source, local_path=local_path, s3_data_type="S3Prefix", s3_input_mode="File"),
    )


def processing_output(name: str, destination, local_path: str) -> ProcessingOutput:
    """What the script wrote under ``local_path``, uploaded to ``destination`` when the job ends."""
    return ProcessingOutput(
        output_name=name,
        s3_output=ProcessingS3Output(s3_uri=destination, local_path=local_path, s3_upload_mode="EndOfJob"),
    )


def output_uri(step: ProcessingStep, output_name: str):
    """Where a processing step's output goes: later steps read it from there, which also orders them after it."""
    return step.properties.ProcessingOutputConfig.Outputs[output_name].S3Output.S3Uri


def output_file(step: ProcessingStep, output_name: str, file_name: str) -> MetricsSource:
    """A JSON file a processing step wrote under one of its outputs, as the model registry references it."""
    return MetricsSource(s3_uri=Join(on="/", values=[output_uri(step, output_name), file_name]),
                         content_type="application/json")


def model_artifacts(train: TrainingStep):
    """The S3 URI of the model.tar.gz the training job writes."""
    return train.properties.ModelArtifacts.S3ModelArtifacts
