"""Answering CloudFormation, shared by the catalog's custom-resource functions.

A function's code is inlined into its template (``Code.ZipFile``): synth places this
module's text ahead of the handler module's (products/blocks/functions.py), so it may
only import the standard library, which the Lambda Python runtime provides.
"""

import json
import time
import urllib.parse
import urllib.request

REASON_LIMIT = 1000  # CloudFormation shows the reason in stack events; keep it readable
ANSWER_MARGIN_SECONDS = 30  # time a function keeps to wind up and answer before its timeout
# CloudFormation's ResponseURL is a pre-signed HTTPS S3 URL; anything else did not come from
# CloudFormation and gets no answer (the stack's answer, with its data, goes nowhere else).
ALLOWED_RESPONSE_SCHEMES = ("https",)


def failure_reason(error: Exception, expected: type) -> str:
    """The reason CloudFormation shows: the message of an ``expected`` error, else its type too."""
    text = str(error) if isinstance(error, expected) else f"{type(error).__name__}: {error}"
    return text[:REASON_LIMIT]


def send_response(event, status, physical_id, data, reason, attempts=3, pause=time.sleep):
    """PUT the answer to the pre-signed ResponseURL; retried, since a lost answer hangs the stack."""
    scheme = urllib.parse.urlsplit(event["ResponseURL"]).scheme
    if scheme not in ALLOWED_RESPONSE_SCHEMES:
        raise ValueError(f"refusing to answer a {scheme or 'schemeless'} ResponseURL: CloudFormation's are https")
    body = json.dumps({
        "Status": status,
        "Reason": reason or status,
        "PhysicalResourceId": physical_id,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "NoEcho": False,
        "Data": data,
    }).encode()
    request = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    for attempt in range(1, attempts + 1):
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
            return
        except OSError as error:
            print(f"answering CloudFormation failed (attempt {attempt}/{attempts}): {error}")
            if attempt == attempts:
                raise
            pause(2 * attempt)
