"""A change set's Modify changes say whether they replace the resource, as CloudFormation's do.

moto's change sets list Add, Modify and Remove, without ``Replacement``; planners (``publish.py upgrade``'s
protection of a project's bucket, repositories and model package group) need it. It is computed from the type's
create-only properties (``products/analysis/replacement.py``), comparing the resource as deployed with the template's.
"""

from products.analysis.replacement import replacement


def install() -> None:
    from moto.cloudformation import models

    original = models.ChangeSet.diff
    if getattr(original, "local_aws", False):
        return

    def diff(change_set) -> list:
        changes = original(change_set)
        deployed = change_set.stack.resource_map._resource_json_map or {}
        proposed = change_set.template_dict.get("Resources", {})
        for change in changes:
            if change.action == "Modify":
                change.replacement = replacement(change.resource_type,
                                                 deployed.get(change.logical_resource_id, {}).get("Properties", {}),
                                                 proposed.get(change.logical_resource_id, {}).get("Properties", {}))
        return changes

    diff.local_aws = True
    models.ChangeSet.diff = diff
