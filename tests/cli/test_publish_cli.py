"""publish.py as a separate process against moto_server on 127.0.0.1, inspected with boto3."""

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from products.blocks.build_contract import SEED_REPOS
from products import PRODUCTS
from products.local_aws.emulator import moto_server

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def endpoint():
    with moto_server() as url:
        yield url


def run(endpoint, *args, stdin=None):
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    env.pop("AWS_PROFILE", None)
    return subprocess.run([sys.executable, "publish.py", *args, "--poll-seconds", "0"], cwd=REPO_ROOT,
                          capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)


def test_publish_as_a_process_then_inspect_and_republish(endpoint):
    unconfirmed = run(endpoint, "publish")
    assert unconfirmed.returncode == 3, unconfirmed.stderr
    assert "re-run with --yes" in unconfirmed.stdout

    published = run(endpoint, "publish", "--yes", "--output", "json")
    assert published.returncode == 0, published.stderr
    result = json.loads(published.stdout)
    (region,) = result["regions"]
    assert [s["action"] for s in region["stacks"]] == ["created", "created"]

    cfn = boto3.client("cloudformation", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    statuses = {s["StackName"]: s["StackStatus"] for s in cfn.describe_stacks()["Stacks"]}
    assert statuses == {"sagemaker-catalog-roles": "CREATE_COMPLETE", "sagemaker-catalog-portfolio": "CREATE_COMPLETE"}
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=region["bucket"])["Contents"]]
    assert len(keys) == len(SEED_REPOS) + len(PRODUCTS)  # the seed zips, the product templates

    again = run(endpoint, "publish", "--yes")
    assert again.returncode == 0 and "us-east-1: up to date" in again.stdout and "(0 writes)" in again.stdout

    plan = run(endpoint, "plan", "--output", "json")
    assert plan.returncode == 0 and json.loads(plan.stdout)["regions"][0]["up_to_date"]


def test_bad_config_fails_with_one_line_and_exit_2(endpoint, tmp_path):
    config = tmp_path / "catalog.yaml"
    config.write_text((REPO_ROOT / "catalog.yaml").read_text().replace("keep_versions: 2", "keep_versions: -1"))
    bad = run(endpoint, "publish", "--yes", "--config", str(config))
    assert bad.returncode == 2 and "publish.keep_versions: expected a whole number" in bad.stderr
