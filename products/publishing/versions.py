"""Provisioning artifacts across publishes: keep the last few versions of each product, retire the rest with care.

The committed portfolio template lists only each product's current version. What is deployed also keeps up to
``keep`` earlier versions, read from the deployed stack, so projects created from an older version can still be
updated and users can pick it. A version beyond them is retiring (``retirement.py`` decides): it stays listed while
it is being deprecated or while a project runs it, and goes at a later publish. A product whose template did not
change keeps exactly the artifacts it had.
"""

import copy

PRODUCT_TYPE = "AWS::ServiceCatalog::CloudFormationProduct"


def _artifacts(resource: dict) -> list[dict]:
    return resource["Properties"]["ProvisioningArtifactParameters"]


def _earlier(resource: dict, previous: dict) -> list[str]:
    (current,) = _artifacts(resource)
    return [a["Name"] for a in _artifacts(previous) if a["Name"] != current["Name"]]


def _products(template: dict, deployed: dict | None):
    """(logical id, fresh resource, deployed resource) of each product the deployed stack already has."""
    for logical_id, resource in template["Resources"].items():
        previous = (deployed or {}).get("Resources", {}).get(logical_id)
        if resource["Type"] == PRODUCT_TYPE and previous and previous.get("Type") == PRODUCT_TYPE:
            yield logical_id, resource, previous


def retiring(template: dict, deployed: dict | None, keep: int) -> dict[str, list[str]]:
    """Product logical id -> its deployed earlier versions beyond the last ``keep`` (oldest first)."""
    found = {}
    for logical_id, resource, previous in _products(template, deployed):
        earlier = _earlier(resource, previous)
        beyond = earlier[:-keep] if keep else earlier
        if beyond:
            found[logical_id] = beyond
    return found


def with_retained_versions(template: dict, deployed: dict | None, keep: int,
                           also_keep: dict[str, set[str]] | None = None) -> dict:
    """``template`` with each product's earlier artifacts before its current one: the last ``keep``, and the retiring
    ones named in ``also_keep`` (product logical id -> names), in their deployed order."""
    result = copy.deepcopy(template)
    for logical_id, resource, previous in _products(result, deployed):
        (current,) = _artifacts(resource)
        earlier = [a for a in _artifacts(previous) if a["Name"] != current["Name"]]
        kept = {a["Name"] for a in (earlier[-keep:] if keep else [])} | (also_keep or {}).get(logical_id, set())
        resource["Properties"]["ProvisioningArtifactParameters"] = [a for a in earlier if a["Name"] in kept] + [current]
    return result


def versions(template: dict) -> dict[str, list[str]]:
    """Product logical id -> artifact names, as listed."""
    return {
        logical_id: [a["Name"] for a in _artifacts(resource)]
        for logical_id, resource in template.get("Resources", {}).items()
        if resource["Type"] == PRODUCT_TYPE
    }
