"""The seed check-in custom resource answers CloudFormation exactly once, whatever happens.

CodeBuild is a botocore ``Stubber`` on a real client, not moto: moto's builds do not
move through IN_PROGRESS to a chosen end state, and the stub still checks every
request against the real CodeBuild API model. Answers go to a real HTTP server on
loopback, the way CloudFormation's pre-signed ResponseURL receives them.
"""


import boto3
import pytest
from botocore.stub import Stubber

from products.blocks import build_contract as contract
from products.functions import cfn_response, seed_checkin
from products.functions.seed_checkin import handler
from tests.conftest import Answers, Context

CONNECTION = "arn:aws:codeconnections:eu-west-1:123456789012:connection/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
PROPERTIES = {
    "ServiceToken": "arn:aws:lambda:eu-west-1:123456789012:function:sagemaker-abalone-p-abc123def456-seed",
    "BuildProjectName": "sagemaker-abalone-p-abc123def456-seed",
    "ConnectionArn": CONNECTION,
    "RepositoryFullName": "acme/abalone-model-build",
    "Branch": "main",
    "SeedCodeBucket": "sagemaker-catalog-123456789012-eu-west-1",
    "SeedCodeKey": "seedcode/model-build/0123456789abcdef.zip",
}
EXPECTED_URL = (
    "https://codeconnections.eu-west-1.amazonaws.com/git-http/123456789012/eu-west-1/"
    "0a1b2c3d-4e5f-6789-abcd-ef0123456789/acme/abalone-model-build.git"
)
BUILD_ID = "sagemaker-abalone-p-abc123def456-seed:1f2e3d4c-0000-1111-2222-333344445555"


def _event(server, request="Create", properties=PROPERTIES, **extra):
    event = {
        "RequestType": request,
        "ResponseURL": f"http://127.0.0.1:{server.server_port}/answer?X-Amz-Signature=abc",
        "StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/SC-123456789012-pp-abc/1234",
        "RequestId": "d4e5f6",
        "ResourceType": "Custom::SeedCheckin",
        "LogicalResourceId": "ModelBuildSeedCheckin",
        "ResourceProperties": dict(properties),
    }
    event.update(extra)
    return event


