"""Property-level differences between two versions of a resource, as lines a reviewer reads.

A plan shows, under each modified resource, which properties change and how. IAM policy
documents (any mapping with a ``Statement`` list) are compared statement by statement,
each statement on one line, so a widened permission reads as one ``+`` line rather than
a changed blob of JSON.
"""

import json

MAX_VALUE = 160  # characters of a value shown before it is cut


def _one_line(value) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 3] + "..."


def _is_policy(value) -> bool:
    return isinstance(value, dict) and isinstance(value.get("Statement"), (list, dict))


def _statements(policy: dict) -> list[str]:
    statements = policy["Statement"]
    statements = statements if isinstance(statements, list) else [statements]
    return [json.dumps(s, sort_keys=True, separators=(",", ":")) for s in statements]


def _policy_lines(path: str, before: dict | None, after: dict | None) -> list[str]:
    old = _statements(before) if before else []
    new = _statements(after) if after else []
    lines = [f"{path}: - {s}" for s in old if s not in new]
    lines += [f"{path}: + {s}" for s in new if s not in old]
    return lines


_ABSENT = object()


def property_diff(before, after, path: str = "") -> list[str]:
    """``path: old -> new`` per changed leaf; policy documents as removed/added statements."""
    if before == after:
        return []
    if _is_policy(before) or _is_policy(after):
        return _policy_lines(path or "(policy)", before if _is_policy(before) else None, after if _is_policy(after) else None)
    if isinstance(before, dict) and isinstance(after, dict):
        lines = []
        for key in sorted(set(before) | set(after)):
            lines += property_diff(before.get(key, _ABSENT), after.get(key, _ABSENT), f"{path}.{key}" if path else key)
        return lines
    if before is _ABSENT:
        return [f"{path}: + {_one_line(after)}"]
    if after is _ABSENT:
        return [f"{path}: - {_one_line(before)}"]
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        lines = []
        for index, (old, new) in enumerate(zip(before, after)):
            lines += property_diff(old, new, f"{path}[{index}]")
        return lines
    return [f"{path}: {_one_line(before)} -> {_one_line(after)}"]


def context_properties(context: str | None) -> dict | None:
    """The properties in a change set's BeforeContext/AfterContext (an encoded JSON string), if any."""
    if not context:
        return None
    decoded = json.loads(context)
    return decoded.get("Properties", decoded) if isinstance(decoded, dict) else None
