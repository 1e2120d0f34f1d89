"""Whether updating a resource replaces it: a change to one of its type's create-only properties does.

CloudFormation answers this in a change set (``Replacement``: True, False or Conditional). Its rule for a property
marked create-only in the registry schema is "Update requires: Replacement" (the resource type reference); the
schema lists them as ``createOnlyProperties`` (JSON pointers such as ``/properties/BucketName``). A value that is an
intrinsic function whose result CloudFormation only knows at update time is compared as written: a different
expression is taken as a different value, so the answer is True where CloudFormation might say Conditional.
"""

from products.analysis import registry_schemas


def _at(properties: dict, pointer: str):
    """The value at a ``/properties/A/B`` pointer; None where absent (a ``*`` step is compared as a whole)."""
    value = properties
    for step in pointer.split("/")[2:]:
        if step == "*" or not isinstance(value, dict):
            return value
        value = value.get(step)
    return value


def replacing_properties(resource_type: str, before: dict, after: dict) -> list[str]:
    """The create-only properties whose values differ between the two property sets (empty: updated in place)."""
    pointers = registry_schemas.schema(resource_type).get("createOnlyProperties", [])
    return [pointer.removeprefix("/properties/") for pointer in pointers
            if _at(before or {}, pointer) != _at(after or {}, pointer)]


def replacement(resource_type: str, before: dict, after: dict) -> str:
    """CloudFormation's ``Replacement`` of a Modify change: "True" or "False"."""
    return "True" if replacing_properties(resource_type, before, after) else "False"
