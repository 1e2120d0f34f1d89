"""A change set's changes as CloudFormation lists them: Modify for what the new parameter values change, and each
Modify saying whether it replaces the resource.

moto's change sets compare the templates only (a new value for a parameter changed nothing) and give no
``Replacement``; planners (``publish.py upgrade``'s protection of a project's bucket, repositories and model package
group) need both. Properties are compared with the parameters' values and the conditions' choices put in
(``template_values.py``); what refers to a replaced resource is listed too, and a resource whose ``Condition`` the
new values turn off or on is a Remove or an Add (``update_reach.py``); whether a change replaces the resource comes
from the type's create-only properties (``products/analysis/replacement.py``).
"""

from products.analysis.replacement import replacement
from products.local_aws.cloudformation import update_reach
from products.local_aws.cloudformation.template_values import as_given, resolved_properties


def _proposed_parameters(change_set) -> dict:
    declared = change_set.template_dict.get("Parameters", {}) or {}
    values = {name: declaration.get("Default") for name, declaration in declared.items()}
    values.update(change_set.parameters or {})
    return as_given(values)


def install() -> None:
    from moto.cloudformation import models

    original = models.ChangeSet.diff
    if getattr(original, "local_aws", False):
        return

    def diff(change_set) -> list:
        deployed, proposed = change_set.stack.resource_map._template or {}, change_set.template_dict
        before_values = as_given(change_set.stack.resource_map.resolved_parameters or {})
        after_values = _proposed_parameters(change_set)
        off, on = update_reach.switched(deployed, proposed, before_values, after_values)
        changes = [c for c in original(change_set) if c.logical_resource_id not in off + on or c.action != "Modify"]
        modified = [c.logical_resource_id for c in changes if c.action == "Modify"]
        reach, replaced = update_reach.reached(deployed, proposed, modified, before_values, after_values)
        types = {name: resource["Type"] for name, resource in (proposed.get("Resources", {}) or {}).items()}
        changes = [c for c in changes if c.action != "Modify" or c.logical_resource_id in reach]
        listed = {c.logical_resource_id for c in changes}
        changes += [models.Change("Modify", name, types[name]) for name in reach if name not in listed]
        changes += [models.Change("Remove", name, types[name]) for name in off]  # a condition turned it off
        changes += [models.Change("Add", name, types[name]) for name in on]  # or on
        for change in changes:
            if change.action == "Modify":
                change.replacement = "True" if change.logical_resource_id in replaced else replacement(
                    change.resource_type, resolved_properties(deployed, change.logical_resource_id, before_values),
                    resolved_properties(proposed, change.logical_resource_id, after_values))
        return changes

    diff.local_aws = True
    models.ChangeSet.diff = diff
