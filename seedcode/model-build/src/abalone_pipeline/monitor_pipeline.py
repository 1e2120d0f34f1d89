"""The drift monitor: the production endpoint's captured requests against the model's baseline.

    DriftCheck ─▶ CheckDrift ─┬─ a feature drifted ─▶ DriftDetected (fails the run, naming them)
                              └─ otherwise ─▶ (the run succeeds)

- **DriftCheck** (`scripts/drift.py check`, scikit-learn image): the population stability
  index of each feature between the training data (`BaselineStatisticsUri`) and the requests
  captured in the `WindowHours` before `MonitorTime` under `CaptureUri`; the threshold comes
  with the baseline (`BaselineConstraintsUri`).
- **DriftDetected** fails the run. The project turns that failure into a new model-build run,
  at most once per cooldown (the catalog's retrain-on-drift function).

`update-monitor-pipeline` upserts it whenever a model reaches prod, with that model's
registered baselines as the defaults; the project's schedule starts it with `MonitorTime` set
to the scheduled time.
"""

import os

import boto3
from sagemaker.core import image_uris
from sagemaker.core.processing import ScriptProcessor
from sagemaker.core.workflow.conditions import ConditionGreaterThan
from sagemaker.core.workflow.functions import Join, JsonGet
from sagemaker.core.workflow.parameters import ParameterFloat, ParameterString
from sagemaker.core.workflow.pipeline_context import PipelineSession
from sagemaker.core.workflow.properties import PropertyFile
from sagemaker.mlops.workflow import ConditionStep, FailStep, Pipeline, ProcessingStep

from abalone_pipeline.pipeline import SCRIPTS, processing_input, processing_output, run_path
from abalone_pipeline.settings import SKLEARN_VERSION, UNSCHEDULED

DEFAULT_WINDOW_HOURS = 24.0


def get_monitor_pipeline(
    region: str,
    role: str,
    default_bucket: str,
    pipeline_name: str,
    base_job_prefix: str,
    capture_url: str,
    baseline_statistics_url: str,
    baseline_constraints_url: str,
    sagemaker_session: PipelineSession | None = None,
) -> Pipeline:
    """The monitor for one model's baseline (the defaults of its Baseline* parameters)."""
    os.environ.setdefault("SAGEMAKER_VALIDATE_ROLE", "false")  # see get_pipeline
    session = sagemaker_session or PipelineSession(
        boto_session=boto3.Session(region_name=region), default_bucket=default_bucket
    )
    prefix = base_job_prefix
    processing_instance_type = ParameterString("ProcessingInstanceType", default_value="ml.m5.xlarge")
    capture = ParameterString("CaptureUri", default_value=capture_url)
    statistics = ParameterString("BaselineStatisticsUri", default_value=baseline_statistics_url)
    constraints = ParameterString("BaselineConstraintsUri", default_value=baseline_constraints_url)
    monitor_time = ParameterString("MonitorTime", default_value=UNSCHEDULED)
    window_hours = ParameterFloat("WindowHours", default_value=DEFAULT_WINDOW_HOURS)

    checker = ScriptProcessor(
        image_uri=image_uris.retrieve("sklearn", region=region, version=SKLEARN_VERSION, instance_type="ml.m5.xlarge"),
        command=["python3"],
        instance_type=processing_instance_type,
        instance_count=1,
        base_job_name=f"{prefix}-drift-check",
        role=role,
        sagemaker_session=session,
    )
    report = PropertyFile(name="DriftReport", output_name="report", path="drift.json")
    drift_check = ProcessingStep(
        name="DriftCheck",
        step_args=checker.run(
            code=str(SCRIPTS / "drift.py"),
            arguments=["check", "--window-hours", window_hours.to_string(), "--now", monitor_time],
            inputs=[
                processing_input("captured", capture, "/opt/ml/processing/captured"),
                processing_input("statistics", statistics, "/opt/ml/processing/statistics"),
                processing_input("constraints", constraints, "/opt/ml/processing/constraints"),
            ],
            outputs=[processing_output("report", run_path(default_bucket, prefix, "monitor"), "/opt/ml/processing/report")],
        ),
        property_files=[report],
    )
    drifted = FailStep(
        name="DriftDetected",
        error_message=Join(on=" ", values=[
            "Data drift:", JsonGet(step_name=drift_check.name, property_file=report, json_path="summary")]),
    )
    decide = ConditionStep(
        name="CheckDrift",
        conditions=[ConditionGreaterThan(
            left=JsonGet(step_name=drift_check.name, property_file=report, json_path="violations"), right=0)],
        if_steps=[drifted],
        else_steps=[],
    )
    return Pipeline(
        name=pipeline_name,
        parameters=[processing_instance_type, capture, statistics, constraints, monitor_time, window_hours],
        steps=[drift_check, decide],
        pipeline_experiment_config=None,  # see get_pipeline
        sagemaker_session=session,
    )
