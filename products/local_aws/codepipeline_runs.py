"""CodePipeline executions in the local AWS: a started execution walks the pipeline as it was created.

moto stores pipelines and records a started execution as Succeeded at once, without running anything. Here
StartPipelineExecution answers at once, as AWS does, and the execution runs in a thread of the emulator's process:
stages in order, within a stage the actions by run order, each action's inputs and outputs passed through the
artifact store by the names the pipeline gives (codepipeline_artifacts.py), each action done as its provider does
it (codepipeline_actions.py). A failed action fails its stage and the execution, with the action's error; a manual
approval waits until PutApprovalResult answers its token. GetPipelineExecution, ListPipelineExecutions,
GetPipelineState and ListActionExecutions answer from what ran. Requests are checked against the API model
(api_model.py).

``start`` is also how the local AWS's other services start an execution (EventBridge rules, triggers). Creating a
pipeline starts one, as AWS does ("When a pipeline is created, a pipeline execution starts automatically. This is
the CreatePipeline trigger type": CodePipeline User Guide, "Start a pipeline in CodePipeline"). A test that only
creates stacks may set $EMULATOR_NO_CREATION_RUNS=1 to skip those runs (each of a product's model builds costs a
build and a training run); it must say so.
Executions share stages as the pipeline's execution mode says (codepipeline_stages.py: SUPERSEDED, QUEUED,
PARALLEL). Deleting a pipeline stops its executions before their next action (a running build ends first). Not
emulated: stage transitions, retries, StopPipelineExecution, pipeline variables in action configurations.
"""

import datetime
import os
import tempfile
import threading
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from products.local_aws import api_model, service_events
from products.local_aws import codepipeline_actions as actions
from products.local_aws.codepipeline_artifacts import ArtifactStore
from products.local_aws.codepipeline_stages import StageLocks, Superseded, wake_all
from products.local_aws.event_shapes import codepipeline_execution_event

_ENDPOINT: dict[str, str] = {}  # "url": the emulator's own endpoint, for the actions' credentials and builds
_LOCK = threading.Lock()
NO_CREATION_RUNS = "EMULATOR_NO_CREATION_RUNS"


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


@dataclass
class Execution:
    """One execution: its status, each action's latest state and every action execution, as the API reports them."""

    pipeline: dict
    trigger: dict
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: str = "InProgress"
    summary: str = ""
    started: datetime.datetime = field(default_factory=_now)
    updated: datetime.datetime = field(default_factory=_now)
    revisions: list = field(default_factory=list)
    stages: dict = field(default_factory=dict)  # stage name -> status
    actions: dict = field(default_factory=dict)  # (stage, action) -> latestExecution
    details: list = field(default_factory=list)  # ListActionExecutions' actionExecutionDetails
    approvals: dict = field(default_factory=dict)  # token -> [threading.Event, result]
    stopped: bool = False  # its pipeline was deleted: no further action starts

    def view(self) -> dict:
        return {"pipelineName": self.pipeline["name"], "pipelineVersion": self.pipeline["version"],
                "pipelineExecutionId": self.id, "status": self.status, "statusSummary": self.summary,
                "artifactRevisions": self.revisions, "trigger": self.trigger,
                "executionMode": execution_mode(self.pipeline)}

    def summary_view(self) -> dict:
        return {"pipelineExecutionId": self.id, "status": self.status, "statusSummary": self.summary,
                "startTime": self.started, "lastUpdateTime": self.updated, "trigger": self.trigger,
                "sourceRevisions": [{"actionName": r["name"], "revisionId": r["revisionId"],
                                     "revisionSummary": r.get("revisionSummary", "")} for r in self.revisions]}


def _backend(account: str, region: str):
    from moto.codepipeline.models import codepipeline_backends

    return codepipeline_backends[account][region]


def _kept(backend, attribute: str, name: str, make):
    """What this module keeps on moto's backend for pipeline ``name`` (``attribute``: a dict by pipeline name)."""
    with _LOCK:
        return backend.__dict__.setdefault(attribute, {}).setdefault(name, make())


def _executions(account: str, region: str, name: str) -> dict[str, Execution]:
    backend = _backend(account, region)
    if name not in backend.pipelines:
        raise api_model.Refused("PipelineNotFoundException",
                                f"Account '{account}' does not have a pipeline with name '{name}'")
    return _kept(backend, "local_executions", name, dict)