@pytest.fixture
def codebuild():
    client = boto3.client(
        "codebuild", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _build(status, **extra):
    return {"id": BUILD_ID, "buildStatus": status, **extra}


def _start(stubber, status="IN_PROGRESS", properties=PROPERTIES):
    overrides = {
        "GIT_BRANCH": properties["Branch"],
        "GIT_REPOSITORY_URL": seed_checkin.git_url(properties["ConnectionArn"], properties["RepositoryFullName"]),
        "SEED_CODE_URI": f"s3://{properties['SeedCodeBucket']}/{properties['SeedCodeKey']}",
    }
    stubber.add_response(
        "start_build",
        {"build": _build(status)},
        {
            "projectName": properties["BuildProjectName"],
            "environmentVariablesOverride": [
                {"name": k, "value": v, "type": "PLAINTEXT"} for k, v in sorted(overrides.items())
            ],
        },
    )


def _run(server, event, client, context=None, sleeps=None):
    sleeps = [] if sleeps is None else sleeps

    def sleep(seconds):
        sleeps.append(seconds)
        if context is not None:
            context.remaining -= seconds

    handler(event, context or Context(), codebuild=client, sleep=sleep)
    assert len(Answers.received) == 1, "exactly one answer per request"
    return Answers.received[0]


def test_create_pushes_and_answers_success_with_the_url_and_result(answers, codebuild):
    client, stubber = codebuild
    _start(stubber)
    stubber.add_response("batch_get_builds", {"builds": [_build("IN_PROGRESS")]}, {"ids": [BUILD_ID]})
    exported = [{"name": "SEED_RESULT", "value": "pushed"}]
    stubber.add_response(
        "batch_get_builds", {"builds": [_build("SUCCEEDED", exportedEnvironmentVariables=exported)]}, {"ids": [BUILD_ID]}
    )
    sleeps = []
    answer = _run(answers, _event(answers), client, sleeps=sleeps)
    body = answer["body"]
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == "acme/abalone-model-build@main"
    assert body["Data"] == {"RepositoryUrl": EXPECTED_URL, "SeedResult": "pushed", "BuildId": BUILD_ID}
    assert {k: body[k] for k in ("StackId", "RequestId", "LogicalResourceId")} == {
        "StackId": _event(answers)["StackId"], "RequestId": "d4e5f6", "LogicalResourceId": "ModelBuildSeedCheckin",
    }
    # The URL is pre-signed without a content type: sending one would break the signature.
    assert answer["headers"].get("Content-Type", "") == ""
    assert sleeps == [seed_checkin.POLL_SECONDS] * 2


def test_failed_build_answers_failed_with_phase_message_and_log(answers, codebuild):
    client, stubber = codebuild
    _start(stubber)
    failed = _build(
        "FAILED",
        phases=[
            {"phaseType": "SUBMITTED", "phaseStatus": "SUCCEEDED"},
            {"phaseType": "BUILD", "phaseStatus": "FAILED",
             "contexts": [{"statusCode": "COMMAND_EXECUTION_ERROR",
                           "message": "Error while executing command: exit status 128"}]},
        ],
        logs={"deepLink": "https://console.aws.amazon.com/cloudwatch/home#logEvent:group=/aws/codebuild/x"},
    )
    stubber.add_response("batch_get_builds", {"builds": [failed]}, {"ids": [BUILD_ID]})
    body = _run(answers, _event(answers), client)["body"]
    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(f"seed check-in build {BUILD_ID} FAILED in BUILD: Error while executing command")
    assert "(log: https://console.aws.amazon.com/cloudwatch/" in body["Reason"]


def test_a_build_that_outlives_the_function_is_stopped_and_reported(answers, codebuild):
    client, stubber = codebuild
    _start(stubber)
    polls = 3
    for _ in range(polls):
        stubber.add_response("batch_get_builds", {"builds": [_build("IN_PROGRESS")]}, {"ids": [BUILD_ID]})
    stubber.add_response("stop_build", {"build": _build("STOPPED")}, {"id": BUILD_ID})
    budget = seed_checkin.ANSWER_MARGIN_SECONDS + seed_checkin.POLL_SECONDS * (polls + 1) - 1
    body = _run(answers, _event(answers), client, context=Context(budget))["body"]
    assert body["Status"] == "FAILED"
    assert body["Reason"] == f"seed check-in build {BUILD_ID} did not finish in time and was stopped"


def test_aws_errors_become_failed_answers_with_the_error(answers, codebuild):
    client, stubber = codebuild
    stubber.add_client_error("start_build", "AccessDeniedException", "not authorized to perform codebuild:StartBuild")
    body = _run(answers, _event(answers), client)["body"]
    assert body["Status"] == "FAILED"
    assert "AccessDeniedException" in body["Reason"] and "codebuild:StartBuild" in body["Reason"]
    assert body["PhysicalResourceId"] == "acme/abalone-model-build@main"


@pytest.mark.parametrize("failing_call", ["start_build", "batch_get_builds"])
def test_an_error_at_any_call_still_answers_once(answers, codebuild, failing_call):
    client, stubber = codebuild
    if failing_call == "start_build":
        stubber.add_client_error("start_build", "ThrottlingException", "Rate exceeded")
    else:
        _start(stubber)
        stubber.add_client_error("batch_get_builds", "InternalFailure", "boom", http_status_code=500)
    assert _run(answers, _event(answers), client)["body"]["Status"] == "FAILED"


def test_missing_properties_are_named(answers, codebuild):
    client, _ = codebuild
    properties = {k: v for k, v in PROPERTIES.items() if k not in ("ConnectionArn", "Branch")}
    body = _run(answers, _event(answers, properties=properties), client)["body"]
    assert body["Status"] == "FAILED"
    assert body["Reason"] == "missing resource properties: ConnectionArn, Branch"


def test_delete_succeeds_without_touching_anything(answers, codebuild):
    client, _ = codebuild  # no stubbed responses: any CodeBuild call would fail the test
    event = _event(answers, "Delete", PhysicalResourceId="acme/abalone-model-build@main")
    body = _run(answers, event, client)["body"]
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == "acme/abalone-model-build@main"


def test_delete_succeeds_even_with_a_broken_event(answers, codebuild):
    client, _ = codebuild
    event = _event(answers, "Delete", properties={}, PhysicalResourceId="whatever")
    assert _run(answers, event, client)["body"]["Status"] == "SUCCESS"


def test_update_with_the_same_repository_does_nothing(answers, codebuild):
    client, _ = codebuild
    event = _event(
        answers, "Update", PhysicalResourceId="acme/abalone-model-build@main",
        OldResourceProperties={**PROPERTIES, "BuildProjectName": "renamed"},
    )
    body = _run(answers, event, client)["body"]
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", "acme/abalone-model-build@main")


def test_update_to_another_repository_checks_that_one_in(answers, codebuild):
    client, stubber = codebuild
    new = {**PROPERTIES, "RepositoryFullName": "acme/other"}
    _start(stubber, "SUCCEEDED", properties=new)
    event = _event(answers, "Update", properties=new, PhysicalResourceId="acme/abalone-model-build@main",
                   OldResourceProperties=PROPERTIES)
    body = _run(answers, event, client)["body"]
    # A new physical id: CloudFormation then deletes the old one, which is answered without touching it.
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", "acme/other@main")
    assert body["Data"]["SeedResult"] == "unknown"  # the build exported nothing


def test_unknown_request_type_fails(answers, codebuild):
    client, _ = codebuild
    body = _run(answers, _event(answers, "Upsert"), client)["body"]
    assert (body["Status"], body["Reason"]) == ("FAILED", "unknown RequestType 'Upsert'")


def test_long_reasons_are_cut_to_the_limit(answers, codebuild):
    client, stubber = codebuild
    stubber.add_client_error("start_build", "InvalidInputException", "x" * 5000)
    body = _run(answers, _event(answers), client)["body"]
    assert len(body["Reason"]) == cfn_response.REASON_LIMIT


def test_the_answer_is_retried_when_the_response_url_fails(answers):
    Answers.failures_left = 1
    pauses = []
    seed_checkin.send_response(_event(answers), "SUCCESS", "id", {}, "", pause=pauses.append)
    assert len(Answers.received) == 1 and pauses == [2]


def test_an_answer_that_cannot_be_delivered_raises_after_the_retries(answers):
    Answers.failures_left = 3
    with pytest.raises(OSError):
        seed_checkin.send_response(_event(answers), "SUCCESS", "id", {}, "", pause=lambda _: None)
    assert Answers.received == []


@pytest.mark.parametrize("service", ["codeconnections", "codestar-connections"])
def test_git_url_for_both_connection_arn_prefixes(service):
    arn = CONNECTION.replace("codeconnections", service)
    assert seed_checkin.git_url(arn, "group/sub/repo") == (
        f"https://{service}.eu-west-1.amazonaws.com/git-http/123456789012/eu-west-1/"
        "0a1b2c3d-4e5f-6789-abcd-ef0123456789/group/sub/repo.git"
    )


def test_git_url_rejects_other_arns():
    with pytest.raises(seed_checkin.CheckinError, match="not a CodeConnections connection ARN"):
        seed_checkin.git_url("arn:aws:iam::123456789012:role/x", "a/b")


def test_the_function_overrides_exactly_the_variables_of_the_build_contract():
    source = open(seed_checkin.__file__).read()
    for name in (contract.ENV_GIT_REPOSITORY_URL, contract.ENV_GIT_BRANCH, contract.ENV_SEED_CODE_URI):
        assert f'"{name}"' in source


def test_a_non_https_response_url_gets_no_answer(answers, monkeypatch):
    monkeypatch.setattr(cfn_response, "ALLOWED_RESPONSE_SCHEMES", ("https",))
    with pytest.raises(ValueError, match="refusing to answer a http ResponseURL"):
        seed_checkin.send_response(_event(answers), "SUCCESS", "id", {}, "", pause=lambda _: None)
    assert Answers.received == []
