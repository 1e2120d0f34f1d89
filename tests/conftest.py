import json
from pathlib import Path

import pytest

from products.config import load_config
from products.resolve import resolve
from products.synth import synthesize

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_PROJECT = {"SageMakerProjectName": "abalone", "SageMakerProjectId": "p-abc123def456"}


@pytest.fixture(scope="session")
def config():
    return load_config()


@pytest.fixture(scope="session")
def artifacts(config):
    return synthesize(config)


@pytest.fixture(scope="session")
def rendered(artifacts):
    """Parsed templates by artifact path (templates/<product>.json, portfolio.json, roles.json)."""
    return {a.path: json.loads(a.data) for a in artifacts if a.path.endswith(".json")}


@pytest.fixture(scope="session")
def product_template(rendered):
    return rendered["templates/build-train-deploy.json"]


@pytest.fixture
def aws_credentials(monkeypatch):
    """Fake credentials first, so nothing can reach a real account (moto's advice)."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)


@pytest.fixture(scope="session")
def role_policies(rendered):
    """Role field ("codebuild", "launch", ...) -> its policy documents as rendered, pseudo-parameters resolved."""
    resources = resolve(rendered["roles.json"], {}).resources()
    return {logical_id.removesuffix("Role").lower(): [p["PolicyDocument"] for p in resource["Properties"]["Policies"]]
            for logical_id, resource in resources.items() if resource["Type"] == "AWS::IAM::Role"}
