"""The abalone SageMaker Pipeline: preprocess, baseline, train, evaluate, check the MSE, register.

    Preprocess ─┬─▶ Train ─▶ Evaluate ─▶ CheckMSE ─┬─ MSE <= threshold ─▶ RegisterModel
                └─▶ DriftBaseline ─────────────────┘  └─ otherwise ─────────▶ MSEAboveThreshold (fails)

The model is registered with its drift baseline (the training features' statistics and the
drift threshold), so whichever product deploys it can monitor the endpoint's requests
against the data the model learned from.

`get_pipeline` builds it with the SageMaker Python SDK v3. Every S3 path the pipeline
writes is under the project bucket and the execution id, so the definition has no
timestamps and a re-run never overwrites an earlier one.
"""

import os
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
from sagemaker.core.workflow.parameters import ParameterFloat, ParameterInteger, ParameterString
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


def run_path(bucket: str, prefix: str, *parts) -> Join:
    """s3://<bucket>/<prefix>/<execution id>/<parts>: one folder per pipeline run."""
    return Join(on="/", values=["s3:/", bucket, prefix, ExecutionVariables.PIPELINE_EXECUTION_ID, *parts])


def processing_input(name: str, source, local_path: str) -> ProcessingInput:
    return ProcessingInput(
        input_name=name,
        s3_input=ProcessingS3Input(s3_uri=source, local_path=local_path, s3_data_type="S3Prefix", s3_input_mode="File"),
    )


def output_file(step: ProcessingStep, output_name: str, file_name: str) -> MetricsSource:
    """A JSON file a processing step wrote under one of its outputs, as the model registry references it."""
    uri = step.properties.ProcessingOutputConfig.Outputs[output_name].S3Output.S3Uri
    return MetricsSource(s3_uri=Join(on="/", values=[uri, file_name]), content_type="application/json")


def processing_output(name: str, destination, local_path: str) -> ProcessingOutput:
    return ProcessingOutput(
        output_name=name,
        s3_output=ProcessingS3Output(s3_uri=destination, local_path=local_path, s3_upload_mode="EndOfJob"),
    )


