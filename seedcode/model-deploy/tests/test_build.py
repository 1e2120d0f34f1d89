"""build.py against moto: which package it picks, what it writes, how it fails."""

import json
import shutil

import boto3
import pytest

import build
from conftest import PROJECT_ARGS, REPO, add_package


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    for name in ("staging-config.json", "prod-config.json"):
        shutil.copy(REPO / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_build(extra=()):
    return build.main(PROJECT_ARGS + list(extra))


def exported(workdir, stage):
    return json.loads((workdir / f"{stage}-config-export.json").read_text())


def test_picks_the_newest_approved_package_ignoring_pending_and_rejected(sagemaker, group, workdir):
    approved = add_package(sagemaker, group, "Approved")
    add_package(sagemaker, group, "PendingManualApproval")
    add_package(sagemaker, group, "Rejected")
    assert run_build() == 0
    assert exported(workdir, "staging")["Parameters"]["ModelPackageName"] == approved
    assert exported(workdir, "prod")["Parameters"]["ModelPackageName"] == approved


def test_approving_a_newer_package_makes_it_the_one(sagemaker, group, workdir):
    add_package(sagemaker, group, "Approved")
    newer = add_package(sagemaker, group, "PendingManualApproval")
    add_package(sagemaker, group, "Rejected")
    sagemaker.update_model_package(ModelPackageArn=newer, ModelApprovalStatus="Approved")
    assert run_build() == 0
    assert exported(workdir, "staging")["Parameters"]["ModelPackageName"] == newer


def test_api_calls_do_not_grow_with_the_group(sagemaker, group, workdir):
    """Newest-first listing, filtered server-side: no per-package calls, one page read."""
    for index in range(150):
        add_package(sagemaker, group, "Approved" if index % 3 == 0 else "Rejected")
    calls = []
    sagemaker.meta.events.register("before-call.sagemaker", lambda model, **_: calls.append(model.name))
    assert build.main(PROJECT_ARGS, sagemaker=sagemaker) == 0
    assert calls == ["DescribeModelPackageGroup", "ListTags", "ListModelPackages"]


def test_configs_carry_project_stage_and_group_tags(sagemaker, group, workdir):
    add_package(sagemaker, group, "Approved")
    assert run_build() == 0
    staging = exported(workdir, "staging")
    assert staging["Tags"] == {
        "sagemaker:project-name": "abalone",
        "sagemaker:project-id": "p-abc123def456",
        "sagemaker:deployment-stage": "staging",
        "cost-center": "ml-research",
    }
    parameters = staging["Parameters"]
    assert parameters["StageName"] == "staging"
    assert parameters["DataCaptureUploadPath"] == "s3://sagemaker-project-p-abc123def456/datacapture/staging"
    assert parameters["AsyncInferencePath"] == "s3://sagemaker-project-p-abc123def456/async-inference/staging"
    assert all(isinstance(value, str) for value in parameters.values())
    assert parameters["EndpointType"] == "serverless" and parameters["ServerlessMemorySizeInMB"] == "2048"
    assert exported(workdir, "prod")["Parameters"]["EnableAutoScaling"] == "true"


def test_prod_differs_from_staging_only_where_the_stage_files_say(sagemaker, group, workdir):
    add_package(sagemaker, group, "Approved")
    assert run_build() == 0
    staging, prod = exported(workdir, "staging"), exported(workdir, "prod")
    team_staging = json.loads((REPO / "staging-config.json").read_text())["Parameters"]
    team_prod = json.loads((REPO / "prod-config.json").read_text())["Parameters"]
    expected = ({k for k in team_staging.keys() | team_prod.keys() if team_staging.get(k) != team_prod.get(k)}
                | {"StageName", "DataCaptureUploadPath", "AsyncInferencePath"})
    names = staging["Parameters"].keys() | prod["Parameters"].keys()
    differing = {k for k in names if staging["Parameters"].get(k) != prod["Parameters"].get(k)}
    assert differing == expected
    assert {k for k in staging["Tags"] if staging["Tags"][k] != prod["Tags"][k]} == {"sagemaker:deployment-stage"}


def test_empty_group_fails_with_one_line_and_writes_nothing(sagemaker, group, workdir, capsys):
    add_package(sagemaker, group, "PendingManualApproval")
    add_package(sagemaker, group, "Rejected")
    assert run_build() == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and f"group {group} has no Approved package" in error
    assert not list(workdir.glob("*-export.json"))


def test_unknown_group_fails_clearly(sagemaker, workdir, capsys):
    assert run_build() == 1
    assert "does not exist in this account and region" in capsys.readouterr().err
    assert not list(workdir.glob("*-export.json"))


def _set(section, **values):
    return lambda config: config[section].update(values)


@pytest.mark.parametrize(
    "broken, message",
    [
        ("{not json", "not valid JSON"),
        ('{"Parameters": {}, "Extra": 1}', "expected an object with the keys Parameters and Tags"),
        (_set("Parameters", EndpointInstanceCount=0), "Parameters.EndpointInstanceCount: expected a whole number of at least 1, got 0"),
        (_set("Parameters", EnableAutoScaling="yes"), "Parameters.EnableAutoScaling: expected true or false"),
        (_set("Parameters", Colour="blue"), "Parameters.Colour: unknown"),
        (_set("Parameters", MinCapacity=3, MaxCapacity=2), "Parameters.MaxCapacity: expected at least MinCapacity (3)"),
        (_set("Tags", **{"aws:owner": "me"}), "Tags.aws:owner: expected a key"),
    ],
    ids=["json", "keys", "count", "bool", "unknown", "capacity", "reserved-tag"],
)
def test_malformed_stage_config_fails_and_writes_nothing(sagemaker, group, workdir, capsys, broken, message):
    add_package(sagemaker, group, "Approved")
    if isinstance(broken, str):
        text = broken
    else:
        config = json.loads((REPO / "prod-config.json").read_text())
        broken(config)
        text = json.dumps(config)
    (workdir / "prod-config.json").write_text(text)
    assert run_build() == 1
    error = capsys.readouterr().err
    assert "prod-config.json" in error and message in error, error
    assert not list(workdir.glob("*-export.json"))


def _break_prod_config(workdir):
    config = json.loads((REPO / "prod-config.json").read_text())
    _set("Parameters", EndpointInstanceCount=0)(config)
    (workdir / "prod-config.json").write_text(json.dumps(config))


def test_check_validates_the_stage_files_offline(workdir, monkeypatch, capsys):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(key, raising=False)
    assert build.main(["--check"]) == 0
    assert "valid" in capsys.readouterr().out
    _break_prod_config(workdir)
    assert build.main(["--check"]) == 1
    assert "Parameters.EndpointInstanceCount: expected a whole number of at least 1" in capsys.readouterr().err
    assert not (workdir / "staging-config-export.json").exists()


def test_the_stage_files_are_checked_before_any_aws_client_is_made(workdir, monkeypatch, capsys):
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    _break_prod_config(workdir)
    assert build.main(PROJECT_ARGS) == 1  # the file's error, not NoRegionError
    assert "EndpointInstanceCount" in capsys.readouterr().err


@pytest.mark.parametrize("unset, message", [
    (("AWS_DEFAULT_REGION",), "You must specify a region"),
    (("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"), "Unable to locate credentials"),
])
def test_missing_aws_configuration_is_one_line_with_what_to_do(workdir, monkeypatch, capsys, unset, message):
    for key in unset:
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # no session (and credentials) cached by earlier tests
    assert build.main(PROJECT_ARGS) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and "--check" in err


def test_without_project_arguments_it_says_which_and_offers_check(workdir, capsys):
    with pytest.raises(SystemExit) as exited:
        build.main([])
    assert exited.value.code == 2
    assert "--model-package-group-name" in capsys.readouterr().err


def _stage_file(workdir, stage: str, parameters: dict):
    (workdir / f"{stage}-config.json").write_text(json.dumps({"Parameters": parameters, "Tags": {}}))


SERVERLESS = {"EndpointType": "serverless", "ServerlessMemorySizeInMB": 2048, "ServerlessMaxConcurrency": 5}
REALTIME = json.loads((REPO / "prod-config.json").read_text())["Parameters"]
ASYNC = {**{k: v for k, v in REALTIME.items() if k != "TargetInvocationsPerInstance"},
         "EndpointType": "async", "TargetBacklogPerInstance": 5, "MinCapacity": 0}


@pytest.mark.parametrize("parameters, message", [
    ({**SERVERLESS, "SamplingPercentage": 10}, "SamplingPercentage: not for a serverless endpoint: AWS excludes data "
                                               "capture from serverless endpoints"),
    ({**SERVERLESS, "EndpointInstanceType": "ml.g5.xlarge"}, "EndpointInstanceType: not for a serverless endpoint: "
                                                              "serverless endpoints have no instances"),
    ({**SERVERLESS, "EnableAutoScaling": True}, "EnableAutoScaling: not for a serverless endpoint"),
    ({**SERVERLESS, "EnableDeploymentGuardrail": False}, "EnableDeploymentGuardrail: not for a serverless endpoint: "
                                                          "this repo deploys serverless endpoints without the canary"),
    ({**SERVERLESS, "ServerlessMemorySizeInMB": 1500}, "ServerlessMemorySizeInMB: expected one of 1024, 2048"),
    ({**SERVERLESS, "ServerlessMaxConcurrency": 201}, "ServerlessMaxConcurrency: expected a whole number from 1 to 200"),
    ({"EndpointType": "serverless", "ServerlessMemorySizeInMB": 2048}, "ServerlessMaxConcurrency: missing for a "
                                                                       "serverless endpoint"),
    ({**REALTIME, "ServerlessMaxConcurrency": 5}, "ServerlessMaxConcurrency: not for a realtime endpoint: it applies "
                                                   "to serverless endpoints"),
    ({**REALTIME, "MinCapacity": 0}, "MinCapacity: expected a whole number of at least 1 (0 for an async endpoint)"),
    ({**ASYNC, "MinCapacity": False}, "MinCapacity: expected a whole number of at least 1 (0 for an async endpoint)"),
    ({**ASYNC, "MinCapacity": 0.0}, "MinCapacity: expected a whole number of at least 1 (0 for an async endpoint)"),
    ({**ASYNC, "TargetInvocationsPerInstance": 100}, "TargetInvocationsPerInstance: not for a async endpoint: it "
                                                      "applies to realtime endpoints"),
    ({**REALTIME, "EndpointType": "batch"}, "EndpointType: expected one of realtime, serverless, async, got 'batch'"),
], ids=["capture", "instances", "autoscaling", "guardrail", "memory", "concurrency", "missing", "realtime-serverless",
        "zero", "zero-false", "zero-float", "async-target", "type"])
def test_a_stage_asking_for_what_its_endpoint_type_excludes_is_refused_before_any_aws_call(
        workdir, monkeypatch, capsys, parameters, message):
    monkeypatch.delenv("AWS_DEFAULT_REGION")  # any AWS client would fail first, with another message
    _stage_file(workdir, "staging", parameters)
    assert build.main(PROJECT_ARGS) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "staging-config.json (staging stage): Parameters." + message.split(":")[0] in error
    assert message in error, error
    assert not list(workdir.glob("*-export.json"))


def test_each_endpoint_type_is_written_with_what_it_takes(sagemaker, group, workdir):
    add_package(sagemaker, group, "Approved")
    _stage_file(workdir, "staging", ASYNC)
    legacy = {k: v for k, v in REALTIME.items() if k != "EndpointType"}  # a file from before endpoint types
    _stage_file(workdir, "prod", legacy)
    assert run_build() == 0
    staging, prod = exported(workdir, "staging")["Parameters"], exported(workdir, "prod")["Parameters"]
    assert (staging["EndpointType"], staging["MinCapacity"], staging["TargetBacklogPerInstance"]) == ("async", "0", "5")
    assert prod["EndpointType"] == "realtime" and "ServerlessMemorySizeInMB" not in prod
