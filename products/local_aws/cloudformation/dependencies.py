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


def _references(value, names: set[str]) -> set[str]:
    """The resources among ``names`` that ``value`` (a property tree) refers to."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= _references(item, names)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found |= {item} & names
            elif key == "Fn::GetAtt":
                target = item[0] if isinstance(item, list) else str(item).split(".", 1)[0]
                found |= {target} & names
            elif key == "Fn::Sub":
                text, variables = (item[0], item[1]) if isinstance(item, list) else (item, {})
                found |= {m.split(".", 1)[0] for m in _SUB_NAME.findall(text) if m not in variables} & names
                found |= _references(variables, names)
            else:
                found |= _references(item, names)
    return found


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
