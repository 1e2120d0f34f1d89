"""The CloudFormation registry schemas cfn-lint bundles: what CloudFormation itself knows of each resource type.

``handler_permissions`` reads their handlers' permissions; ``replacement`` their create-only properties.
"""

import json
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=None)
def _index(region: str) -> dict:
    import cfnlint.data.schemas as schemas

    root = Path(schemas.__file__).parent
    return {"root": root, "index": json.loads((root / "providers" / f"{region}.json").read_text())}


@lru_cache(maxsize=None)
def schema(resource_type: str, region: str = "us-east-1") -> dict:
    """The type's registry schema; {} for a type the registry does not know (a custom resource, say)."""
    data = _index(region)
    if resource_type not in data["index"]:
        return {}
    return json.loads((data["root"] / "resources" / f"{data['index'][resource_type]}.json").read_text())
