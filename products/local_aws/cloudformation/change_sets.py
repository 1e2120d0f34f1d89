"""A change set's changes as CloudFormation lists them: Modify for what the new parameter values change, and each
Modify saying whether it replaces the resource.

moto's change sets compare the templates only (a new value for a parameter changed nothing) and give no
``Replacement``; planners (``publish.py upgrade``'s protection of a project's bucket, repositories and model package
group) need both. Properties are compared with the parameters' values put in (``Ref`` and ``Fn::Sub``'s
``${Name}``); whether a change replaces the resource comes from the type's create-only properties
(``products/analysis/replacement.py``).
"""

import re

from products.analysis.replacement import replacement

_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)\}")


def with_parameters(value, parameters: dict):
    """``value`` with each parameter reference replaced by the parameter's value (other functions left as written)."""
    if isinstance(value, list):
        return [with_parameters(item, parameters) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"} and value["Ref"] in parameters:
        return parameters[value["Ref"]]
    if set(value) == {"Fn::Sub"}:
        sub = value["Fn::Sub"]
        text, variables = (sub, {}) if isinstance(sub, str) else (sub[0], sub[1])
        filled = _SUB_NAME.sub(lambda m: str(parameters[m.group(1)]) if m.group(1) in parameters and
                               m.group(1) not in variables else m.group(0), text)
        return {"Fn::Sub": filled if isinstance(sub, str) else [filled, with_parameters(variables, parameters)]}
    return {key: with_parameters(item, parameters) for key, item in value.items()}


def _as_given(values: dict) -> dict:
    """Parameter values as a request gives them (text; a list comma-joined), whatever moto resolved them to."""
    return {name: ",".join(map(str, value)) if isinstance(value, list) else str(value)
            for name, value in values.items() if value is not None}


def _proposed_parameters(change_set) -> dict:
    declared = change_set.template_dict.get("Parameters", {}) or {}
    values = {name: declaration.get("Default") for name, declaration in declared.items()}
    values.update(change_set.parameters or {})
    return _as_given(values)


def install() -> None:
    from moto.cloudformation import models

    original = models.ChangeSet.diff
    if getattr(original, "local_aws", False):
        return

    def diff(change_set) -> list:
        changes = original(change_set)
        deployed = change_set.stack.resource_map._resource_json_map or {}
        proposed = change_set.template_dict.get("Resources", {})
        before_values = _as_given(change_set.stack.resource_map.resolved_parameters or {})
        after_values = _proposed_parameters(change_set)
        listed = {change.logical_resource_id for change in changes}
        for logical_id in proposed.keys() & deployed.keys() - listed:  # same text, perhaps new parameter values
            if _properties(deployed, logical_id, before_values) != _properties(proposed, logical_id, after_values):
                changes.append(models.Change("Modify", logical_id, proposed[logical_id]["Type"]))
        for change in changes:
            if change.action == "Modify":
                change.replacement = replacement(change.resource_type,
                                                 _properties(deployed, change.logical_resource_id, before_values),
                                                 _properties(proposed, change.logical_resource_id, after_values))
        return changes

    diff.local_aws = True
    models.ChangeSet.diff = diff


def _properties(resources: dict, logical_id: str, parameters: dict) -> dict:
    return with_parameters(resources.get(logical_id, {}).get("Properties", {}), parameters)
