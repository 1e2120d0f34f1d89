"""The approval hook of build-train-deploy-github: a decided model package becomes a repository dispatch.

GitHub's API is not emulated: a local HTTP server stands in for it here and records the request, so the test checks
the request as GitHub's REST API documents it ("Create a repository dispatch event": POST
/repos/{owner}/{repo}/dispatches, 204 No Content). The token comes from moto's Secrets Manager.
"""

import http.server
import json
import threading

import boto3
import pytest
from moto import mock_aws

from products.functions import github_dispatch

EVENT = {  # SageMaker's documented "SageMaker Model Package State Change" shape, trimmed to what is read
    "detail-type": "SageMaker Model Package State Change", "source": "aws.sagemaker",
    "detail": {"ModelPackageGroupName": "abalone-p-abc123def456", "ModelApprovalStatus": "Approved",
               "ModelPackageArn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/abalone-p-abc123def456/3"},
}


@pytest.fixture
def github():
    """A stand-in for GitHub's API on a free loopback port: answers ``status`` and records each request."""
    received, status = [], {"code": 204}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)})
            self.send_response(status["code"])
            self.end_headers()
            if status["code"] != 204:
                self.wfile.write(b'{"message": "Bad credentials"}')

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", received, status
    server.shutdown()


@pytest.fixture
def token_secret(aws_credentials):
    with mock_aws():
        secrets = boto3.client("secretsmanager", region_name="us-east-1")
        arn = secrets.create_secret(Name="sagemaker-github-token", SecretString="ghp_example\n")["ARN"]
        yield secrets, arn


def test_a_decision_is_dispatched_to_the_deploy_repository_with_the_secret_token(github, token_secret, monkeypatch):
    url, received, _ = github
    secrets, arn = token_secret
    monkeypatch.setenv("TOKEN_SECRET_ARN", arn)
    monkeypatch.setenv("DEPLOY_REPOSITORY", "acme/abalone-deploy")
    monkeypatch.setenv("GITHUB_API_URL", url)
    sent = github_dispatch.handler(EVENT, None, secrets=secrets)
    (request,) = received
    assert request["path"] == "/repos/acme/abalone-deploy/dispatches"
    assert request["headers"]["Authorization"] == "Bearer ghp_example"
    assert request["headers"]["Accept"] == "application/vnd.github+json"
    assert request["body"] == {"event_type": "model-approval-decided", "client_payload": {
        "model_package_arn": EVENT["detail"]["ModelPackageArn"], "model_package_group_name": "abalone-p-abc123def456",
        "approval_status": "Approved"}}
    assert sent["status"] == 204 and "ghp_example" not in json.dumps(sent)


def test_a_refused_dispatch_raises_so_lambda_retries_and_the_token_is_not_logged(github, token_secret, monkeypatch):
    url, _, status = github
    secrets, arn = token_secret
    status["code"] = 401
    for key, value in {"TOKEN_SECRET_ARN": arn, "DEPLOY_REPOSITORY": "acme/abalone-deploy", "GITHUB_API_URL": url}.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(github_dispatch.DispatchFailed, match="GitHub answered 401") as raised:
        github_dispatch.handler(EVENT, None, secrets=secrets)
    assert "ghp_example" not in str(raised.value)
