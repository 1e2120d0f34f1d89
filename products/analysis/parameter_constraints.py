"""A parameter value checked against its declaration's constraints, as CloudFormation checks it at launch.

CloudFormation refuses CreateStack, UpdateStack and CreateChangeSet (ValidationError) when a value breaks its
parameter's AllowedValues, AllowedPattern or length limits. The message names the parameter; a declared
ConstraintDescription replaces the constraint's own wording ("Malformed input-Parameter MyParameter must match
pattern ..." becomes "... MyParameter <description>": CloudFormation's ParameterConstraints and
ConstraintDescription documentation).
"""

import re


def violation(name: str, declaration: dict, value) -> str | None:
    """Why ``value`` breaks the declaration of parameter ``name``, in CloudFormation's words; None when it holds.
    A list parameter's constraints hold for each of its comma-separated items."""
    kind = declaration.get("Type", "String")
    if kind == "CommaDelimitedList" or kind.startswith("List<"):
        item_declaration = {k: v for k, v in declaration.items() if k not in ("Type", "MinLength", "MaxLength")}
        items = value if isinstance(value, list) else str(value).split(",")
        return next((p for p in (violation(name, item_declaration, item.strip()) for item in items) if p), None)
    text = str(value)
    broken = None
    if "AllowedValues" in declaration and text not in [str(v) for v in declaration["AllowedValues"]]:
        broken = f"Parameter '{name}' must be one of AllowedValues"
    elif "AllowedPattern" in declaration and not re.fullmatch(declaration["AllowedPattern"], text):
        broken = f"Parameter {name} must match pattern {declaration['AllowedPattern']}"
    elif "MinLength" in declaration and len(text) < int(declaration["MinLength"]):
        broken = f"Parameter '{name}' must contain at least {declaration['MinLength']} characters"
    elif "MaxLength" in declaration and len(text) > int(declaration["MaxLength"]):
        broken = f"Parameter '{name}' must contain at most {declaration['MaxLength']} characters"
    if broken and declaration.get("ConstraintDescription"):
        return f"Parameter {name} {declaration['ConstraintDescription']}"
    return broken


def violations(declarations: dict, given: dict) -> list[str]:
    """Every given value (and every default standing in for a missing one) that breaks its declaration."""
    problems = []
    for name, declaration in declarations.items():
        value = given.get(name, declaration.get("Default"))
        if value is not None:
            problem = violation(name, declaration, value)
            if problem:
                problems.append(problem)
    return problems
