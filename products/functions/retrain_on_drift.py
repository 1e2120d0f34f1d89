"""Retrain on drift: a failed drift-monitor run that found drift starts the model-build pipeline.

EventBridge invokes it with the "SageMaker Model Building Pipeline Execution Status Change"
event of a failed run of the project's monitor pipeline (the rule matches nothing else). A
run can fail for other reasons (no captured requests yet, a missing baseline): only a run
whose failed step is the monitor's DriftDetected step counts as drift, which the function
reads with ListPipelineExecutionSteps.

Cooldown: one drift must not start a storm of retraining (the monitor fails again on every
run until a new model is deployed). If the model-build CodePipeline started an execution in
the last COOLDOWN_HOURS (for drift, or a push), nothing is started. The function runs with a
reserved concurrency of 1, so two events never pass the check together.

Environment: MODEL_BUILD_PIPELINE (the CodePipeline to start), DRIFT_STEP (the monitor's
step that signals drift), COOLDOWN_HOURS. Inlined in the product template (``Code.ZipFile``):
standard library and boto3 only. Returns what it decided; every decision is logged as JSON.
"""

import json
import os
from datetime import datetime, timedelta, timezone


def handler(event, context, sagemaker=None, codepipeline=None, now=None):
    """Lambda entry point: start the model-build pipeline for drift, unless in cooldown."""
    import boto3

    sagemaker = sagemaker or boto3.client("sagemaker")
    codepipeline = codepipeline or boto3.client("codepipeline")
    decision = decide(event, sagemaker, codepipeline, now or datetime.now(timezone.utc), os.environ)
    print(json.dumps(decision, default=str))
    return decision


def decide(event, sagemaker, codepipeline, now, environment) -> dict:
    pipeline = environment["MODEL_BUILD_PIPELINE"]
    execution = event.get("detail", {}).get("pipelineExecutionArn", "")
    decision = {"monitorExecution": execution, "modelBuildPipeline": pipeline}
    failed = failed_step(sagemaker, execution)
    if failed is None or failed["StepName"] != environment["DRIFT_STEP"]:
        reason = f"failed at {failed['StepName']}" if failed else "no failed step"
        return {**decision, "action": "none", "reason": f"the monitor run {reason}, not drift"}
    cooldown = timedelta(hours=float(environment["COOLDOWN_HOURS"]))
    recent = last_start(codepipeline, pipeline)
    if recent is not None and now - recent < cooldown:
        return {**decision, "action": "none", "drift": failed.get("FailureReason", ""),
                "reason": f"cooldown: {pipeline} started at {recent.isoformat()}, less than {cooldown} ago"}
    started = codepipeline.start_pipeline_execution(name=pipeline)["pipelineExecutionId"]
    return {**decision, "action": "started", "pipelineExecutionId": started, "drift": failed.get("FailureReason", "")}


def failed_step(sagemaker, execution_arn: str):
    """The run's failed step (a Fail step's run fails at that step), or None."""
    if not execution_arn:
        return None
    steps = sagemaker.list_pipeline_execution_steps(PipelineExecutionArn=execution_arn)["PipelineExecutionSteps"]
    return next((step for step in steps if step.get("StepStatus") == "Failed"), None)


def last_start(codepipeline, pipeline: str):
    """When the pipeline's newest execution started (executions are listed newest first), or None."""
    summaries = codepipeline.list_pipeline_executions(pipelineName=pipeline, maxResults=1)["pipelineExecutionSummaries"]
    if not summaries:
        return None
    started = summaries[0]["startTime"]
    return started if started.tzinfo else started.replace(tzinfo=timezone.utc)