def _newest_first(account: str, region: str, name: str) -> list[Execution]:
    return sorted(list(_executions(account, region, name).values()), key=lambda e: e.started, reverse=True)


def execution_mode(pipeline: dict) -> str:
    """The pipeline's execution mode: SUPERSEDED unless it says otherwise (V1 pipelines and V2's default)."""
    return pipeline.get("executionMode", "SUPERSEDED")


def start(account: str, region: str, name: str, trigger: dict) -> Execution:
    """Start an execution of pipeline ``name`` (its current version); it runs in a thread of its own."""
    executions = _executions(account, region, name)  # PipelineNotFoundException first
    execution = Execution(pipeline=_backend(account, region).pipelines[name].pipeline, trigger=trigger)
    with _LOCK:
        executions[execution.id] = execution
    threading.Thread(target=_walk, args=(account, region, execution), name=f"codepipeline-{execution.id}",
                     daemon=True).start()
    return execution


def _walk(account: str, region: str, execution: Execution) -> None:
    """Every stage in order; the first failed action ends the execution Failed. An error of the local AWS itself
    fails the execution too, saying so, rather than leaving it InProgress for ever."""
    try:
        _announce(account, region, execution, "STARTED")
        _walk_stages(account, region, execution)
    except Exception as error:  # noqa: BLE001 - a stand-in's own fault must show, not hang the execution
        traceback.print_exc()
        _finish(execution, "Failed", f"the local AWS failed running this execution: {type(error).__name__}: {error}")
    _announce(account, region, execution, execution.status.upper())


def _announce(account: str, region: str, execution: Execution, state: str) -> None:
    """CodePipeline's "Pipeline Execution State Change" event, as it sends it to the account's default bus."""
    service_events.emit(codepipeline_execution_event(
        execution.pipeline["name"], state, execution.id, account=account, region=region, time=service_events.now_iso(),
        trigger_type=execution.trigger["triggerType"]))


def _walk_stages(account: str, region: str, execution: Execution) -> None:
    pipeline = execution.pipeline
    store = ArtifactStore(account, pipeline["artifactStore"]["location"], pipeline["name"])
    locks = _stage_locks(account, region, pipeline)
    with tempfile.TemporaryDirectory(prefix=f"codepipeline-{execution.id[:8]}-") as scratch:
        for stage in pipeline["stages"]:
            try:
                entered = locks.enter(stage["name"], execution.id, (execution.started, execution.id),
                                      lambda: execution.stopped)
            except Superseded as superseded:
                _finish(execution, "Superseded", str(superseded))
                return
            try:
                failed = _run_stage(account, region, execution, stage, store, Path(scratch)) if entered else \
                    "the pipeline was deleted"
            finally:
                locks.leave(stage["name"], execution.id)
            if failed:
                _finish(execution, "Stopped" if execution.stopped else "Failed", failed)
                return
    _finish(execution, "Succeeded", "")


def _stage_locks(account: str, region: str, pipeline: dict) -> StageLocks:
    """The pipeline's stage locks, in its execution mode."""
    return _kept(_backend(account, region), "local_stage_locks", pipeline["name"],
                 lambda: StageLocks(execution_mode(pipeline)))


def _run_stage(account, region, execution: Execution, stage: dict, store: ArtifactStore, scratch: Path) -> str:
    """The stage's actions by run order; the first failure's message, or "" if all succeeded."""
    execution.stages[stage["name"]] = "InProgress"
    for run_order in sorted({a.get("runOrder", 1) for a in stage["actions"]}):
        for action in [a for a in stage["actions"] if a.get("runOrder", 1) == run_order]:
            if execution.stopped:
                execution.stages[stage["name"]] = "Stopped"
                return "the pipeline was deleted"
            error = _run_action(account, region, execution, stage["name"], action, store, scratch)
            if error:
                execution.stages[stage["name"]] = "Failed"
                return f"Action {action['name']} in stage {stage['name']} failed: {error}"
    execution.stages[stage["name"]] = "Succeeded"
    return ""


