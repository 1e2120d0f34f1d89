"""Start the model-deploy workflow on GitHub when a model package's approval is decided.

EventBridge invokes it with the "SageMaker Model Package State Change" event of the project's group (approved or
rejected, as the CodePipeline flavour's rule). It reads a GitHub token from Secrets Manager (the secret named by
TOKEN_SECRET_ARN: the token is never in the template, a parameter or the environment) and calls GitHub's "Create a
repository dispatch event" (POST /repos/{owner}/{repo}/dispatches). GitHub answers 204; the deploy workflow runs on
``repository_dispatch`` of type EVENT_TYPE. Any other answer raises, so Lambda retries the event (asynchronous
invocations are retried twice) and the failure is in the function's log, without the token.

Environment: TOKEN_SECRET_ARN, DEPLOY_REPOSITORY (owner/repo), GITHUB_API_URL (https://api.github.com, or a GitHub
Enterprise Server's https://HOST/api/v3). Inlined in the product template (``Code.ZipFile``): standard library and
boto3 only.
"""

import json
import os
import urllib.request

EVENT_TYPE = "model-approval-decided"


class DispatchFailed(RuntimeError):
    """GitHub did not accept the dispatch; the message says what it answered."""


def handler(event, context, secrets=None, opener=None):
    """Lambda entry point: dispatch the decision to the deploy repository; what was sent is logged."""
    import boto3

    secrets = secrets or boto3.client("secretsmanager")
    token = secrets.get_secret_value(SecretId=os.environ["TOKEN_SECRET_ARN"])["SecretString"].strip()
    request = dispatch_request(event, os.environ, token)
    status = send(request, opener or urllib.request.urlopen)
    sent = {"repository": os.environ["DEPLOY_REPOSITORY"], "eventType": EVENT_TYPE, "status": status,
            "clientPayload": json.loads(request.data)["client_payload"]}
    print(json.dumps(sent))
    return sent


def dispatch_request(event: dict, environment, token: str) -> urllib.request.Request:
    """The POST GitHub's REST API documents for a repository dispatch event."""
    detail = event.get("detail", {})
    body = {"event_type": EVENT_TYPE, "client_payload": {
        "model_package_arn": detail.get("ModelPackageArn", ""),
        "model_package_group_name": detail.get("ModelPackageGroupName", ""),
        "approval_status": detail.get("ModelApprovalStatus", ""),
    }}
    api = environment.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    return urllib.request.Request(
        f"{api}/repos/{environment['DEPLOY_REPOSITORY']}/dispatches",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Accept": "application/vnd.github+json", "Authorization": f"Bearer {token}",
                 "X-GitHub-Api-Version": "2022-11-28", "Content-Type": "application/json",
                 "User-Agent": "sagemaker-mlops-catalog"},
    )


def send(request: urllib.request.Request, opener) -> int:
    """GitHub's status; DispatchFailed unless 204."""
    import urllib.error

    try:
        with opener(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        raise DispatchFailed(f"GitHub answered {error.code} to {request.full_url}: {error.read()[:500]!r}") from None
    if status != 204:
        raise DispatchFailed(f"GitHub answered {status} to {request.full_url}, not 204")
    return status
