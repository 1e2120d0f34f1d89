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

from sagemaker.core import image_uris
from sagemaker.core.workflow.conditions import ConditionGreaterThan
from sagemaker.core.workflow.functions import Join, JsonGet
from sagemaker.core.workflow.parameters import Parameter, ParameterFloat, ParameterString
from sagemaker.core.workflow.pipeline_context import PipelineSession
from sagemaker.core.workflow.properties import PropertyFile
from sagemaker.mlops.workflow import ConditionStep, FailStep, Pipeline, ProcessingStep

from abalone_pipeline.pipeline import SCRIPTS, JobSettings, pipeline_session, processing_input, processing_output
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
    session = pipeline_session(region, default_bucket, sagemaker_session)
    jobs = JobSettings(role=role, bucket=default_bucket, prefix=base_job_prefix, session=session)
    parameters = declare_monitor_parameters(capture_url, baseline_statistics_url, baseline_constraints_url)
    sklearn_image = image_uris.retrieve("sklearn", region=region, version=SKLEARN_VERSION, instance_type="ml.m5.xlarge")

    drift_check, report = drift_check_step(sklearn_image, parameters, jobs)
    decide = check_drift_step(drift_check, report)
    return Pipeline(
        name=pipeline_name,
        parameters=list(parameters.values()),
        steps=[drift_check, decide],
        pipeline_experiment_config=None,  # no experiment per run, as in get_pipeline
        sagemaker_session=session,
    )


def declare_monitor_parameters(capture_url: str, baseline_statistics_url: str,
                               baseline_constraints_url: str) -> dict[str, Parameter]:
    """The monitor's parameters by name, in the order the definition lists them.

    The baseline is a parameter so that `update-monitor-pipeline` can point the monitor at
    the model prod runs by upserting new defaults, with no change to this code.
    """
    return {parameter.name: parameter for parameter in (
        ParameterString("ProcessingInstanceType", default_value="ml.m5.xlarge"),
        ParameterString("CaptureUri", default_value=capture_url),
        ParameterString("BaselineStatisticsUri", default_value=baseline_statistics_url),
        ParameterString("BaselineConstraintsUri", default_value=baseline_constraints_url),
        ParameterString("MonitorTime", default_value=UNSCHEDULED),
        ParameterFloat("WindowHours", default_value=DEFAULT_WINDOW_HOURS),
    )}


def drift_check_step(image_uri: str, parameters: dict[str, Parameter],
                     jobs: JobSettings) -> tuple[ProcessingStep, PropertyFile]:
    """DriftCheck: scripts/drift.py check compares the requests captured in the window with the baseline.

    Returns the step and its drift.json as a property file, which is how CheckDrift reads the
    result while the pipeline runs.
    """
    checker = jobs.script_processor(image_uri, parameters["ProcessingInstanceType"], 1, "drift-check")
    report = PropertyFile(name="DriftReport", output_name="report", path="drift.json")
    drift_check = ProcessingStep(
        name="DriftCheck",
        step_args=checker.run(
            code=str(SCRIPTS / "drift.py"),
            arguments=["check", "--window-hours", parameters["WindowHours"].to_string(),
                       "--now", parameters["MonitorTime"]],
            inputs=[
                processing_input("captured", parameters["CaptureUri"], "/opt/ml/processing/captured"),
                processing_input("statistics", parameters["BaselineStatisticsUri"], "/opt/ml/processing/statistics"),
                processing_input("constraints", parameters["BaselineConstraintsUri"], "/opt/ml/processing/constraints"),
            ],
            outputs=[processing_output("report", jobs.output_path("monitor"), "/opt/ml/processing/report")],
        ),
        property_files=[report],
    )
    return drift_check, report


def check_drift_step(drift_check: ProcessingStep, report: PropertyFile) -> ConditionStep:
    """CheckDrift: fail the run at DriftDetected, naming the features, when any feature drifted.

    A failed run is the signal: the project turns it into a model-build run (retraining).
    """
    drifted = FailStep(
        name="DriftDetected",
        error_message=Join(on=" ", values=[
            "Data drift:", JsonGet(step_name=drift_check.name, property_file=report, json_path="summary")]),
    )
    return ConditionStep(
        name="CheckDrift",
        conditions=[ConditionGreaterThan(
            left=JsonGet(step_name=drift_check.name, property_file=report, json_path="violations"), right=0)],
        if_steps=[drifted],
        else_steps=[],
    )
