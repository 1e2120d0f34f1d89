"""Watching a project's CodePipeline executions through CodePipeline's API, as a person watches the console:
each action printed once it has ended, with its duration and summary. The deadlines only stop a run that hangs;
they decide no result."""

import time

HANG_SECONDS = 900  # longer than any local run; a run still going then is a fault of the local AWS


class PipelineFailed(RuntimeError):
    """The execution failed; the message is CodePipeline's status summary."""


def started_execution(codepipeline, pipeline: str, before: set[str], seconds: float) -> dict | None:
    """The first execution of ``pipeline`` not in ``before`` (ids), once one starts; None after ``seconds``."""
    give_up = time.monotonic() + seconds
    while True:
        summaries = codepipeline.list_pipeline_executions(pipelineName=pipeline)["pipelineExecutionSummaries"]
        new = [s for s in summaries if s["pipelineExecutionId"] not in before]
        if new:
            return new[-1]
        if time.monotonic() >= give_up:
            return None
        time.sleep(0.2)


def matched_events(cloudwatch, rule: str) -> int:
    """How many events the rule matched (its MatchedEvents metric; the local AWS counts them at once)."""
    now = time.time()
    datapoints = cloudwatch.get_metric_statistics(
        Namespace="AWS/Events", MetricName="MatchedEvents", Dimensions=[{"Name": "RuleName", "Value": rule}],
        StartTime=now - 86400, EndTime=now + 60, Period=60, Statistics=["Sum"])["Datapoints"]
    return int(sum(d["Sum"] for d in datapoints))


def execution_ids(codepipeline, pipeline: str) -> set[str]:
    return {s["pipelineExecutionId"] for s in
            codepipeline.list_pipeline_executions(pipelineName=pipeline)["pipelineExecutionSummaries"]}


def _report(codepipeline, pipeline: str, execution_id: str, shown: set, say) -> None:
    details = codepipeline.list_action_executions(pipelineName=pipeline, filter={
        "pipelineExecutionId": execution_id})["actionExecutionDetails"]
    for detail in sorted(details, key=lambda d: d["startTime"]):
        key = (detail["stageName"], detail["actionName"], detail["status"])
        if detail["status"] == "InProgress" or key in shown:
            continue
        shown.add(key)
        seconds = (detail["lastUpdateTime"] - detail["startTime"]).total_seconds()
        summary = detail.get("output", {}).get("executionResult", {}).get("externalExecutionSummary", "")
        say(f"    {detail['stageName']}/{detail['actionName']}: {detail['status']} in {seconds:.1f}s"
            + (f" ({summary.splitlines()[0][:120]})" if summary and detail["status"] == "Succeeded" else ""))


def _waiting_gate(codepipeline, pipeline: str) -> str | None:
    """The stage whose manual approval waits for an answer, if one does."""
    for stage in codepipeline.get_pipeline_state(name=pipeline)["stageStates"]:
        if any(a.get("latestExecution", {}).get("token") for a in stage["actionStates"]):
            return stage["stageName"]
    return None


def follow(codepipeline, pipeline: str, execution_id: str, say, until_gate: bool = False, shown: set | None = None,
           logs=None) -> str:
    """Print the execution's actions as they end until it ends (or, ``until_gate``, waits at a manual approval);
    its final status, or the gate's stage name. PipelineFailed with CodePipeline's summary if it failed, after the
    failed build's log (read from CloudWatch Logs with ``logs``, a client, when given).
    ``shown``: the actions already printed, when the execution is followed again after its gate."""
    shown = set() if shown is None else shown
    give_up = time.monotonic() + HANG_SECONDS
    while time.monotonic() < give_up:
        execution = codepipeline.get_pipeline_execution(pipelineName=pipeline, pipelineExecutionId=execution_id)[
            "pipelineExecution"]
        _report(codepipeline, pipeline, execution_id, shown, say)
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
        time.sleep(0.2)
    raise RuntimeError(f"{pipeline}: execution {execution_id} still running after {HANG_SECONDS}s (the local AWS hung)")


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
