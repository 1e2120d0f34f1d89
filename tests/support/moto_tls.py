"""Make moto evaluate bucket policies for HTTPS requests, as every boto3 request to AWS is.

moto evaluates only StringEquals conditions and ignores the rest, so the TLS-only
statement (Deny when the Bool aws:SecureTransport is false) denies every request. An
HTTPS request never matches that statement; this drops it before moto evaluates the
policy. Used in process (a fixture) and by the moto_server wrapper
(``python -m tests.support.moto_server``).
"""

import json

from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.s3.models import FakeBucket

INSECURE_ONLY = {"Bool": {"aws:SecureTransport": "false"}}


def _get_permission_over_https(self, action: str, resource: str):
    if self.policy is None:
        return PermissionResult.NEUTRAL
    policy = json.loads(self.policy.decode())
    statements = policy["Statement"] if isinstance(policy["Statement"], list) else [policy["Statement"]]
    policy["Statement"] = [s for s in statements if s.get("Condition") != INSECURE_ONLY]
    if not policy["Statement"]:
        return PermissionResult.NEUTRAL
    return IAMPolicy(json.dumps(policy)).is_action_permitted(action, resource)


def install() -> None:
    FakeBucket.get_permission = _get_permission_over_https
