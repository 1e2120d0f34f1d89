"""Run a SageMaker pipeline definition on this machine, step by step.

Input: the definition JSON exactly as SageMaker receives it (CreatePipeline's
PipelineDefinition) and the execution's parameters, as StartPipelineExecution gives them
(strings). Steps run one at a time in an order that respects their data dependencies
(``Get Steps.<name>`` references) and DependsOn; a Condition step decides which of its
branch's steps run. A step type the executor does not know fails the run before any
step runs; a step that fails ends the run, as in SageMaker. Nothing is skipped silently.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from pipeline_executor.conditions import all_hold
from pipeline_executor.errors import DefinitionError, StepFailed
from pipeline_executor.expressions import Scope, evaluate, referenced_steps
from pipeline_executor.environments import EnvironmentBuildError
from pipeline_executor.images import UnknownImage
from pipeline_executor.steps import RUNNERS

SUPPORTED_TYPES = (*RUNNERS, "Condition")
_CASTS = {"String": str, "Integer": int, "Float": float, "Boolean": lambda v: v if isinstance(v, bool) else str(v).lower() == "true"}


@dataclass
class StepRecord:
    """One row of ListPipelineExecutionSteps."""
    name: str
    type: str
    status: str = "Executing"
    start_time: datetime | None = None
    end_time: datetime | None = None
    failure_reason: str | None = None
    metadata: dict = field(default_factory=dict)

    def as_api(self) -> dict:
        row = {"StepName": self.name, "StepStatus": self.status, "StartTime": self.start_time, "Metadata": self.metadata}
        if self.end_time:
            row["EndTime"] = self.end_time
        if self.failure_reason:
            row["FailureReason"] = self.failure_reason
        return row


@dataclass
class ExecutionResult:
    status: str  # Succeeded or Failed
    failure_reason: str | None
    steps: list[StepRecord]
    scope: Scope

    def properties(self, step: str) -> dict:
        return self.scope.step_properties[step]


def typed_parameters(definition: dict, given: dict[str, str]) -> dict:
    """Every parameter's value: the given one cast to its declared type, else its default."""
    declared = {p["Name"]: p for p in definition.get("Parameters", [])}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise DefinitionError(f"parameter {unknown[0]} is not a parameter of the pipeline (it has: {', '.join(declared)})")
    values = {}
    for name, parameter in declared.items():
        cast = _CASTS.get(parameter.get("Type", "String"))
        if cast is None:
            raise DefinitionError(f"parameter {name}: type {parameter['Type']} is not supported")
        if name in given:
            try:
                values[name] = cast(given[name])
            except ValueError:
                raise DefinitionError(f"parameter {name}: {given[name]!r} is not a valid {parameter['Type']}") from None
        elif "DefaultValue" in parameter:
            values[name] = parameter["DefaultValue"]
        else:
            raise DefinitionError(f"parameter {name} has no default and was not given")
    return values


def _flatten(steps: list[dict], gate=None, found=None) -> dict:
    """Every step by name with its gate: None, or (condition step, "IfSteps"/"ElseSteps")."""
    found = {} if found is None else found
    for step in steps:
        if step.get("Type") not in SUPPORTED_TYPES:
            raise DefinitionError(f"step {step.get('Name')}: step type {step.get('Type')!r} cannot run locally "
                                  f"(supported: {', '.join(SUPPORTED_TYPES)})")
        if step["Name"] in found:
            raise DefinitionError(f"step name {step['Name']} is used twice")
        found[step["Name"]] = (step, gate)
        if step["Type"] == "Condition":
            for branch in ("IfSteps", "ElseSteps"):
                _flatten(step["Arguments"].get(branch, []), (step["Name"], branch), found)
    return found


def _dependencies(step: dict, known: dict) -> set[str]:
    arguments = {k: v for k, v in step.get("Arguments", {}).items() if k not in ("IfSteps", "ElseSteps")}
    needed = referenced_steps(arguments) | set(step.get("DependsOn", []))
    missing = sorted(needed - set(known))
    if missing:
        raise DefinitionError(f"step {step['Name']}: refers to step {missing[0]}, which the definition does not have")
    return needed


