"""The monitor scenario's own steps: prod deployed starts the monitor build by itself; prod's requests drift; the
scheduled monitor fails; SageMaker's event invokes the retrain function, which decides as its role.

Two stand-ins act here, each said where it does: the endpoint's data capture (requests written in SageMaker's capture
format) and EventBridge Scheduler (its request sent as the schedule's role). A new project retrains on drift only
once ``RetrainCooldownHours`` have passed since its last model build; in the demo its creation and the push built
models minutes before, so the function's decision is the cooldown's, as it would be in AWS on a project's first day.
"""

import json
import time

from products.demo.batch_steps import scheduled_run
from products.demo.context import Demo
from products.demo.findings import capture_prefix, prod_endpoint
from products.demo.stand_ins import write_drifted_capture
from products.demo.steps import finish
from products.demo.watch import started_execution

# Two monitor runs an hour apart, both on drifted requests.
MONITOR_TIMES = ("2026-11-26T04:00:00Z", "2026-11-26T05:00:00Z")


def monitor_build(demo: Demo) -> None:
    """The deploy pipeline's success event started the monitor build (its rule), which points the drift monitor
    at the model prod runs."""
    codepipeline, pipeline = demo.clients["codepipeline"], demo.props["DriftMonitorPipeline"]["Name"]
    creation = demo.found["creation_runs"]["DriftMonitorPipeline"]
    started = started_execution(codepipeline, pipeline, {creation}, demo.waits.start)
    if started is None:
        raise RuntimeError(f"deploying prod did not start {pipeline} within {demo.waits.start:.0f}s" + demo.delivery_failures())
    demo.say(f"    {pipeline}: started by {started['trigger']['triggerType']} (the deploy pipeline's success)")
    demo.follow(pipeline, started["pipelineExecutionId"])


def _decisions(demo: Demo) -> list[dict]:
    """The retrain function's decisions, as it printed them to its log group."""
    logs, function = demo.clients["logs"], demo.props["RetrainOnDriftFunction"]["FunctionName"]
    try:
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{function}")["events"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    lines = [line for event in events for line in event["message"].splitlines() if line.startswith("{")]
    return [decision for decision in map(json.loads, lines) if "action" in decision]


def _next_decision(demo: Demo, count: int) -> dict:
    """The function's ``count``-th decision, once EventBridge has invoked it for the failed run."""
    give_up = time.monotonic() + demo.waits.start
    while time.monotonic() < give_up:
        decisions = _decisions(demo)
        if len(decisions) >= count:
            return decisions[count - 1]
        time.sleep(0.2)
    raise RuntimeError(f"the failed monitor run's event did not invoke the retrain function within {demo.waits.start:.0f}s"
                       + demo.delivery_failures())


def drift_loop(demo: Demo) -> None:
    endpoint = prod_endpoint(demo.clients["cloudformation"], demo.props)
    count = write_drifted_capture(demo.clients["s3"], demo.props, endpoint, MONITOR_TIMES[0])
    demo.say(f"    stand-in: the endpoint's data capture; {count} requests of larger animals are written in "
             f"SageMaker's capture format under {capture_prefix(demo.props)}{endpoint}/")
    for number, scheduled_time in enumerate(MONITOR_TIMES, start=1):
        arn, status = scheduled_run(demo, "MonitorSchedule", scheduled_time)
        steps = demo.clients["sagemaker"].list_pipeline_execution_steps(PipelineExecutionArn=arn)[
            "PipelineExecutionSteps"]
        failed = [f"{s['StepName']}: {s.get('FailureReason', '')}" for s in steps if s["StepStatus"] == "Failed"]
        demo.say(f"    monitor run {status}" + (f" at {failed[0]}" if failed else ""))
        decision = _next_decision(demo, number)
        demo.say("    SageMaker's status-change event, through the drift rule, invoked the retrain function as its "
                 f"role: {decision['action']}" + (f" ({decision['reason']})" if decision.get("reason") else
                                                  f" {decision['modelBuildPipeline']}"))
    _check_starts(demo)
    finish(demo)


def _check_starts(demo: Demo) -> None:
    """As many model-build runs started by the function as it decided to start."""
    pipeline = demo.props["ModelBuildPipeline"]["Name"]
    runs = demo.clients["codepipeline"].list_pipeline_executions(pipelineName=pipeline)["pipelineExecutionSummaries"]
    by_function = [r for r in runs if r["trigger"]["triggerType"] == "StartPipelineExecution"]
    decided = [d for d in _decisions(demo) if d["action"] == "started"]
    if len(by_function) != len(decided):
        raise RuntimeError(f"the retrain function decided {len(decided)} start(s); {pipeline} has {len(by_function)}")
    demo.say(f"    {pipeline}: {len(runs)} runs (creation, push" + (", drift" if decided else "") + ")")
