"""Watching a project's CodePipeline executions through CodePipeline's API, as a person watches the console:
each action printed once it has ended, with its duration and summary, and, while a long one runs, which are still
running. The deadlines (``Waits``, context.py) only stop a run that hangs; they decide no result."""

import time

from products.demo.context import LOCAL_WAITS, Waits


class PipelineFailed(RuntimeError):
    """The execution failed; the message is CodePipeline's status summary."""


def started_execution(codepipeline, pipeline: str, before: set[str], seconds: float, poll: float = 0.2) -> dict | None:
    """The first execution of ``pipeline`` not in ``before`` (ids), once one starts; None after ``seconds``."""
    give_up = time.monotonic() + seconds
    while True:
        summaries = codepipeline.list_pipeline_executions(pipelineName=pipeline)["pipelineExecutionSummaries"]
        new = [s for s in summaries if s["pipelineExecutionId"] not in before]
        if new:
            return new[-1]
        if time.monotonic() >= give_up:
            return None
        time.sleep(poll)


def matched_events(cloudwatch, rule: str) -> int:
    """How many events the rule matched (its MatchedEvents metric: counted at once by the local AWS, within
    minutes by AWS, so it explains a start that did not come rather than deciding it)."""
    now = time.time()
    datapoints = cloudwatch.get_metric_statistics(
        Namespace="AWS/Events", MetricName="MatchedEvents", Dimensions=[{"Name": "RuleName", "Value": rule}],
        StartTime=now - 86400, EndTime=now + 60, Period=60, Statistics=["Sum"])["Datapoints"]
    return int(sum(d["Sum"] for d in datapoints))


def execution_ids(codepipeline, pipeline: str) -> set[str]:
    return {s["pipelineExecutionId"] for s in
            codepipeline.list_pipeline_executions(pipelineName=pipeline)["pipelineExecutionSummaries"]}


def _report(codepipeline, pipeline: str, execution_id: str, shown: set, say) -> list[str]:
    """Print the actions that ended since the last report; the ones still running (stage/action)."""
    details = codepipeline.list_action_executions(pipelineName=pipeline, filter={
        "pipelineExecutionId": execution_id})["actionExecutionDetails"]
    running = []
    for detail in sorted(details, key=lambda d: d["startTime"]):
        key = (detail["stageName"], detail["actionName"], detail["status"])
        if detail["status"] == "InProgress":
            running.append(f"{detail['stageName']}/{detail['actionName']}")
        if detail["status"] == "InProgress" or key in shown:
            continue
        shown.add(key)
        seconds = (detail["lastUpdateTime"] - detail["startTime"]).total_seconds()
        summary = detail.get("output", {}).get("executionResult", {}).get("externalExecutionSummary", "")
        say(f"    {detail['stageName']}/{detail['actionName']}: {detail['status']} in {seconds:.1f}s"
            + (f" ({summary.splitlines()[0][:120]})" if summary and detail["status"] == "Succeeded" else ""))
    return running


def _waiting_gate(codepipeline, pipeline: str) -> str | None:
    """The stage whose manual approval waits for an answer, if one does."""
    for stage in codepipeline.get_pipeline_state(name=pipeline)["stageStates"]:
        if any(a.get("latestExecution", {}).get("token") for a in stage["actionStates"]):
            return stage["stageName"]
    return None


def follow(codepipeline, pipeline: str, execution_id: str, say, until_gate: bool = False, shown: set | None = None,
           logs=None, waits: Waits = LOCAL_WAITS) -> str:
    """Print the execution's actions as they end until it ends (or, ``until_gate``, waits at a manual approval);
    its final status, or the gate's stage name. PipelineFailed with CodePipeline's summary if it failed, after the
    failed build's log (read from CloudWatch Logs with ``logs``, a client, when given).
    ``shown``: the actions already printed, when the execution is followed again after its gate."""
    shown = set() if shown is None else shown
    started = time.monotonic()
    quiet_since = started
    while time.monotonic() < started + waits.hang:
        execution = codepipeline.get_pipeline_execution(pipelineName=pipeline, pipelineExecutionId=execution_id)[
            "pipelineExecution"]
        printed = len(shown)
        running = _report(codepipeline, pipeline, execution_id, shown, say)
        if len(shown) > printed:
            quiet_since = time.monotonic()
        elif running and time.monotonic() - quiet_since >= waits.progress:
            say(f"    still running after {(time.monotonic() - started) / 60:.0f} min: {', '.join(running)}")
            quiet_since = time.monotonic()
        if execution["status"] == "Failed":
            if logs is not None:
                _failed_build_log(codepipeline, logs, pipeline, execution_id, say)
            raise PipelineFailed(f"{pipeline}: {execution['statusSummary']}")
        if execution["status"] != "InProgress":
            return execution["status"]
        gate = _waiting_gate(codepipeline, pipeline) if until_gate else None
        if gate:
            say(f"    {gate}: waiting for a person's approval")
            return gate
        time.sleep(waits.poll)
    raise RuntimeError(f"{pipeline}: execution {execution_id} still running after {waits.hang:.0f}s (taken for hung)")


def _failed_build_log(codepipeline, logs, pipeline: str, execution_id: str, say, lines: int = 15) -> None:
    """The last lines of the failed CodeBuild action's log (/aws/codebuild/PROJECT), as a person reads them."""
    details = codepipeline.list_action_executions(pipelineName=pipeline, filter={
        "pipelineExecutionId": execution_id})["actionExecutionDetails"]
    failed = [d for d in details if d["status"] == "Failed" and d["input"]["actionTypeId"]["provider"] == "CodeBuild"]
    if not failed:
        return
    group = f"/aws/codebuild/{failed[0]['input']['configuration']['ProjectName']}"
    try:
        streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    except logs.exceptions.ResourceNotFoundException:
        return
    newest = max(streams, key=lambda s: s.get("creationTime", 0))["logStreamName"]
    events = logs.get_log_events(logGroupName=group, logStreamName=newest)["events"]
    say(f"    the failed build's log ({group}), its last lines:")
    for event in events[-lines:]:
        say("      " + event["message"])
