"""A template's Rules, checked as CloudFormation checks them before it creates or updates a stack.

For each rule whose ``RuleCondition`` holds (a rule without one always applies), every ``Assertions`` entry must
hold; one that does not refuses CreateStack, UpdateStack or CreateChangeSet (ValidationError), showing its
``AssertDescription`` (CloudFormation User Guide, "Rules"). Rules may name parameters only.

Evaluated here: ``Ref`` to a parameter, ``Fn::Equals``, ``Fn::Not``, ``Fn::And``, ``Fn::Or`` and ``Fn::Contains``.
A rule using any other function (``Fn::EachMemberEquals``, ``Fn::ValueOf`` and the like) is refused as one this
code cannot evaluate, never passed. The refusal's wording is ours: AWS documents that the description is shown.
"""


class UnsupportedRule(ValueError):
    pass


def _text(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _value(expression, values: dict):
    if isinstance(expression, dict) and list(expression) == ["Ref"]:
        if expression["Ref"] not in values:
            raise UnsupportedRule(f"a rule may name parameters only, not {expression['Ref']}")
        return values[expression["Ref"]]
    if isinstance(expression, dict):
        return _holds(expression, values)
    return expression


def _holds(expression, values: dict) -> bool:
    """The value of a rule function over the parameters' ``values``."""
    if not isinstance(expression, dict) or len(expression) != 1:
        raise UnsupportedRule(f"not a rule function: {expression!r}")
    (function, arguments), = expression.items()
    if function == "Fn::Equals":
        left, right = (_text(_value(a, values)) for a in arguments)
        return left == right
    if function == "Fn::Not":
        return not _holds(arguments[0], values)
    if function in ("Fn::And", "Fn::Or"):
        results = [_holds(a, values) for a in arguments]
        return all(results) if function == "Fn::And" else any(results)
    if function == "Fn::Contains":
        members, value = arguments
        listed = _value(members, values)
        listed = listed.split(",") if isinstance(listed, str) else listed  # a list parameter's value
        return _text(_value(value, values)).strip() in [_text(_value(m, values)).strip() for m in listed]
    raise UnsupportedRule(f"the local AWS cannot evaluate the rule function {function}")


def _named(expression) -> set[str]:
    """The names a rule's expressions Ref."""
    if isinstance(expression, list):
        return set().union(*map(_named, expression)) if expression else set()
    if isinstance(expression, dict):
        if list(expression) == ["Ref"]:
            return {expression["Ref"]}
        return set().union(*map(_named, expression.values())) if expression else set()
    return set()


def broken_rules(template: dict, given: dict) -> list[tuple[str, str | None]]:
    """Each assertion the parameter values break: its rule's name and its AssertDescription (None without one)."""
    declared = template.get("Parameters", {}) or {}
    values = {name: given.get(name, declaration.get("Default")) for name, declaration in declared.items()}
    broken = []
    for name, rule in (template.get("Rules", {}) or {}).items():
        if any(values.get(parameter) is None for parameter in _named(rule) if parameter in declared):
            continue  # a parameter without a value: CloudFormation refuses that first, naming it
        try:
            if "RuleCondition" in rule and not _holds(rule["RuleCondition"], values):
                continue
            broken += [(name, assertion.get("AssertDescription"))
                       for assertion in rule.get("Assertions", []) if not _holds(assertion["Assert"], values)]
        except UnsupportedRule as unsupported:
            broken.append((name, f"Rule {name}: {unsupported}"))
    return broken


def rule_violations(template: dict, given: dict) -> list[str]:
    """The AssertDescription (or the rule's name) of every assertion the parameter values break."""
    return [description or f"Rule {name} failed" for name, description in broken_rules(template, given)]
