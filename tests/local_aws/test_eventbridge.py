"""EventBridge in the local AWS (products/local_aws/eventbridge_delivery.py, service_events.py, codecommit_commits.py):
services send their own events, and the rules a stack created start their targets, as the target's role or the
function's resource policy allows. Nobody routes an event by hand here.

The templates are small (a repository, a build and a pipeline; a rule; a function) so that each runs in seconds, with
the catalog's own roles; the products' rules run in the project tests.
"""

import json
import time

import pytest
from botocore.exceptions import ClientError

from tests.local_aws.codepipeline_waits import creation_run_ended, executions, settled
from tests.local_aws.conftest import ACCOUNT, REGION

ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMakerServiceCatalogProducts{{}}Role"
PIPELINE, REPOSITORY, BUCKET = "sagemaker-events-tests", "sagemaker-events-tests-repo", "sagemaker-project-events-tests"
PIPELINE_ARN = f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:{PIPELINE}"


def _push_rule(target: dict) -> dict:
    return {"Type": "AWS::Events::Rule", "Properties": {
        "Name": "sagemaker-events-tests-push", "State": "ENABLED",
        "EventPattern": {"source": ["aws.codecommit"], "detail-type": ["CodeCommit Repository State Change"],
                         "resources": [{"Fn::GetAtt": ["Repository", "Arn"]}],
                         "detail": {"event": ["referenceCreated", "referenceUpdated"], "referenceType": ["branch"],
                                    "referenceName": ["main"]}},
        "Targets": [target]}}


def template(target: dict | None = None) -> dict:
    """A repository whose pushes to main start a pipeline that builds its files."""
    target = target if target is not None else {"Id": "Pipeline", "Arn": PIPELINE_ARN, "RoleArn": ROLE.format("Events")}
    return {"Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": BUCKET}},
        "Repository": {"Type": "AWS::CodeCommit::Repository", "Properties": {"RepositoryName": REPOSITORY}},
        "Build": {"Type": "AWS::CodeBuild::Project", "Properties": {
            "Name": "sagemaker-events-tests-build", "ServiceRole": ROLE.format("CodeBuild"),
            "Source": {"Type": "CODEPIPELINE", "BuildSpec": "version: 0.2\nphases:\n  build:\n    commands:\n"
                                                            "      - cat train.py\n"},
            "Artifacts": {"Type": "CODEPIPELINE"},
            "Environment": {"Type": "LINUX_CONTAINER", "ComputeType": "BUILD_GENERAL1_SMALL",
                            "Image": "aws/codebuild/standard:7.0"}}},
        "Pipeline": {"Type": "AWS::CodePipeline::Pipeline", "DependsOn": ["Bucket"], "Properties": {
            "Name": PIPELINE, "RoleArn": ROLE.format("CodePipeline"), "PipelineType": "V2",
            "ArtifactStore": {"Type": "S3", "Location": BUCKET},
            "Stages": [
                {"Name": "Source", "Actions": [{
                    "Name": "Source", "ActionTypeId": {"Category": "Source", "Owner": "AWS", "Provider": "CodeCommit",
                                                       "Version": "1"},
                    "OutputArtifacts": [{"Name": "SourceArtifact"}],
                    "Configuration": {"RepositoryName": REPOSITORY, "BranchName": "main", "PollForSourceChanges": False}}]},
                {"Name": "Build", "Actions": [{
                    "Name": "Build", "ActionTypeId": {"Category": "Build", "Owner": "AWS", "Provider": "CodeBuild",
                                                      "Version": "1"},
                    "InputArtifacts": [{"Name": "SourceArtifact"}], "Configuration": {"ProjectName": {"Ref": "Build"}}}]},
            ]}},
        "PushRule": _push_rule(target),
    }}


def _create(local_aws, body: dict) -> dict:
    """The stack; once created, the run its pipeline's creation started has ended before anything is pushed."""
    cfn = local_aws("cloudformation")
    cfn.create_stack(StackName="events", TemplateBody=json.dumps(body))
    stack = cfn.describe_stacks(StackName="events")["Stacks"][0]
    if "Pipeline" in body["Resources"] and stack["StackStatus"] == "CREATE_COMPLETE":
        creation_run_ended(local_aws("codepipeline"), PIPELINE)
    return stack


