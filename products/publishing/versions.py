"""Provisioning artifacts across publishes: keep the last few versions of each product.

The committed portfolio template lists only each product's current version. What is
deployed also keeps up to ``keep`` earlier versions, read from the deployed stack, so
projects created from an older version can still be updated and users can pick it.
A product whose template did not change keeps exactly the artifacts it had.
"""

import copy

PRODUCT_TYPE = "AWS::ServiceCatalog::CloudFormationProduct"


def _artifacts(resource: dict) -> list[dict]:
    return resource["Properties"]["ProvisioningArtifactParameters"]


def with_retained_versions(template: dict, deployed: dict | None, keep: int) -> dict:
    """``template`` with each product's earlier artifacts (oldest first, at most ``keep``) before its current one."""
    result = copy.deepcopy(template)
    if not deployed:
        return result
    for logical_id, resource in result["Resources"].items():
        previous = deployed.get("Resources", {}).get(logical_id)
        if resource["Type"] != PRODUCT_TYPE or not previous or previous.get("Type") != PRODUCT_TYPE:
            continue
        (current,) = _artifacts(resource)
        earlier = [a for a in _artifacts(previous) if a["Name"] != current["Name"]]
        resource["Properties"]["ProvisioningArtifactParameters"] = (earlier[-keep:] if keep else []) + [current]
    return result


def versions(template: dict) -> dict[str, list[str]]:
    """Product logical id -> artifact names, as listed."""
    return {
        logical_id: [a["Name"] for a in _artifacts(resource)]
        for logical_id, resource in template.get("Resources", {}).items()
        if resource["Type"] == PRODUCT_TYPE
    }