def execute(
    definition: dict | str,
    parameters: dict[str, str],
    context,
    pipeline_name: str,
    on_update: Callable[[list[StepRecord]], None] = lambda _records: None,
) -> ExecutionResult:
    """Run every step that SageMaker would run for this execution; never raises for a failed step."""
    definition = json.loads(definition) if isinstance(definition, str) else definition
    execution_arn = f"arn:aws:sagemaker:{context.region}:{context.account}:pipeline/{pipeline_name}/execution/{context.execution_id}"
    scope = Scope(
        parameters={},
        execution={
            "PipelineName": pipeline_name,
            "PipelineArn": f"arn:aws:sagemaker:{context.region}:{context.account}:pipeline/{pipeline_name}",
            "PipelineExecutionId": context.execution_id,
            "PipelineExecutionArn": execution_arn,
            "StartDateTime": datetime.now(timezone.utc).isoformat(),
            "CurrentDateTime": datetime.now(timezone.utc).isoformat(),
        },
        read_s3_text=lambda uri: _read(context, uri),
    )
    records: list[StepRecord] = []
    try:
        scope.parameters = typed_parameters(definition, parameters)
        steps = _flatten(definition.get("Steps", []))
        dependencies = {name: _dependencies(step, steps) for name, (step, _gate) in steps.items()}
    except DefinitionError as error:
        return ExecutionResult("Failed", f"invalid pipeline definition: {error}", records, scope)
    done, outcomes = set(), {}
    while True:
        ready = [name for name, (step, gate) in steps.items()
                 if name not in done and dependencies[name] <= done and (gate is None or outcomes.get(gate[0]) == gate[1])]
        if not ready:
            return ExecutionResult("Succeeded", None, records, scope)
        step, _gate = steps[ready[0]]
        record = StepRecord(step["Name"], step["Type"], start_time=datetime.now(timezone.utc))
        records.append(record)
        on_update(records)
        context.say(f"  {step['Name']} ({step['Type']}) started")
        try:
            _run_step(step, scope, context, record, outcomes)
        except (DefinitionError, StepFailed, UnknownImage, EnvironmentBuildError) as error:
            record.status, record.failure_reason = "Failed", f"{type(error).__name__}: {error}" if not isinstance(error, StepFailed) else str(error)
            record.end_time = datetime.now(timezone.utc)
            if step["Type"] == "Fail":
                record.metadata = {"Fail": {"ErrorMessage": str(error)}}
            on_update(records)
            context.say(f"  {step['Name']} failed: {record.failure_reason}")
            return ExecutionResult("Failed", f"Step failure: {step['Name']}: {record.failure_reason}", records, scope)
        record.status, record.end_time = "Succeeded", datetime.now(timezone.utc)
        done.add(step["Name"])
        on_update(records)
        seconds = (record.end_time - record.start_time).total_seconds()
        context.say(f"  {step['Name']} succeeded in {seconds:.2f}s")


def _run_step(step: dict, scope: Scope, context, record: StepRecord, outcomes: dict) -> None:
    scope.execution["CurrentDateTime"] = datetime.now(timezone.utc).isoformat()
    if step["Type"] == "Condition":
        outcome = all_hold(step["Arguments"].get("Conditions", []), scope)
        outcomes[step["Name"]] = "IfSteps" if outcome else "ElseSteps"
        record.metadata = {"Condition": {"Outcome": str(outcome)}}
        scope.step_properties[step["Name"]] = {"Outcome": outcome}
        return
    arguments = evaluate(step.get("Arguments", {}), scope)
    properties, metadata = RUNNERS[step["Type"]](step, arguments, context)
    record.metadata = metadata
    scope.step_properties[step["Name"]] = properties
    scope.property_files[step["Name"]] = {
        f["PropertyFileName"]: (f["OutputName"], f["FilePath"]) for f in step.get("PropertyFiles", [])
    }


def _read(context, uri: str) -> str:
    from pipeline_executor.s3io import read_text

    return read_text(context.s3_as(context.pipeline_role_arn), uri)  # SageMaker reads property files as the pipeline role
