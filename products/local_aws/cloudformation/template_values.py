"""A template's values as CloudFormation resolves them for an update: parameters put in, conditions evaluated.

moto compares templates as written; an update or a change set also changes what a new parameter value or a
condition's new choice (``Fn::If``) changes. ``Ref`` and ``Fn::Sub``'s ``${Name}`` of a parameter are put in;
``Fn::If`` takes the branch its condition chooses; other functions are left as written.
"""

import re

_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)\}")


def with_parameters(value, parameters: dict):
    """``value`` with each parameter reference replaced by the parameter's value (other functions left as written)."""
    if isinstance(value, list):
        return [with_parameters(item, parameters) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"} and value["Ref"] in parameters:
        return parameters[value["Ref"]]
    if set(value) == {"Fn::Sub"}:
        sub = value["Fn::Sub"]
        text, variables = (sub, {}) if isinstance(sub, str) else (sub[0], sub[1])
        filled = _SUB_NAME.sub(lambda m: str(parameters[m.group(1)]) if m.group(1) in parameters and
                               m.group(1) not in variables else m.group(0), text)
        return {"Fn::Sub": filled if isinstance(sub, str) else [filled, with_parameters(variables, parameters)]}
    return {key: with_parameters(item, parameters) for key, item in value.items()}


def _condition(expression, parameters: dict, conditions: dict, declared: dict) -> bool:
    """One condition's value, with the parameters' values put in (Fn::Equals, Not, And, Or, Condition)."""
    if not isinstance(expression, dict) or len(expression) != 1:
        return bool(expression)
    (function, arguments), = expression.items()
    if function in ("Condition", "Fn::Condition"):
        return condition_value(arguments, parameters, conditions, declared)
    if function == "Fn::Equals":
        left, right = (_as_text(with_parameters(a, parameters)) for a in arguments)
        return left == right
    values = [_condition(a, parameters, conditions, declared) for a in arguments]
    return {"Fn::Not": lambda: not values[0], "Fn::And": lambda: all(values), "Fn::Or": lambda: any(values)}[function]()


def _as_text(value) -> str:
    """A value as a parameter's text: CloudFormation passes every parameter value as a string (true as "true")."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def condition_value(name: str, parameters: dict, conditions: dict, declared: dict) -> bool:
    if name not in conditions:
        conditions[name] = _condition(declared[name], parameters, conditions, declared)
    return conditions[name]


def conditions_of(template: dict, parameters: dict) -> dict:
    """Every condition the template declares, evaluated with ``parameters``' values."""
    declared, conditions = template.get("Conditions", {}) or {}, {}
    for name in declared:
        condition_value(name, parameters, conditions, declared)
    return conditions


def with_conditions(value, conditions: dict):
    """``value`` with each ``Fn::If`` replaced by the branch its condition chooses."""
    if isinstance(value, list):
        return [with_conditions(item, conditions) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Fn::If"} and value["Fn::If"][0] in conditions:
        name, when_true, when_false = value["Fn::If"]
        return with_conditions(when_true if conditions[name] else when_false, conditions)
    return {key: with_conditions(item, conditions) for key, item in value.items()}


def resolved_properties(template: dict, logical_id: str, parameters: dict) -> dict:
    """A resource's properties with the parameters' values and the conditions' choices put in."""
    properties = (template.get("Resources", {}) or {}).get(logical_id, {}).get("Properties", {})
    return with_parameters(with_conditions(properties, conditions_of(template, parameters)), parameters)


def as_given(values: dict) -> dict:
    """Parameter values as a request gives them (text; a list comma-joined), whatever moto resolved them to."""
    return {name: ",".join(map(str, value)) if isinstance(value, list) else str(value)
            for name, value in values.items() if value is not None}


def install() -> None:
    """Patch moto's condition evaluation: Fn::Equals compares values as CloudFormation passes them, as text (moto
    compared a Number parameter's value, which it holds as an int, with the template's "0" and found them unequal)."""
    from moto.cloudformation import parsing

    original = parsing.parse_condition
    if getattr(original, "local_aws", False):
        return

    def parse_condition(condition, resources_map, condition_map):
        if isinstance(condition, dict) and list(condition) == ["Fn::Equals"]:
            left, right = (parsing.clean_json(value, resources_map) for value in condition["Fn::Equals"])
            return _as_text(left) == _as_text(right)
        return original(condition, resources_map, condition_map)

    parse_condition.local_aws = True
    parsing.parse_condition = parse_condition
