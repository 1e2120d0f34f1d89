"""deploy_stage.py: a stage's stack created, updated, left alone, and recreated after a failed first deployment,
from the configuration build.py writes (what the GitHub deploy workflow runs; moto's CloudFormation)."""

import json
import shutil

import boto3
import pytest

import build
import deploy_stage
from conftest import PROJECT_ARGS, REPO, add_package

STACK = "sagemaker-abalone-p-abc123def456-deploy-staging"
ROLE = "arn:aws:iam::123456789012:role/service-role/AmazonSageMakerServiceCatalogProductsCloudformationRole"


@pytest.fixture
def config(sagemaker, group, tmp_path, monkeypatch):
    for name in ("staging-config.json", "prod-config.json"):
        shutil.copy(REPO / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    add_package(sagemaker, group, "Approved")
    assert build.main(PROJECT_ARGS) == 0
    return tmp_path / "staging-config-export.json"


def _status(stack=STACK):
    return boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]


def test_the_first_run_creates_the_stack_with_the_configuration(config, capsys):
    assert deploy_stage.main(["--stack-name", STACK, "--config", str(config), "--role-arn", ROLE]) == 0
    stack = _status()
    assert stack["StackStatus"] == "CREATE_COMPLETE" and stack["RoleARN"] == ROLE
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    expected = json.loads(config.read_text())
    assert parameters["EndpointType"] == expected["Parameters"]["EndpointType"] == "serverless"
    assert {t["Key"]: t["Value"] for t in stack["Tags"]} == expected["Tags"]
    assert f"{STACK}: created" in capsys.readouterr().out


def test_a_later_run_updates_it(config):
    cloudformation = boto3.client("cloudformation")
    assert deploy_stage.deploy(cloudformation, STACK, json.loads(config.read_text()), ROLE, wait_seconds=0) == "created"
    changed = json.loads(config.read_text())
    changed["Parameters"]["ServerlessMaxConcurrency"] = "7"
    assert deploy_stage.deploy(cloudformation, STACK, changed, ROLE, wait_seconds=0) == "updated"
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in _status()["Parameters"]}
    assert parameters["ServerlessMaxConcurrency"] == "7"


def test_a_missing_configuration_is_one_line(aws, tmp_path, capsys):
    assert deploy_stage.main(["--stack-name", STACK, "--config", str(tmp_path / "none.json"), "--role-arn", ROLE]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "none.json" in error


def test_a_change_set_an_earlier_run_left_is_deleted_before_the_next_is_created(config):
    """A failed or interrupted run leaves its change set, and CloudFormation refuses a second one of that name
    (CreateChangeSet: AlreadyExistsException). moto accepts the duplicate, so the calls are checked instead: the
    leftover goes before the new one is created."""
    cloudformation = boto3.client("cloudformation")
    configuration = json.loads(config.read_text())
    deploy_stage.deploy(cloudformation, STACK, configuration, ROLE, wait_seconds=0)
    cloudformation.create_change_set(**deploy_stage.change_set_request(STACK, configuration, ROLE, "UPDATE"))
    calls = []
    cloudformation.meta.events.register("before-call.cloudformation.*",
                                        lambda model, **_: calls.append(model.name))
    configuration["Parameters"]["ServerlessMaxConcurrency"] = "3"
    assert deploy_stage.deploy(cloudformation, STACK, configuration, ROLE, wait_seconds=0) == "updated"
    assert calls.index("DeleteChangeSet") < calls.index("CreateChangeSet")
