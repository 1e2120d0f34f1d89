"""A Condition step's conditions, as the definition JSON states them."""

import operator

from pipeline_executor.errors import DefinitionError
from pipeline_executor.expressions import Scope, evaluate

_COMPARISONS = {
    "Equals": operator.eq,
    "GreaterThan": operator.gt,
    "GreaterThanOrEqualTo": operator.ge,
    "LessThan": operator.lt,
    "LessThanOrEqualTo": operator.le,
}


def holds(condition: dict, scope: Scope) -> bool:
    kind = condition.get("Type")
    if kind in _COMPARISONS:
        left, right = evaluate(condition["LeftValue"], scope), evaluate(condition["RightValue"], scope)
        try:
            return bool(_COMPARISONS[kind](left, right))
        except TypeError:
            raise DefinitionError(f"condition {kind}: cannot compare {left!r} with {right!r}") from None
    if kind == "In":
        return evaluate(condition["QueryValue"], scope) in evaluate(condition["Values"], scope)
    if kind == "Not":
        return not holds(condition["Condition"], scope)
    if kind == "Or":
        return any(holds(c, scope) for c in condition["Conditions"])
    raise DefinitionError(f"condition type {kind!r} is not supported (supported: {', '.join([*_COMPARISONS, 'In', 'Not', 'Or'])})")


def all_hold(conditions: list[dict], scope: Scope) -> bool:
    """A Condition step's outcome: every condition holds (SageMaker ANDs the list)."""
    return all(holds(condition, scope) for condition in conditions)