def get_pipeline(
    region: str,
    role: str,
    default_bucket: str,
    pipeline_name: str,
    model_package_group_name: str,
    base_job_prefix: str,
    input_data_url: str | None = None,
    sagemaker_session: PipelineSession | None = None,
) -> Pipeline:
    """The pipeline, ready to upsert.

    ``role`` is the execution role of the jobs and the registered model;
    ``input_data_url`` defaults to the copy of the data set `run-pipeline` uploads.
    """
    # The SDK can check roles client-side with iam:SimulatePrincipalPolicy, which the
    # project's CodeBuild role may not call; SageMaker checks the role when jobs start.
    os.environ.setdefault("SAGEMAKER_VALIDATE_ROLE", "false")
    session = sagemaker_session or PipelineSession(
        boto_session=boto3.Session(region_name=region), default_bucket=default_bucket
    )
    prefix = base_job_prefix

    processing_instance_type = ParameterString("ProcessingInstanceType", default_value="ml.m5.xlarge")
    processing_instance_count = ParameterInteger("ProcessingInstanceCount", default_value=1)
    training_instance_type = ParameterString("TrainingInstanceType", default_value="ml.m5.xlarge")
    training_instance_count = ParameterInteger("TrainingInstanceCount", default_value=1)
    input_data = ParameterString(
        "InputDataUrl", default_value=input_data_url or f"s3://{default_bucket}/{prefix}/input/abalone.data"
    )
    approval_status = ParameterString("ModelApprovalStatus", default_value="PendingManualApproval")
    mse_threshold = ParameterFloat("MseThreshold", default_value=DEFAULT_MSE_THRESHOLD)
    drift_threshold = ParameterFloat("DriftThreshold", default_value=DEFAULT_DRIFT_THRESHOLD)

    sklearn_image = image_uris.retrieve("sklearn", region=region, version=SKLEARN_VERSION, instance_type="ml.m5.xlarge")
    xgboost_image = image_uris.retrieve("xgboost", region=region, version=XGBOOST_VERSION)

    preprocessor = ScriptProcessor(
        image_uri=sklearn_image,
        command=["python3"],
        instance_type=processing_instance_type,
        instance_count=processing_instance_count,
        base_job_name=f"{prefix}-preprocess",
        role=role,
        sagemaker_session=session,
    )
    preprocess = ProcessingStep(
        name="Preprocess",
        step_args=preprocessor.run(
            code=str(SCRIPTS / "preprocess.py"),
            inputs=[processing_input("input", input_data, PREPROCESS_INPUT_DIR)],
            outputs=[
                processing_output(split, run_path(default_bucket, prefix, "preprocess", split), f"/opt/ml/processing/{split}")
                for split in ("train", "validation", "test")
            ],
        ),
    )
    split_uri = {
        split: preprocess.properties.ProcessingOutputConfig.Outputs[split].S3Output.S3Uri
        for split in ("train", "validation", "test")
    }

    trainer = ModelTrainer(
        training_image=xgboost_image,
        compute=Compute(instance_type=training_instance_type, instance_count=training_instance_count),
        hyperparameters=HYPERPARAMETERS,
        output_data_config=OutputDataConfig(s3_output_path=run_path(default_bucket, prefix, "model")),
        base_job_name=f"{prefix}-train",
        role=role,
        sagemaker_session=session,
    )
    train = TrainingStep(
        name="Train",
        step_args=trainer.train(
            input_data_config=[
                InputData(channel_name=split, data_source=split_uri[split], content_type="text/csv")
                for split in ("train", "validation")
            ]
        ),
    )
    model_data = train.properties.ModelArtifacts.S3ModelArtifacts

    evaluation_report = PropertyFile(name="EvaluationReport", output_name="evaluation", path="evaluation.json")
    evaluator = ScriptProcessor(
        image_uri=xgboost_image,
        command=["python3"],
        instance_type=processing_instance_type,
        instance_count=1,
        base_job_name=f"{prefix}-evaluate",
        role=role,
        sagemaker_session=session,
    )
    evaluate = ProcessingStep(
        name="Evaluate",
        step_args=evaluator.run(
            code=str(SCRIPTS / "evaluate.py"),
            inputs=[
                processing_input("model", model_data, "/opt/ml/processing/model"),
                processing_input("test", split_uri["test"], "/opt/ml/processing/test"),
            ],
            outputs=[
                processing_output(
                    "evaluation", run_path(default_bucket, prefix, "evaluation"), "/opt/ml/processing/evaluation"
                )
            ],
        ),
        property_files=[evaluation_report],
    )

    drift_baseline = ProcessingStep(
        name="DriftBaseline",
        step_args=preprocessor.run(
            code=str(SCRIPTS / "drift.py"),
            arguments=["baseline", "--features", ",".join(FEATURE_NAMES), "--threshold", drift_threshold.to_string()],
            inputs=[processing_input("train", split_uri["train"], "/opt/ml/processing/train")],
            outputs=[processing_output("baseline", run_path(default_bucket, prefix, "baseline"), "/opt/ml/processing/baseline")],
        ),
    )
    evaluation_json = output_file(evaluate, "evaluation", "evaluation.json")
    statistics, constraints = (output_file(drift_baseline, "baseline", name) for name in ("statistics.json", "constraints.json"))
    metrics = ModelMetrics(model_statistics=evaluation_json, model_data_statistics=statistics,
                           model_data_constraints=constraints)
    # What a monitor compares production with: the training data, and the test metrics.
    drift_baselines = DriftCheckBaselines(model_statistics=evaluation_json, model_data_statistics=statistics,
                                          model_data_constraints=constraints)
    model = ModelBuilder(image_uri=xgboost_image, s3_model_data_url=model_data, role_arn=role, sagemaker_session=session)
    register = ModelStep(
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
    mse = JsonGet(step_name=evaluate.name, property_file=evaluation_report, json_path=EVALUATION_JSON_PATH)
    too_high = FailStep(
        name="MSEAboveThreshold",
        error_message=Join(on=" ", values=["The model's test MSE is above the threshold of", mse_threshold]),
    )
    check = ConditionStep(
        name="CheckMSE",
        conditions=[ConditionLessThanOrEqualTo(left=mse, right=mse_threshold)],
        if_steps=[register],
        else_steps=[too_high],
    )
    return Pipeline(
        name=pipeline_name,
        parameters=[
            processing_instance_type,
            processing_instance_count,
            training_instance_type,
            training_instance_count,
            input_data,
            approval_status,
            mse_threshold,
            drift_threshold,
        ],
        steps=[preprocess, drift_baseline, train, evaluate, check],
        # The SDK's default makes SageMaker create an experiment and a trial per run, which
        # nothing here reads and which the pipeline role would need permissions for.
        pipeline_experiment_config=None,
        sagemaker_session=session,
    )
