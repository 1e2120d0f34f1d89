"""The order CloudFormation creates a template's resources in: a resource after every resource it refers to
(``Ref``, ``Fn::GetAtt``, ``Fn::Sub``'s ``${Name}`` and ``${Name.Attribute}``) or names in ``DependsOn``.

moto orders by DependsOn alone and creates a referred-to resource when a reference is first resolved, in
the middle of creating another; CloudFormation never starts a resource before what it refers to is
complete ("CloudFormation creates the resources in the order of their dependencies", User Guide,
"DependsOn attribute"). A cycle fails the template, as CloudFormation's validation does."""

import re

_SUB_NAME = re.compile(r"\$\{([^!}][^}]*)\}")


class CircularDependency(ValueError):
    pass


def referenced(value) -> set[str]:
    """Every name a property tree refers to by ``Ref``, ``Fn::GetAtt`` or ``Fn::Sub`` (not a Sub's own variables)."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= referenced(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item[0] if isinstance(item, list) else str(item).split(".", 1)[0])
            elif key == "Fn::Sub":
                text, variables = (item[0], item[1]) if isinstance(item, list) else (item, {})
                found |= {m.split(".", 1)[0] for m in _SUB_NAME.findall(str(text)) if m not in variables}
                found |= referenced(variables)
            else:
                found |= referenced(item)
    return found


def _references(value, names: set[str]) -> set[str]:
    """The resources among ``names`` that ``value`` (a property tree) refers to."""
    return referenced(value) & names


def unresolved(template: dict) -> str | None:
    """CloudFormation's refusal of a template that refers to a name it does not declare (a resource, a parameter
    or a pseudo parameter), in the Resources block (DependsOn included) or the Outputs block; else None."""
    resources = template.get("Resources") or {}
    known = set(resources) | set(template.get("Parameters") or {})
    for block, value in (("Resources", resources), ("Outputs", template.get("Outputs") or {})):
        names = referenced(value)
        if block == "Resources":
            for resource in resources.values():
                depends_on = resource.get("DependsOn", []) if isinstance(resource, dict) else []
                names |= {depends_on} if isinstance(depends_on, str) else set(depends_on)
        missing = sorted(n for n in names - known if not n.startswith("AWS::"))
        if missing:
            return (f"Template format error: Unresolved resource dependencies [{', '.join(missing)}] in the {block} "
                    "block of the template")
    return None


def dependencies(resources: dict) -> dict[str, set[str]]:
    names = set(resources)
    needs = {}
    for logical_id, resource in resources.items():
        depends_on = resource.get("DependsOn", [])
        explicit = {depends_on} if isinstance(depends_on, str) else set(depends_on)
        needs[logical_id] = (explicit | _references(resource.get("Properties", {}), names)) - {logical_id}
    return needs


def creation_order(resources: dict) -> list[str]:
    """Every resource after what it needs; among the ready ones, in the template's order."""
    needs, order, placed = dependencies(resources), [], set()
    while len(order) < len(needs):
        ready = [name for name in needs if name not in placed and needs[name] <= placed]
        if not ready:
            stuck = sorted(name for name in needs if name not in placed)
            raise CircularDependency(f"Circular dependency between resources: [{', '.join(stuck)}]")
        order += ready
        placed |= set(ready)
    return order
