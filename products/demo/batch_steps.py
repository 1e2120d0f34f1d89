"""The batch scenario's own steps: the approved model scores the batch input at approval (the pipeline the approval
started), and again on the schedule (EventBridge Scheduler's request, stood in for)."""

import json

from products.demo.context import Demo
from products.demo.findings import batch_outputs, wait_for_execution
from products.demo.steps import finish
from products.publishing.projects import validated

SCHEDULED_TIME = "2026-11-26T03:00:00Z"  # the demo's stand-in for <aws.scheduler.scheduled-time>


def batch_build(demo: Demo) -> None:
    """The batch pipeline the approval started: its CodeBuild action runs the batch buildspec, which upserts and
    runs the SageMaker batch pipeline for the approved model."""
    pipeline = demo.props["BatchInferencePipeline"]["Name"]
    demo.follow(pipeline, demo.found["approved_execution"])
    demo.say(f"    batch predictions: {', '.join(batch_outputs(demo.clients, demo.props))}")


def scheduled_run(demo: Demo, logical_id: str, scheduled_time: str) -> tuple[str, str]:
    """The schedule fires: its request, as its role; the execution's ARN and final status."""
    schedule = demo.props[logical_id]
    request = json.loads(schedule["Target"]["Input"].replace("<aws.scheduler.scheduled-time>", scheduled_time))
    demo.say(f"    schedule {schedule['GroupName']}/{schedule['Name']} ({schedule['ScheduleExpression']}) fires; "
             f"its target: {schedule['Target']['Arn']} as {schedule['Target']['RoleArn'].rsplit('/', 1)[1]}")
    demo.say("    not emulated: EventBridge Scheduler; its request (validated against SageMaker's API model) is "
             f"sent here as the schedule's role, with {scheduled_time} as the scheduled time")
    sagemaker = demo.clients["sagemaker"]
    as_scheduler = demo.session_as(schedule["Target"]["RoleArn"], "scheduler").client("sagemaker")
    arn = as_scheduler.start_pipeline_execution(**validated(sagemaker, request, "StartPipelineExecution"))[
        "PipelineExecutionArn"]
    return arn, wait_for_execution(sagemaker, arn)


def scheduled_batch(demo: Demo) -> None:
    arn, status = scheduled_run(demo, "BatchSchedule", SCHEDULED_TIME)
    if status != "Succeeded":
        reason = demo.clients["sagemaker"].describe_pipeline_execution(PipelineExecutionArn=arn).get("FailureReason")
        raise RuntimeError(f"the scheduled batch run {status}: {reason}")
    outputs = batch_outputs(demo.clients, demo.props)
    if not any(f"/{SCHEDULED_TIME}/" in output for output in outputs):
        raise RuntimeError(f"the scheduled run wrote nothing under its scheduled time: {outputs}")
    demo.say(f"    batch predictions: {', '.join(outputs)}")
    finish(demo)
