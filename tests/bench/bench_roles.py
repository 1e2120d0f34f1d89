"""Count the IAM actions each role of the roles stack grants (distinct actions over its
statements), now and in a roles.json given for comparison (e.g. one from git history).
Run: .venv/bin/python tests/bench/bench_roles.py [earlier-roles.json]
"""

import json
import sys
from pathlib import Path

ROLES = Path(__file__).resolve().parents[2] / "templates" / "roles.json"


def actions_per_role(path: Path) -> dict[str, int]:
    resources = json.loads(path.read_text())["Resources"]
    counts = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        actions = set()
        for policy in resource["Properties"]["Policies"]:
            for statement in policy["PolicyDocument"]["Statement"]:
                listed = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                actions |= {a.lower() for a in listed}
        counts[logical_id.removesuffix("Role")] = len(actions)
    return counts


def main() -> int:
    now = actions_per_role(ROLES)
    before = actions_per_role(Path(sys.argv[1])) if len(sys.argv) > 1 else {}
    print(f"{'role':<16} {'before':>6} {'now':>6}")
    for role, count in now.items():
        print(f"{role:<16} {before.get(role, '-'):>6} {count:>6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