def _run_action(account, region, execution: Execution, stage: str, action: dict, store, scratch: Path) -> str:
    """One action, its state and its execution detail kept as it goes; its error message, or ""."""
    state = {"actionExecutionId": str(uuid.uuid4()), "status": "InProgress", "lastStatusChange": _now()}
    detail = _detail(execution, stage, action, state)
    execution.actions[(stage, action["name"])] = state
    execution.details.append(detail)
    run = actions.ActionRun(account, region, _ENDPOINT["url"], execution.pipeline, stage, action, store,
                            scratch / stage / action["name"], lambda token: _await(execution, token),
                            on_token=lambda token: _expect(execution, token, state))
    try:
        outcome = actions.run_action(run)
    except Exception as error:  # noqa: BLE001 - an action's error fails the action, with what it said
        failed = error if isinstance(error, actions.ActionFailed) else actions.ActionFailed(
            f"{type(error).__name__}: {error}")
        state.update(status="Failed", lastStatusChange=_now(), errorDetails={"code": "JobFailed", "message": str(failed)})
        detail.update(status="Failed", lastUpdateTime=_now(), output={"executionResult": {
            "externalExecutionSummary": str(failed)}})
        return str(failed)
    state.pop("token", None)
    state.update(status="Succeeded", lastStatusChange=_now(), summary=outcome.summary,
                 externalExecutionId=outcome.external_id)
    if outcome.revision:
        execution.revisions.append({"name": action["name"], "created": _now(), **outcome.revision})
    detail.update(status="Succeeded", lastUpdateTime=_now(), output={
        "outputArtifacts": [{"name": o["name"], "s3location": store.location(o["name"])}
                            for o in action.get("outputArtifacts", []) if o["name"] in store.locations],
        "executionResult": {"externalExecutionId": outcome.external_id, "externalExecutionSummary": outcome.summary}})
    return ""


def _detail(execution: Execution, stage: str, action: dict, state: dict) -> dict:
    return {"pipelineExecutionId": execution.id, "actionExecutionId": state["actionExecutionId"],
            "pipelineVersion": execution.pipeline["version"], "stageName": stage, "actionName": action["name"],
            "startTime": _now(), "lastUpdateTime": _now(), "status": "InProgress",
            "input": {"actionTypeId": action["actionTypeId"], "configuration": action.get("configuration", {}),
                      "roleArn": action.get("roleArn", ""), "inputArtifacts": [
                          {"name": a["name"]} for a in action.get("inputArtifacts", [])]}}


def _expect(execution: Execution, token: str, state: dict) -> None:
    """An approval's token, registered before GetPipelineState shows it (so an answer never finds it unknown)."""
    with _LOCK:
        execution.approvals[token] = [threading.Event(), None]
        state.update(token=token)


def _await(execution: Execution, token: str) -> dict:
    """Block the execution's thread until PutApprovalResult answers ``token`` (or the pipeline is deleted)."""
    execution.approvals[token][0].wait()
    return execution.approvals[token][1]


def _finish(execution: Execution, status: str, summary: str) -> None:
    execution.status, execution.summary, execution.updated = status, summary, _now()


def _execution(account: str, region: str, name: str, execution_id: str) -> Execution:
    found = _executions(account, region, name).get(execution_id)
    if found is None:
        raise api_model.Refused("PipelineExecutionNotFoundException", f"Account '{account}' does not have an execution "
                                f"with id '{execution_id}' for pipeline '{name}'")
    return found


def start_pipeline_execution(account, region, caller, request: dict) -> dict:
    execution = start(account, region, request["name"], {"triggerType": "StartPipelineExecution",
                                                          "triggerDetail": caller or ""})
    return {"pipelineExecutionId": execution.id}


def get_pipeline_execution(account, region, caller, request: dict) -> dict:
    return {"pipelineExecution": _execution(account, region, request["pipelineName"],
                                            request["pipelineExecutionId"]).view()}


def list_pipeline_executions(account, region, caller, request: dict) -> dict:
    newest = _newest_first(account, region, request["pipelineName"])
    return {"pipelineExecutionSummaries": [e.summary_view() for e in newest[:request.get("maxResults") or 100]]}


