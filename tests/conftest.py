import json
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from products import PRODUCTS
from products.analysis import botocore_data
from products.catalog.config import DEFAULT_CONFIG, load_config
from products.functions import cfn_response
from products.analysis.resolve import resolve
from products.render.synth import synthesize

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_PROJECT = {"SageMakerProjectName": "abalone", "SageMakerProjectId": "p-abc123def456"}
CONNECTION = "arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
# What a user fills in, per parameter without a default (besides the project's name and id).
SAMPLE_VALUES = {
    "SourceModelPackageGroupName": "team-models",
    "CodeConnectionArn": CONNECTION,
    "ModelBuildCodeRepositoryFullname": "acme/build",
    "ModelDeployCodeRepositoryFullname": "acme/deploy",
    "ImageBuildCodeRepositoryFullname": "acme/image",
    "ModelBuildGitHubRepository": "acme/abalone-build",
    "ModelDeployGitHubRepository": "acme/abalone-deploy",
    "GitHubTokenSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:sagemaker-github-token-AbCdEf",
}
PRODUCT_TEMPLATES = [f"templates/{name}.json" for name in sorted(PRODUCTS)]
botocore_data.read_once()  # in-process moto and the clients tests make: botocore's models decoded once per worker


def client_as(role_arn: str, service: str, region: str = "us-east-1"):
    """A boto3 client with the credentials STS hands out for ``role_arn``: moto keeps accounts apart by them."""
    import boto3

    credentials = boto3.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="test")["Credentials"]
    return boto3.client(service, region_name=region, aws_access_key_id=credentials["AccessKeyId"],
                        aws_secret_access_key=credentials["SecretAccessKey"], aws_session_token=credentials["SessionToken"])


def published(config, catalog, aws, targets=("servicecatalog",)):
    """Publish as `publish.py publish --yes` does (one Publication), into ``aws``'s region: its region's plan."""
    from products.publishing.publication import Publication

    publication = Publication(config, [aws], catalog, targets, say=lambda *_: None, poll_seconds=0)
    return publication.run(apply=True, ask=lambda question: True).plans[0]


def stubbed(aws, service: str):
    """Replace ``aws``'s client for ``service`` with one under an active botocore Stubber (for APIs moto lacks:
    every request and response is still checked against the real API model)."""
    import boto3
    from botocore.stub import Stubber

    client = boto3.client(service, region_name=aws.region, aws_access_key_id="x", aws_secret_access_key="x")
    aws._clients[service] = client
    stub = Stubber(client)
    stub.activate()
    return stub


def seed_script(repo: str, relative: str):
    """A seed repo's script, loaded by path as ``python <script>`` runs it: its own folder first on sys.path (so
    build.py finds endpoint_types.py beside it). Seed repos are not installed here."""
    import importlib.util
    import sys

    path = REPO_ROOT / "seedcode" / repo / relative
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(f"seed_{repo}_{path.stem}".replace("-", "_"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sample_parameters(template: dict) -> dict:
    """The parameters a user gives this product template for the sample project (KeyError: a new
    required parameter needs a sample value above)."""
    required = [name for name, p in template["Parameters"].items() if "Default" not in p and name not in SAMPLE_PROJECT]
    return {**SAMPLE_PROJECT, **{name: SAMPLE_VALUES[name] for name in required}}


def pytest_collection_modifyitems(items):
    """Slow tests first (a stable sort: the rest keep their order). pytest-xdist hands tests out in this
    order, so the minute-long ones start while the short ones fill in beside them, instead of one of them
    starting last and running alone while the other cores idle."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session", autouse=True)
def ctrl_c_delivered_as_a_terminal_delivers_it():
    """The Ctrl-C tests send real SIGINTs to this process and its children. A shell starts a background
    job (`make test &`, nohup) with SIGINT ignored, and a child inherits "ignored" across exec: publish.py
    would then never see the signal (a prompt test waited forever). A handler, unlike "ignored", is reset
    to the default by exec, so each child starts as it would from a terminal."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield


@pytest.fixture(scope="session")
def config():
    return load_config(DEFAULT_CONFIG, PRODUCTS)


@pytest.fixture(scope="session")
def artifacts(config):
    return synthesize(config)


# Two target accounts, as an admin configures them (publish.target_accounts): what the catalog renders then is
# what a project deploying into other accounts is made from (without them the products have no account parameters).
SAMPLE_TARGET_ACCOUNTS = ("222222222222", "333333333333")


def with_target_accounts(config, accounts=SAMPLE_TARGET_ACCOUNTS):
    from dataclasses import replace

    from products.catalog.config import TargetAccount

    targets = tuple(TargetAccount(a, f"arn:aws:iam::{a}:role/OrganizationAccountAccessRole") for a in accounts)
    return replace(config, publish=replace(config.publish, target_accounts=targets))


@pytest.fixture(scope="session")
def artifacts_with_accounts(config):
    """The catalog as publish renders it for a configuration with ``SAMPLE_TARGET_ACCOUNTS``."""
    return synthesize(with_target_accounts(config))


@pytest.fixture(scope="session")
def rendered_with_accounts(artifacts_with_accounts):
    """``rendered`` for the catalog with ``SAMPLE_TARGET_ACCOUNTS``."""
    return {a.path: json.loads(a.data) for a in artifacts_with_accounts if a.path.endswith(".json")}


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


class Answers(BaseHTTPRequestHandler):
    received: list
    failures_left: int = 0

    def do_PUT(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if Answers.failures_left:
            Answers.failures_left -= 1
            self.send_response(503)
        else:
            Answers.received.append({"headers": dict(self.headers), "body": json.loads(body)})
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def answers(monkeypatch):
    """CloudFormation's answer endpoint, on loopback over plain HTTP: the function's
    https-only rule is relaxed for these tests alone (test_a_non_https_response_url_gets_no_answer
    checks the rule itself)."""
    monkeypatch.setattr(cfn_response, "ALLOWED_RESPONSE_SCHEMES", ("https", "http"))
    Answers.received, Answers.failures_left = [], 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


class Context:
    """A Lambda context with a clock the tests control."""

    def __init__(self, remaining_seconds=900.0):
        self.remaining = remaining_seconds

    def get_remaining_time_in_millis(self):
        return int(self.remaining * 1000)