def _push(codecommit, files: dict[str, str], parent: str | None = None) -> str:
    return codecommit.create_commit(repositoryName=REPOSITORY, branchName="main", commitMessage="train", authorName="ds",
                                    putFiles=[{"filePath": p, "fileContent": c.encode()} for p, c in files.items()],
                                    **({"parentCommitId": parent} if parent else {}))["commitId"]


def _failed_deliveries(local_aws, rule: str, deadline_seconds: float = 30) -> int:
    """The rule's FailedInvocations, once it has any."""
    give_up = time.monotonic() + deadline_seconds
    while time.monotonic() < give_up:
        datapoints = local_aws("cloudwatch").get_metric_statistics(
            Namespace="AWS/Events", MetricName="FailedInvocations", Dimensions=[{"Name": "RuleName", "Value": rule}],
            StartTime=time.time() - 3600, EndTime=time.time() + 3600, Period=60, Statistics=["Sum"])["Datapoints"]
        if datapoints:
            return int(sum(d["Sum"] for d in datapoints))
        time.sleep(0.1)
    return 0


def test_a_push_starts_the_pipeline_through_the_rule_and_it_builds_the_pushed_files(local_aws):
    assert _create(local_aws, template())["StackStatus"] == "CREATE_COMPLETE"
    codecommit, codepipeline = local_aws("codecommit"), local_aws("codepipeline")
    first = _push(codecommit, {"train.py": "print('first')\n"})
    started, created = executions(codepipeline, PIPELINE, 2)  # newest first
    assert created["trigger"]["triggerType"] == "CreatePipeline"  # before the push: no branch to read
    assert "branch main does not exist" in settled(codepipeline, PIPELINE, created["pipelineExecutionId"])["statusSummary"]
    assert started["trigger"] == {"triggerType": "CloudWatchEvent",
                                  "triggerDetail": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/sagemaker-events-tests-push"}
    execution = settled(codepipeline, PIPELINE, started["pipelineExecutionId"])
    assert execution["status"] == "Succeeded", execution["statusSummary"]

    with pytest.raises(ClientError, match="ParentCommitIdRequiredException"):
        _push(codecommit, {"train.py": "print('second')\n"})
    assert codecommit.get_branch(repositoryName=REPOSITORY, branchName="main")["branch"]["commitId"] == first
    second = _push(codecommit, {"train.py": "print('second')\n"}, parent=first)
    newest = executions(codepipeline, PIPELINE, 3)[0]
    assert settled(codepipeline, PIPELINE, newest["pipelineExecutionId"])["status"] == "Succeeded"
    newest = executions(codepipeline, PIPELINE, 3)[0]  # read again: the source's revision is known once it has run
    assert [r["revisionId"] for r in newest["sourceRevisions"]] == [second]
    build = next(d for d in codepipeline.list_action_executions(
        pipelineName=PIPELINE, filter={"pipelineExecutionId": newest["pipelineExecutionId"]})["actionExecutionDetails"]
        if d["actionName"] == "Build")
    assert build["status"] == "Succeeded"


def test_a_pipeline_target_without_a_role_fails_the_stack_as_put_targets_refuses_it(local_aws):
    """Issue 24's check "a rule target's role removed": EventBridge's PutTargets refuses it, so CloudFormation
    fails the rule and rolls the stack back."""
    stack = _create(local_aws, template({"Id": "Pipeline", "Arn": PIPELINE_ARN}))
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    reasons = [e.get("ResourceStatusReason", "") for e in local_aws("cloudformation").describe_stack_events(
        StackName=stack["StackId"])["StackEvents"] if e["LogicalResourceId"] == "PushRule"]
    assert any(f"RoleArn is required for target {PIPELINE_ARN}." in r for r in reasons), reasons


def test_a_target_role_that_may_not_start_the_pipeline_is_a_failed_invocation_and_starts_nothing(local_aws):
    """The CodeBuild role trusts codebuild.amazonaws.com, not EventBridge: the delivery fails, as the rule's
    FailedInvocations metric shows in AWS."""
    body = template({"Id": "Pipeline", "Arn": PIPELINE_ARN, "RoleArn": ROLE.format("CodeBuild")})
    assert _create(local_aws, body)["StackStatus"] == "CREATE_COMPLETE"
    _push(local_aws("codecommit"), {"train.py": "print('first')\n"})
    assert _failed_deliveries(local_aws, "sagemaker-events-tests-push") == 1
    runs = local_aws("codepipeline").list_pipeline_executions(pipelineName=PIPELINE)["pipelineExecutionSummaries"]
    assert [e["trigger"]["triggerType"] for e in runs] == ["CreatePipeline"]  # the push started none


RECORDER = '''
import json
def handler(event, context):
    print("EVENT " + json.dumps(event))
'''


def _function_template(permission_source: dict) -> dict:
    """An approval rule whose target is a function that logs the event it gets."""
    return {"Resources": {
        "Group": {"Type": "AWS::SageMaker::ModelPackageGroup", "Properties": {"ModelPackageGroupName": "events-tests"}},
        "Function": {"Type": "AWS::Lambda::Function", "Properties": {
            "FunctionName": "sagemaker-events-tests", "Runtime": "python3.12", "Handler": "index.handler",
            "Role": ROLE.format("Lambda"), "Code": {"ZipFile": RECORDER}, "Timeout": 30}},
        "ApprovalRule": {"Type": "AWS::Events::Rule", "Properties": {
            "Name": "sagemaker-events-tests-approval", "State": "ENABLED",
            "EventPattern": {"source": ["aws.sagemaker"], "detail-type": ["SageMaker Model Package State Change"],
                             "detail": {"ModelPackageGroupName": ["events-tests"],
                                        "ModelApprovalStatus": [{"anything-but": ["PendingManualApproval"]}]}},
            "Targets": [{"Id": "Function", "Arn": {"Fn::GetAtt": ["Function", "Arn"]}}]}},
        "Permission": {"Type": "AWS::Lambda::Permission", "Properties": {
            "FunctionName": {"Ref": "Function"}, "Action": "lambda:InvokeFunction",
            "Principal": "events.amazonaws.com", "SourceArn": permission_source}},
    }}


def _register_and_approve(local_aws) -> str:
    sagemaker = local_aws("sagemaker")
    arn = sagemaker.create_model_package(
        ModelPackageGroupName="events-tests", ModelApprovalStatus="PendingManualApproval",
        InferenceSpecification={"Containers": [{"Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"}],
                                "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
    )["ModelPackageArn"]
    sagemaker.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")
    return arn


def test_approving_a_model_package_sends_sagemakers_event_and_the_rule_runs_the_function(local_aws):
    body = _function_template({"Fn::GetAtt": ["ApprovalRule", "Arn"]})
    assert _create(local_aws, body)["StackStatus"] == "CREATE_COMPLETE"
    arn = _register_and_approve(local_aws)
    (event,) = _logged_events(local_aws, deadline_seconds=60)
    assert (event["source"], event["detail-type"]) == ("aws.sagemaker", "SageMaker Model Package State Change")
    assert event["detail"]["ModelPackageArn"] == arn and event["detail"]["ModelApprovalStatus"] == "Approved"
    assert event["resources"] == [arn] and event["time"].endswith("Z") and "ingestion-time" not in event


def test_a_function_whose_permission_names_another_rule_is_not_invoked(local_aws):
    body = _function_template(f"arn:aws:events:{REGION}:{ACCOUNT}:rule/another-rule")
    assert _create(local_aws, body)["StackStatus"] == "CREATE_COMPLETE"
    _register_and_approve(local_aws)
    assert _failed_deliveries(local_aws, "sagemaker-events-tests-approval") == 1
    assert _logged_events(local_aws, deadline_seconds=0) == []


def _logged_events(local_aws, deadline_seconds: float) -> list[dict]:
    """The events the function logged, once it has logged one (or at the deadline)."""
    logs, give_up = local_aws("logs"), time.monotonic() + deadline_seconds
    while True:
        try:
            messages = [e["message"] for e in logs.filter_log_events(logGroupName="/aws/lambda/sagemaker-events-tests")["events"]]
        except logs.exceptions.ResourceNotFoundException:
            messages = []
        found = [json.loads(line.split("EVENT ", 1)[1]) for m in messages for line in m.splitlines() if "EVENT " in line]
        if found or time.monotonic() >= give_up:
            return found
        time.sleep(0.2)