def get_pipeline_state(account, region, caller, request: dict) -> dict:
    """Each stage's and action's state in the latest execution that reached it."""
    name = request["name"]
    newest = _newest_first(account, region, name)
    pipeline = _backend(account, region).pipelines[name].pipeline
    stage_states = []
    for stage in pipeline["stages"]:
        latest = next((e for e in newest if stage["name"] in e.stages), None)
        stage_states.append({
            "stageName": stage["name"], "inboundTransitionState": {"enabled": True},
            "actionStates": [{"actionName": a["name"], **({"latestExecution": latest.actions[(stage["name"], a["name"])]}
                                                          if latest and (stage["name"], a["name"]) in latest.actions else {})}
                             for a in stage["actions"]],
            **({"latestExecution": {"pipelineExecutionId": latest.id, "status": latest.stages[stage["name"]]}}
               if latest else {})})
    metadata = _backend(account, region).pipelines[name].metadata
    return {"pipelineName": name, "pipelineVersion": pipeline["version"], "stageStates": stage_states,
            "created": metadata["created"], "updated": metadata["updated"]}


def list_action_executions(account, region, caller, request: dict) -> dict:
    wanted = request.get("filter", {}).get("pipelineExecutionId")
    details = [d for e in list(_executions(account, region, request["pipelineName"]).values()) for d in list(e.details)
               if wanted in (None, e.id)]
    return {"actionExecutionDetails": sorted(details, key=lambda d: d["startTime"], reverse=True)}


def put_approval_result(account, region, caller, request: dict) -> dict:
    """Answer the manual approval waiting with ``token``: the execution goes on (Approved) or fails (Rejected)."""
    token, result = request["token"], request["result"]
    for execution in list(_executions(account, region, request["pipelineName"]).values()):
        waiting = execution.actions.get((request["stageName"], request["actionName"]), {})
        with _LOCK:
            pending = execution.approvals.get(token)
            if pending is not None and pending[1] is not None:  # answered already, approved or rejected
                raise api_model.Refused("ApprovalAlreadyCompletedException", "The approval action has already completed")
            if pending is None or waiting.get("token") != token:
                continue
            pending[1] = result
        pending[0].set()
        return {"approvedAt": _now()}
    raise api_model.Refused("InvalidApprovalTokenException", f"The approval token {token} is not valid for action "
                            f"{request['actionName']} in stage {request['stageName']}")


def _stopping_on_delete() -> None:
    """DeletePipeline (the API's, or its stack's) stops the pipeline's executions: no further action starts, a
    waiting approval ends, and its executions are gone with it (a pipeline made again under the name has none)."""
    from moto.codepipeline.models import CodePipelineBackend

    delete = CodePipelineBackend.delete_pipeline
    if getattr(delete, "local_aws", False):
        return

    def delete_pipeline(self, name: str) -> None:
        with _LOCK:
            executions = getattr(self, "local_executions", {}).pop(name, {})
            getattr(self, "local_stage_locks", {}).pop(name, None)
        for execution in executions.values():
            execution.stopped = True
            for pending in list(execution.approvals.values()):
                if pending[1] is None:
                    pending[1] = {"status": "Rejected", "summary": "the pipeline was deleted"}
                    pending[0].set()
        wake_all()
        delete(self, name)

    delete_pipeline.local_aws = True
    CodePipelineBackend.delete_pipeline = delete_pipeline


OPERATIONS = {"StartPipelineExecution": start_pipeline_execution, "GetPipelineExecution": get_pipeline_execution,
              "ListPipelineExecutions": list_pipeline_executions, "GetPipelineState": get_pipeline_state,
              "ListActionExecutions": list_action_executions, "PutApprovalResult": put_approval_result}


def install(endpoint_url: str) -> None:
    """Patch moto (in this process): its CodePipeline runs executions and answers the operations above."""
    from moto.codepipeline.responses import CodePipelineResponse

    from products.local_aws.cloudformation.resource_types import codepipeline as pipeline_type

    pipeline_type.install()  # CreatePipeline checks as the stack does
    _stopping_on_delete()
    if not getattr(pipeline_type.create_pipeline, "local_aws", False):
        created = pipeline_type.create_pipeline

        def create_and_start(backend, declared: dict, tags: list):
            """A created pipeline starts an execution ("Pipeline creation", trigger type CreatePipeline)."""
            stored = created(backend, declared, tags)
            if os.environ.get(NO_CREATION_RUNS) == "1":
                return stored
            start(backend.account_id, backend.region_name, declared["name"], {"triggerType": "CreatePipeline",
                                                                             "triggerDetail": declared["roleArn"]})
            return stored

        create_and_start.local_aws = True
        pipeline_type.create_pipeline = create_and_start
    _ENDPOINT["url"] = endpoint_url
    api_model.install(CodePipelineResponse, "codepipeline", OPERATIONS, invalid_code="ValidationException")
