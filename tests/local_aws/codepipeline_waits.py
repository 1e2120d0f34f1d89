"""Waiting for a CodePipeline execution of the local AWS, by its API, as a person watching the console would."""

import time


def settled(codepipeline, name: str, execution_id: str, deadline_seconds: float = 60) -> dict:
    """The execution once it has ended or waits for an approval of its own (the deadline only stops a hung run)."""
    give_up = time.monotonic() + deadline_seconds
    while time.monotonic() < give_up:
        execution = codepipeline.get_pipeline_execution(pipelineName=name, pipelineExecutionId=execution_id)["pipelineExecution"]
        waiting = [a for s in codepipeline.get_pipeline_state(name=name)["stageStates"] for a in s["actionStates"]
                   if a.get("latestExecution", {}).get("token")
                   and s.get("latestExecution", {}).get("pipelineExecutionId") == execution_id]
        if execution["status"] != "InProgress" or waiting:
            return execution
        time.sleep(0.1)
    raise AssertionError(f"execution {execution_id} still running after {deadline_seconds}s")


def approval_token(codepipeline, name: str, stage: str) -> str:
    """The token of the manual approval waiting in ``stage``."""
    (state,) = [s for s in codepipeline.get_pipeline_state(name=name)["stageStates"] if s["stageName"] == stage]
    return state["actionStates"][0]["latestExecution"]["token"]


def creation_run_ended(codepipeline, name: str) -> dict:
    """The run the pipeline's creation started, once it has ended: a test then changes the source knowing that
    run did not read it."""
    (first,) = codepipeline.list_pipeline_executions(pipelineName=name)["pipelineExecutionSummaries"]
    return settled(codepipeline, name, first["pipelineExecutionId"])


def executions(codepipeline, name: str, count: int, deadline_seconds: float = 30) -> list[dict]:
    """The pipeline's executions, newest first, once there are ``count`` (something else starts them: a rule, a
    push; the deadline only stops a wait for one that never comes)."""
    give_up = time.monotonic() + deadline_seconds
    while time.monotonic() < give_up:
        found = codepipeline.list_pipeline_executions(pipelineName=name)["pipelineExecutionSummaries"]
        if len(found) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{name} has {len(found)} executions after {deadline_seconds}s, not {count}")
