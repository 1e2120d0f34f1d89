"""Decide whether identity policies allow a request, as IAM documents its evaluation.

Used by the tests and the emulator to check every call against the role it runs under.
moto's own evaluator is not enough: it treats an Allow whose condition does not match as
an explicit deny, matches actions case-sensitively and, in moto_server, checks only
against resource "*". The rules followed here (IAM User Guide, "Policy evaluation logic"
and "IAM JSON policy elements: Condition" / "Condition operators"):

- a request is allowed only if some Allow statement applies and no Deny statement does;
- a statement applies when its Action (or NotAction) matches the action, case-insensitively,
  its Resource (or NotResource) matches the resource ARN, each of the ARN's six
  colon-separated parts matched on its own, ``*`` and ``?`` wildcards within a part, and
  every condition in its Condition block holds;
- a condition holds when, for each key, any policy value matches the request's value;
  a key missing from the request makes it false, except for the ...IfExists operators
  (true) and Null; context key names are case-insensitive.

An operator this module does not implement raises UnsupportedCondition: a check never
passes by ignoring part of a policy.
"""

import re
from dataclasses import dataclass


class UnsupportedCondition(ValueError):
    """The policy uses a condition operator the evaluator does not implement."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # which statement allowed or denied, or "no statement allows"


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def _wildcard(pattern: str, value: str, ignore_case: bool = False) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None


def action_matches(pattern: str, action: str) -> bool:
    return _wildcard(pattern, action, ignore_case=True)


def arn_matches(pattern: str, arn: str) -> bool:
    if pattern == "*":
        return True
    pattern_parts, arn_parts = pattern.split(":", 5), arn.split(":", 5)
    if len(pattern_parts) != 6 or len(arn_parts) != 6:
        return pattern == arn
    return all(_wildcard(p, a) for p, a in zip(pattern_parts, arn_parts))


_STRING = {
    "StringEquals": lambda policy, actual: policy == actual,
    "StringEqualsIgnoreCase": lambda policy, actual: policy.lower() == actual.lower(),
    "StringLike": lambda policy, actual: _wildcard(policy, actual),
    "ArnEquals": lambda policy, actual: policy == actual,
    "ArnLike": lambda policy, actual: arn_matches(policy, actual),
    "Bool": lambda policy, actual: str(policy).lower() == str(actual).lower(),
}
_NEGATED = {"StringNotEquals": "StringEquals", "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
            "StringNotLike": "StringLike", "ArnNotEquals": "ArnEquals", "ArnNotLike": "ArnLike"}


def _condition_holds(operator: str, key: str, policy_values, context: dict) -> bool:
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    actual = context.get(key.lower())
    if base == "Null":
        return (actual is None) == (str(_listed(policy_values)[0]).lower() == "true")
    if actual is None:
        return if_exists
    negated = base in _NEGATED
    compare = _STRING.get(_NEGATED.get(base, base))
    if compare is None or qualifier not in ("", "ForAnyValue", "ForAllValues"):
        raise UnsupportedCondition(f"condition operator {operator} is not supported by the evaluator")
    actual_values = _listed(actual)
    matches = [any(compare(str(p), str(a)) for p in _listed(policy_values)) for a in actual_values]
    if qualifier == "ForAllValues":
        held = all(matches)
    else:
        held = any(matches)
    return not held if negated else held


def statement_applies(statement: dict, action: str, resource: str, context: dict) -> bool:
    if "Action" in statement:
        if not any(action_matches(p, action) for p in _listed(statement["Action"])):
            return False
    elif any(action_matches(p, action) for p in _listed(statement.get("NotAction", []))):
        return False
    if "Resource" in statement:
        if not any(arn_matches(p, resource) for p in _listed(statement["Resource"])):
            return False
    elif "NotResource" in statement and any(arn_matches(p, resource) for p in _listed(statement["NotResource"])):
        return False
    lowered = {k.lower(): v for k, v in context.items()}
    return all(
        _condition_holds(operator, key, values, lowered)
        for operator, block in statement.get("Condition", {}).items()
        for key, values in block.items()
    )


def evaluate(policies: list[dict], action: str, resource: str, context: dict | None = None) -> Decision:
    """Whether identity ``policies`` (policy documents) allow ``action`` on ``resource``."""
    context = context or {}
    allowed_by = None
    for number, policy in enumerate(policies):
        for index, statement in enumerate(_listed(policy["Statement"])):
            if not statement_applies(statement, action, resource, context):
                continue
            where = statement.get("Sid") or f"policy {number + 1}, statement {index + 1}"
            if statement["Effect"] == "Deny":
                return Decision(False, f"explicitly denied by {where}")
            allowed_by = allowed_by or where
    if allowed_by:
        return Decision(True, f"allowed by {allowed_by}")
    return Decision(False, "no statement allows it")


def _principal_matches(statement: dict, principal_arn: str) -> bool:
    """A resource policy statement names the caller: its ARN, its account's root, or everyone; a service
    principal (``lambda.amazonaws.com``, no colon) by its name under ``Service``; an identity provider (a web
    identity or SAML caller) by its ARN under ``Federated``."""
    given = statement.get("Principal")
    if given == "*":
        return True
    if ":" not in principal_arn:
        return principal_arn in _listed((given or {}).get("Service", []))
    if ":oidc-provider/" in principal_arn or ":saml-provider/" in principal_arn:
        return principal_arn in _listed((given or {}).get("Federated", []))
    account = principal_arn.split(":")[4]
    return any(p in ("*", principal_arn) or re.fullmatch(rf"arn:aws[\w-]*:iam::{account}:root", p) or p == account
               for p in _listed((given or {}).get("AWS", [])))


def resource_policy_allows(policy: dict, principal_arn: str, action: str, resource: str, context: dict | None = None) -> Decision:
    """Whether a resource policy (a bucket, key, group or trust policy) allows ``principal_arn`` the call.

    For a call from another account IAM needs this and the caller's identity policy both. The
    caller's ARN is in the condition context as aws:PrincipalArn (a trust policy may test it); a service
    principal's name as aws:PrincipalServiceName.
    """
    caller_key = "aws:PrincipalArn" if ":" in principal_arn else "aws:PrincipalServiceName"
    context = {caller_key: principal_arn, **(context or {})}
    allowed_by = None
    for index, statement in enumerate(_listed(policy.get("Statement", []))):
        if not _principal_matches(statement, principal_arn) or not statement_applies(statement, action, resource, context):
            continue
        where = statement.get("Sid") or f"statement {index + 1}"
        if statement["Effect"] == "Deny":
            return Decision(False, f"explicitly denied by {where}")
        allowed_by = allowed_by or where
    return Decision(True, f"allowed by {allowed_by}") if allowed_by else Decision(False, "no statement names the caller for it")


__all__ = ["Decision", "UnsupportedCondition", "action_matches", "arn_matches", "evaluate", "resource_policy_allows"]
