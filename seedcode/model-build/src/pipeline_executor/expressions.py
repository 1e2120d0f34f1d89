"""Evaluate the pipeline definition's expressions: Get, Std:Join, Std:JsonGet.

SageMaker's definition JSON embeds references in step arguments:
``{"Get": "Parameters.<name>"}``, ``{"Get": "Execution.<variable>"}``,
``{"Get": "Steps.<step>.<property path>"}``, ``{"Std:Join": {"On": ..., "Values": [...]}}``
and ``{"Std:JsonGet": {"PropertyFile": {"Get": "Steps.<step>.PropertyFiles.<name>"}, "Path": ...}}``.
Anything else shaped like a function (a one-key dict whose key has a ``Std:`` prefix or is
``Get``) that is not one of these raises DefinitionError rather than passing through.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Callable

from pipeline_executor.errors import DefinitionError
from pipeline_executor.properties import lookup

_JSON_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass
class Scope:
    parameters: dict  # name -> value (typed)
    execution: dict  # Execution.<name> -> value
    step_properties: dict = field(default_factory=dict)  # step name -> Describe-style dict
    property_files: dict = field(default_factory=dict)  # step name -> {file name: (output name, path)}
    read_s3_text: Callable[[str], str] | None = None  # s3 URI -> text (for JsonGet)


def referenced_steps(value) -> set[str]:
    """Names of the steps a value reads from (its data dependencies)."""
    found = set()
    if isinstance(value, dict):
        if set(value) == {"Get"} and isinstance(value["Get"], str) and value["Get"].startswith("Steps."):
            found.add(value["Get"].split(".")[1].split("[")[0])
        for item in value.values():
            found |= referenced_steps(item)
    elif isinstance(value, list):
        for item in value:
            found |= referenced_steps(item)
    return found


def evaluate(value, scope: Scope):
    """``value`` with every expression replaced by its value."""
    if isinstance(value, list):
        return [evaluate(item, scope) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (key, argument), = value.items()
        if key == "Get":
            return _get(argument, scope)
        if key == "Std:Join":
            return str(argument["On"]).join(_text(evaluate(v, scope)) for v in argument["Values"])
        if key == "Std:JsonGet":
            return _json_get(argument, scope)
        if key.startswith("Std:"):
            raise DefinitionError(f"function {key} is not supported by the executor (supported: Get, Std:Join, Std:JsonGet)")
    return {key: evaluate(item, scope) for key, item in value.items()}


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _get(reference: str, scope: Scope):
    kind, _, rest = reference.partition(".")
    if kind == "Parameters":
        if rest not in scope.parameters:
            raise DefinitionError(f"{reference}: no such pipeline parameter")
        return scope.parameters[rest]
    if kind == "Execution":
        if rest not in scope.execution:
            raise DefinitionError(f"{reference}: execution variable not supported (supported: {sorted(scope.execution)})")
        return scope.execution[rest]
    if kind == "Steps":
        step, _, path = rest.partition(".")
        if step not in scope.step_properties:
            raise DefinitionError(f"{reference}: step {step} has not run")
        return lookup(scope.step_properties[step], path, f"Steps.{step}")
    raise DefinitionError(f"{reference}: unknown reference (expected Parameters., Execution. or Steps.)")


def _json_get(argument: dict, scope: Scope):
    reference = argument.get("PropertyFile", {}).get("Get", "") if isinstance(argument.get("PropertyFile"), dict) else ""
    match = re.fullmatch(r"Steps\.([^.]+)\.PropertyFiles\.([^.]+)", reference)
    if not match:
        raise DefinitionError(f"Std:JsonGet: PropertyFile {argument.get('PropertyFile')!r} is not a step's property file")
    step, name = match.groups()
    files = scope.property_files.get(step, {})
    if name not in files:
        raise DefinitionError(f"Std:JsonGet: step {step} declares no property file {name}")
    output_name, file_path = files[name]
    output_uri = lookup(scope.step_properties[step], f"ProcessingOutputConfig.Outputs['{output_name}'].S3Output.S3Uri", f"Steps.{step}")
    uri = output_uri.rstrip("/") + "/" + file_path
    try:
        document = json.loads(scope.read_s3_text(uri))
    except json.JSONDecodeError as error:
        raise DefinitionError(f"Std:JsonGet: {uri} is not JSON ({error.msg})") from None
    return _json_path(document, argument["Path"], uri)


def _json_path(document, path: str, where: str):
    value = document
    for member, index in _JSON_PATH_TOKEN.findall(path):
        try:
            value = value[int(index)] if index else value[member]
        except (KeyError, IndexError, TypeError):
            raise DefinitionError(f"Std:JsonGet: {where} has no {path!r}") from None
    return value
