"""A stack update reaches every resource whose values change, as CloudFormation's does.

moto updates a resource only when its own template text, or a parameter it names, changed. CloudFormation updates
every resource whose properties change: through a parameter, through a condition's choice (``Fn::If``), or through a
replaced resource it refers to; and it creates or deletes a resource whose ``Condition`` the new values turn on or
off. It replaces a resource whose create-only property changed; the replacement has a new physical id and
attributes, so every resource that refers to it (``Ref``, ``Fn::GetAtt``, ``Fn::Sub``) is updated with the new
values, and one that refers to it in a create-only property of its own is replaced in turn (User Guide, "Update
behaviors of stack resources").

The endpoint stack shows why it matters: a new model package replaces the Model; its EndpointConfig names the model
in ProductionVariants (create-only), so it is replaced too; and the Endpoint is updated to the new configuration
(SageMaker's UpdateEndpoint). moto replaced the Model only: the endpoint kept its old configuration, which still
named the old model, deleted by that replacement.
"""

from products.analysis import registry_schemas
from products.analysis.replacement import replacing_properties
from products.local_aws.cloudformation.template_values import as_given, conditions_of, resolved_properties
from products.local_aws.cloudformation.dependencies import creation_order, referenced


def _create_only_values(resource_type: str, properties: dict) -> list:
    """The values of the type's create-only properties (top-level property names), as written."""
    pointers = registry_schemas.schema(resource_type).get("createOnlyProperties", [])
    return [properties.get(pointer.split("/")[2]) for pointer in pointers if pointer.count("/") >= 2]


def _present(template: dict, values: dict) -> set[str]:
    """The resources the template creates with these values (those whose ``Condition``, if any, holds)."""
    conditions = conditions_of(template, values)
    return {name for name, resource in (template.get("Resources", {}) or {}).items()
            if conditions.get(resource.get("Condition"), True)}


def switched(before: dict, after: dict, values_before: dict, values_after: dict) -> tuple[list[str], list[str]]:
    """The resources in both templates whose ``Condition`` the new values turn off (deleted) and on (created)."""
    was, now = _present(before, values_before), _present(after, values_after)
    both = (before.get("Resources", {}) or {}).keys() & (after.get("Resources", {}) or {}).keys()
    return sorted(both & (was - now)), sorted(both & (now - was))


def reached(before: dict, after: dict, modified: list[str], values_before: dict,
            values_after: dict) -> tuple[list[str], set[str]]:
    """``modified``, every resource whose properties the new values or conditions change, and every resource an
    update reaches through a replaced one (by ``Ref``, ``Fn::GetAtt`` or ``Fn::Sub``; ``DependsOn`` alone only orders
    an update), in the order CloudFormation updates them; and which of them are replaced. Only resources that exist
    before and after (their ``Condition`` holding both times) are updated. ``before`` and ``after`` are the
    templates."""
    new = after.get("Resources", {}) or {}
    kept = _present(before, values_before) & _present(after, values_after)
    changed = {name: (resolved_properties(before, name, values_before), resolved_properties(after, name, values_after))
               for name in kept}
    direct = {name for name in modified if name in kept} | {name for name, (was, now) in changed.items() if was != now}
    replaced = {name for name in direct if replacing_properties(new[name]["Type"], *changed[name])}
    reach, order = set(direct), creation_order(new)
    for name in order:
        if name not in kept:
            continue
        properties = new[name].get("Properties", {})
        if referenced(properties) & replaced:
            reach.add(name)
            if any(referenced(value) & replaced for value in _create_only_values(new[name]["Type"], properties)):
                replaced.add(name)
    return [name for name in order if name in reach], replaced


def install() -> None:
    """Patch moto's ResourceMap.build_resource_diff (what an update adds, modifies and removes) to include what
    the update reaches, and the resources a condition turns on or off."""
    from moto.cloudformation import parsing

    original = parsing.ResourceMap.build_resource_diff
    if getattr(original, "local_aws", False):
        return

    def build_resource_diff(resource_map, other_template, parameters=None):
        actions = original(resource_map, other_template, parameters)
        if parameters is None:  # a change set's diff (change_sets.py judges its changes with its own parameters)
            return actions
        declared = other_template.get("Parameters", {}) or {}
        values_after = as_given({**{n: d.get("Default") for n, d in declared.items()}, **(parameters or {})})
        values_before = as_given(resource_map.resolved_parameters or {})
        before = resource_map._template or {}
        off, on = switched(before, other_template, values_before, values_after)
        actions["Modify"], _ = reached(before, other_template, actions["Modify"], values_before, values_after)
        actions["Remove"] += [name for name in off if name not in actions["Remove"]]
        actions["Add"] += [name for name in on if name not in actions["Add"]]
        return actions

    build_resource_diff.local_aws = True
    parsing.ResourceMap.build_resource_diff = build_resource_diff
    original_update = parsing.ResourceMap.update

    def update(resource_map, template, parameters=None):
        before = set(resource_map._resource_json_map or {})
        original_update(resource_map, template, parameters)
        _forget_removed(resource_map, before)

    parsing.ResourceMap.update = update


def _forget_removed(resource_map, before: set[str]) -> None:
    """After an update, the stack holds only what its new template creates: moto deleted a removed resource (dropped
    from the template, or its Condition turned off) but kept its object, so turning it on again found it "created",
    and the stack's deletion tried to delete it again."""
    declared, conditions = resource_map._resource_json_map, resource_map.lazy_condition_map
    for name in before | set(declared):
        resource = declared.get(name)
        if resource is None or (resource.get("Condition") and not conditions[resource["Condition"]]):
            resource_map._parsed_resources.pop(name, None)
    order = getattr(resource_map, "creation_order", None)
    if order is not None:
        order[:] = [name for name in order if resource_map._parsed_resources.get(name) is not None]
