"""CodePipeline executions in the local AWS (products/local_aws/codepipeline_runs.py, codepipeline_actions.py):
a pipeline created by the local CloudFormation with the catalog's own roles runs stage by stage, its artifacts
passed by name, its CodeBuild action as the project's role, its CloudFormation actions with their stack role,
its manual approval waiting for PutApprovalResult.

The pipeline here is small (an S3 source, a build with an inline buildspec, two stack deployments around a
manual gate) so that it runs in seconds; the products' own pipelines run in the project tests.
"""

import io
import json
import subprocess
import time
import zipfile

import pytest
from botocore.exceptions import ClientError

from products.local_aws import git_host
from tests.local_aws.codepipeline_waits import approval_token, creation_run_ended, executions, settled

from tests.local_aws.conftest import ACCOUNT, REGION
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMakerServiceCatalogProducts{{}}Role"
BUCKET = "sagemaker-project-pipeline-tests"
BUILDSPEC = """version: 0.2
phases:
  build:
    commands:
      - cat source.txt
      - |
        printf '{"Parameters": {"Stage": {"Type": "String"}}, "Resources": {"Model": {"Type": "AWS::SageMaker::Model", "Properties": {"ModelName": {"Fn::Join": ["-", ["sagemaker-%s", {"Ref": "Stage"}]]}, "ExecutionRoleArn": "%s", "PrimaryContainer": {"Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"}}}}}' "$MODEL_PREFIX" "$EXECUTION_ROLE" > template.json
      - |
        echo '{"Parameters": {"Stage": "staging"}}' > staging.json
      - |
        echo '{"Parameters": {"Stage": "prod"}}' > prod.json
artifacts:
  files:
    - template.json
    - staging.json
    - prod.json
"""


def _deploy(name: str, stage: str, config: str, input_artifact: str = "BuildOutput") -> dict:
    return {"Name": name, "ActionTypeId": {"Category": "Deploy", "Owner": "AWS", "Provider": "CloudFormation", "Version": "1"},
            "InputArtifacts": [{"Name": input_artifact}], "RunOrder": 1, "Configuration": {
                "ActionMode": "CREATE_UPDATE", "StackName": f"sagemaker-pipeline-tests-{stage}",
                "TemplatePath": f"{input_artifact}::template.json", "TemplateConfiguration": f"{input_artifact}::{config}",
                "RoleArn": ROLE.format("Cloudformation")}}


def pipeline_template() -> dict:
    """The small pipeline, as a product template declares one."""
    return {"Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": BUCKET}},
        "Build": {"Type": "AWS::CodeBuild::Project", "Properties": {
            "Name": "sagemaker-pipeline-tests-build", "ServiceRole": ROLE.format("CodeBuild"),
            "Source": {"Type": "CODEPIPELINE", "BuildSpec": BUILDSPEC}, "Artifacts": {"Type": "CODEPIPELINE"},
            "Environment": {"Type": "LINUX_CONTAINER", "ComputeType": "BUILD_GENERAL1_SMALL",
                            "Image": "aws/codebuild/standard:7.0", "EnvironmentVariables": [
                                {"Name": "MODEL_PREFIX", "Value": "pipeline-tests"},
                                {"Name": "EXECUTION_ROLE", "Value": ROLE.format("Execution")}]}}},
        "Pipeline": {"Type": "AWS::CodePipeline::Pipeline", "DependsOn": ["Bucket", "Build"], "Properties": {
            "Name": "sagemaker-pipeline-tests", "RoleArn": ROLE.format("CodePipeline"), "PipelineType": "V2",
            "ArtifactStore": {"Type": "S3", "Location": BUCKET},
            "Stages": [
                {"Name": "Source", "Actions": [{
                    "Name": "Source", "ActionTypeId": {"Category": "Source", "Owner": "AWS", "Provider": "S3", "Version": "1"},
                    "OutputArtifacts": [{"Name": "SourceArtifact"}], "RunOrder": 1,
                    "Configuration": {"S3Bucket": BUCKET, "S3ObjectKey": "source.zip", "PollForSourceChanges": False}}]},
                {"Name": "Build", "Actions": [{
                    "Name": "Build", "ActionTypeId": {"Category": "Build", "Owner": "AWS", "Provider": "CodeBuild", "Version": "1"},
                    "InputArtifacts": [{"Name": "SourceArtifact"}], "OutputArtifacts": [{"Name": "BuildOutput"}], "RunOrder": 1,
                    "Configuration": {"ProjectName": {"Ref": "Build"}}}]},
                {"Name": "DeployStaging", "Actions": [_deploy("DeployStaging", "staging", "staging.json")]},
                {"Name": "Approve", "Actions": [{
                    "Name": "Approve", "ActionTypeId": {"Category": "Approval", "Owner": "AWS", "Provider": "Manual", "Version": "1"},
                    "RunOrder": 1}]},
                {"Name": "DeployProd", "Actions": [_deploy("DeployProd", "prod", "prod.json")]},
            ]}}}}


def _create(local_aws, template: dict) -> None:
    """The stack, then (once the run its pipeline's creation started has failed for want of it) the source."""
    cfn = local_aws("cloudformation")
    cfn.create_stack(StackName="pipeline", TemplateBody=json.dumps(template))
    stack = cfn.describe_stacks(StackName="pipeline")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    creation_run_ended(local_aws("codepipeline"), "sagemaker-pipeline-tests")
    source = io.BytesIO()
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("source.txt", "the team's code")
    local_aws("s3").put_object(Bucket=BUCKET, Key="source.zip", Body=source.getvalue())


def _run_once(local_aws, template: dict) -> dict:
    """The stack of ``template`` created, then one execution started and followed until it ends or waits."""
    _create(local_aws, template)
    codepipeline, name = local_aws("codepipeline"), "sagemaker-pipeline-tests"
    return settled(codepipeline, name, codepipeline.start_pipeline_execution(name=name)["pipelineExecutionId"])


def test_an_execution_runs_every_stage_and_waits_at_the_manual_gate(local_aws):
    _create(local_aws, pipeline_template())
    codepipeline, name = local_aws("codepipeline"), "sagemaker-pipeline-tests"
    execution_id = codepipeline.start_pipeline_execution(name=name)["pipelineExecutionId"]
    assert settled(codepipeline, name, execution_id)["status"] == "InProgress"  # at the gate
    states = {s["stageName"]: s.get("latestExecution", {}).get("status") for s in codepipeline.get_pipeline_state(name=name)["stageStates"]}
    assert states == {"Source": "Succeeded", "Build": "Succeeded", "DeployStaging": "Succeeded", "Approve": "InProgress",
                      "DeployProd": None}
    assert local_aws("sagemaker").describe_model(ModelName="sagemaker-pipeline-tests-staging")
    stack = local_aws("cloudformation").describe_stacks(StackName="sagemaker-pipeline-tests-staging")["Stacks"][0]
    assert stack["RoleARN"] == ROLE.format("Cloudformation")  # the action's RoleArn is the stack's role

    token = approval_token(codepipeline, name, "Approve")
    codepipeline.put_approval_result(pipelineName=name, stageName="Approve", actionName="Approve",
                                     result={"summary": "looks good", "status": "Approved"}, token=token)
    assert settled(codepipeline, name, execution_id)["status"] == "Succeeded"
    with pytest.raises(ClientError, match="ApprovalAlreadyCompletedException"):
        codepipeline.put_approval_result(pipelineName=name, stageName="Approve", actionName="Approve",
                                         result={"summary": "again", "status": "Approved"}, token=token)
    assert local_aws("sagemaker").describe_model(ModelName="sagemaker-pipeline-tests-prod")
    details = codepipeline.list_action_executions(pipelineName=name, filter={"pipelineExecutionId": execution_id})
    assert [(d["actionName"], d["status"]) for d in reversed(details["actionExecutionDetails"])] == [
        ("Source", "Succeeded"), ("Build", "Succeeded"), ("DeployStaging", "Succeeded"), ("Approve", "Succeeded"),
        ("DeployProd", "Succeeded")]
    build = next(d for d in details["actionExecutionDetails"] if d["actionName"] == "Build")
    (written,) = build["output"]["outputArtifacts"]
    assert written["name"] == "BuildOutput" and written["s3location"]["key"].startswith("sagemaker-pipeline-t/BuildOutput/")
    summaries = codepipeline.list_pipeline_executions(pipelineName=name)["pipelineExecutionSummaries"]
    summary = next(s for s in summaries if s["pipelineExecutionId"] == execution_id)
    assert summary["status"] == "Succeeded" and summary["sourceRevisions"][0]["actionName"] == "Source"


def test_creating_a_pipeline_starts_its_first_execution(local_aws):
    """The stack's pipeline started as it was created, before the test put the source object (``_create`` waits
    for that run to end first): that run failed at Source, naming the object, as a first run fails on a missing
    source."""
    _create(local_aws, pipeline_template())
    codepipeline, name = local_aws("codepipeline"), "sagemaker-pipeline-tests"
    (first,) = codepipeline.list_pipeline_executions(pipelineName=name)["pipelineExecutionSummaries"]
    assert first["trigger"]["triggerType"] == "CreatePipeline"
    execution = settled(codepipeline, name, first["pipelineExecutionId"])
    assert execution["status"] == "Failed" and "source.zip does not exist" in execution["statusSummary"]


def test_a_rejected_approval_fails_the_execution_and_the_token_cannot_be_used_again(local_aws):
    _create(local_aws, pipeline_template())
    codepipeline, name = local_aws("codepipeline"), "sagemaker-pipeline-tests"
    execution_id = codepipeline.start_pipeline_execution(name=name)["pipelineExecutionId"]
    settled(codepipeline, name, execution_id)
    token = approval_token(codepipeline, name, "Approve")
    answer = {"pipelineName": name, "stageName": "Approve", "actionName": "Approve", "token": token,
              "result": {"summary": "not this model", "status": "Rejected"}}
    with pytest.raises(ClientError, match=r"ValidationException.*'Maybe' at 'result.status' failed to satisfy constraint"):
        codepipeline.put_approval_result(**{**answer, "result": {"summary": "x", "status": "Maybe"}})
    codepipeline.put_approval_result(**answer)
    execution = settled(codepipeline, name, execution_id)
    assert execution["status"] == "Failed" and "Rejected: not this model" in execution["statusSummary"]
    with pytest.raises(ClientError, match="ApprovalAlreadyCompletedException"):
        codepipeline.put_approval_result(**answer)


def test_a_variable_removed_from_the_build_project_fails_the_build_naming_it(local_aws):
    """Issue 24's check: an environment variable removed from a CodeBuild project fails the build stage, with
    the variable named, where CodeBuild would run the buildspec."""
    template = pipeline_template()
    variables = template["Resources"]["Build"]["Properties"]["Environment"]["EnvironmentVariables"]
    variables[:] = [v for v in variables if v["Name"] != "EXECUTION_ROLE"]
    execution = _run_once(local_aws, template)
    assert execution["status"] == "Failed"
    assert "Action Build in stage Build failed" in execution["statusSummary"]
    assert "uses $EXECUTION_ROLE, which the CodeBuild project sagemaker-pipeline-tests-build does not set" in execution["statusSummary"]
    with pytest.raises(ClientError):
        local_aws("sagemaker").describe_model(ModelName="sagemaker-pipeline-tests-staging")


def test_a_template_path_in_an_artifact_the_action_does_not_read_fails_the_deployment(local_aws):
    template = pipeline_template()
    stages = template["Resources"]["Pipeline"]["Properties"]["Stages"]
    stages[2]["Actions"][0]["Configuration"]["TemplatePath"] = "SourceArtifact::template.json"
    execution = _run_once(local_aws, template)
    assert execution["status"] == "Failed"
    assert "TemplatePath SourceArtifact::template.json: SourceArtifact is not an input artifact of the action" \
        in execution["statusSummary"]


def test_a_stack_role_the_pipeline_role_may_not_pass_fails_the_deployment_naming_the_call(local_aws):
    """The catalog's pipeline role may pass only the CloudFormation role: a deployment naming another fails at
    iam:PassRole, as the pipeline role (every call of the path is checked against its role)."""
    template = pipeline_template()
    stages = template["Resources"]["Pipeline"]["Properties"]["Stages"]
    stages[2]["Actions"][0]["Configuration"]["RoleArn"] = ROLE.format("Execution")
    execution = _run_once(local_aws, template)
    assert execution["status"] == "Failed"
    assert "AmazonSageMakerServiceCatalogProductsCodePipelineRole is not authorized to perform: iam:PassRole" \
        in execution["statusSummary"]


CONNECTION = f"arn:aws:codeconnections:{REGION}:{ACCOUNT}:connection/0123abcd-tests"


def _git_pipeline_template() -> dict:
    """A V2 pipeline reading acme/models through a connection, started by pushes to main (its Git trigger)."""
    template = pipeline_template()
    properties = template["Resources"]["Pipeline"]["Properties"]
    properties["Stages"] = properties["Stages"][:2]
    properties["Stages"][0]["Actions"][0] = {
        "Name": "Source", "ActionTypeId": {"Category": "Source", "Owner": "AWS", "Provider": "CodeStarSourceConnection",
                                           "Version": "1"},
        "OutputArtifacts": [{"Name": "SourceArtifact"}], "RunOrder": 1,
        "Configuration": {"ConnectionArn": CONNECTION, "FullRepositoryId": "acme/models", "BranchName": "main",
                          "OutputArtifactFormat": "CODE_ZIP", "DetectChanges": False}}
    properties["Triggers"] = [{"ProviderType": "CodeStarSourceConnection", "GitConfiguration": {
        "SourceActionName": "Source", "Push": [{"Branches": {"Includes": ["main"]}}]}}]
    return template


def _push(clone, branch: str, text: str) -> str:
    (clone / "source.txt").write_text(text)
    for command in (["checkout", "-q", "-B", branch], ["add", "source.txt"], ["commit", "-q", "-m", text],
                    ["push", "-q", "origin", f"HEAD:refs/heads/{branch}"]):
        subprocess.run(["git", "-C", str(clone), "-c", "user.name=ds", "-c", "user.email=ds@example.com", *command],
                       check=True, capture_output=True)
    return subprocess.run(["git", "-C", str(clone), "rev-parse", "HEAD"], check=True, capture_output=True,
                          text=True).stdout.strip()


def test_a_push_to_the_triggers_branch_starts_the_pipeline_and_other_branches_do_not(local_aws, git_host_dir, tmp_path):
    """CodePipeline V2's Git trigger: the Git host's push reaches the pipeline (trigger WebhookV2), which builds
    the pushed commit; a push to another branch starts nothing."""
    git_host.create_connection(CONNECTION, {"sagemaker": "true"}, git_host_dir)
    bare = git_host.create_repository(CONNECTION, "acme/models", git_host_dir)
    _create(local_aws, _git_pipeline_template())  # its creation run ends (an empty repository) before the pushes
    codepipeline, name = local_aws("codepipeline"), "sagemaker-pipeline-tests"
    subprocess.run(["git", "clone", "-q", str(bare), str(tmp_path / "clone")], check=True, capture_output=True)
    first = _push(tmp_path / "clone", "main", "the team's code")
    pushed, created = executions(codepipeline, name, 2)
    assert (created["trigger"]["triggerType"], pushed["trigger"]["triggerType"]) == ("CreatePipeline", "WebhookV2")
    assert settled(codepipeline, name, pushed["pipelineExecutionId"])["status"] == "Succeeded"
    _push(tmp_path / "clone", "feature", "an experiment")
    second = _push(tmp_path / "clone", "main", "the team's next code")
    newest = executions(codepipeline, name, 3)
    assert len(newest) == 3 and newest[0]["trigger"]["triggerDetail"].endswith(second)  # feature started nothing
    assert settled(codepipeline, name, newest[0]["pipelineExecutionId"])["status"] == "Succeeded"
    revisions = codepipeline.list_pipeline_executions(pipelineName=name)["pipelineExecutionSummaries"]
    assert [r["sourceRevisions"][0]["revisionId"] for r in revisions[:2]] == [second, first]


def test_a_deployment_without_a_stack_role_creates_its_resources_as_the_pipeline_role(local_aws):
    """Without ``RoleArn`` in the action's configuration CloudFormation calls as the acting role: the catalog's
    pipeline role may not pass the model's execution role, so the model fails, the stack rolls back and the
    deployment fails. Before, such a deployment was not checked at all."""
    template = pipeline_template()
    stages = template["Resources"]["Pipeline"]["Properties"]["Stages"]
    del stages[2]["Actions"][0]["Configuration"]["RoleArn"]
    execution = _run_once(local_aws, template)
    assert execution["status"] == "Failed"
    assert "Action DeployStaging in stage DeployStaging failed: Stack sagemaker-pipeline-tests-staging is " \
           "ROLLBACK_COMPLETE" in execution["statusSummary"]
    # The model's first call as the pipeline role: passing the model's execution role, which it may not.
    assert "AmazonSageMakerServiceCatalogProductsCodePipelineRole is not authorized to perform: iam:PassRole on " \
           f"resource: {ROLE.format('Execution')}" in execution["statusSummary"], execution["statusSummary"]


def _action_succeeded(codepipeline, name: str, execution_id: str, action: str, deadline_seconds: float = 60) -> None:
    give_up = time.monotonic() + deadline_seconds
    while time.monotonic() < give_up:
        details = codepipeline.list_action_executions(pipelineName=name, filter={
            "pipelineExecutionId": execution_id})["actionExecutionDetails"]
        if any(d["actionName"] == action and d["status"] == "Succeeded" for d in details):
            return
        time.sleep(0.1)
    raise AssertionError(f"{action} of {execution_id} did not succeed within {deadline_seconds}s")


def test_superseded_mode_one_execution_per_stage_and_a_newer_one_supersedes_an_older_waiting_one(local_aws):
    """The catalog's pipelines are SUPERSEDED: the first execution holds the gate's stage while it waits for its
    approval; the second, deployed to staging, waits to enter that stage; the third, coming to wait for it too
    (its build alone takes longer than the second's step from staging to the gate's door), supersedes the second."""
    _create(local_aws, pipeline_template())
    codepipeline, name = local_aws("codepipeline"), "sagemaker-pipeline-tests"
    first = codepipeline.start_pipeline_execution(name=name)["pipelineExecutionId"]
    assert settled(codepipeline, name, first)["status"] == "InProgress"  # at its gate
    second = codepipeline.start_pipeline_execution(name=name)["pipelineExecutionId"]
    _action_succeeded(codepipeline, name, second, "DeployStaging")
    third = codepipeline.start_pipeline_execution(name=name)["pipelineExecutionId"]
    _action_succeeded(codepipeline, name, third, "DeployStaging")
    superseded = settled(codepipeline, name, second)
    assert superseded["status"] == "Superseded" and "a newer execution came to stage Approve" in superseded["statusSummary"]
    codepipeline.put_approval_result(pipelineName=name, stageName="Approve", actionName="Approve",
                                     result={"summary": "first", "status": "Approved"},
                                     token=approval_token(codepipeline, name, "Approve"))
    assert settled(codepipeline, name, first)["status"] == "Succeeded"
    assert settled(codepipeline, name, third)["status"] == "InProgress"  # now at the gate the first left


def test_a_build_stopped_while_it_runs_is_killed_and_fails_its_action_as_stopped(local_aws):
    """What the acceptance run's clean-up relies on: a pipeline's build is listed while it runs, and StopBuild
    kills its command (the command after it never runs) and fails the action."""
    template = pipeline_template()
    template["Resources"]["Build"]["Properties"]["Source"]["BuildSpec"] = (
        "version: 0.2\nphases:\n  build:\n    commands:\n      - sleep 600\n      - aws s3 cp source.txt s3://" + BUCKET
        + "/after-the-sleep.txt\n")
    _create(local_aws, template)
    codepipeline, codebuild, name = local_aws("codepipeline"), local_aws("codebuild"), "sagemaker-pipeline-tests"
    execution_id = codepipeline.start_pipeline_execution(name=name)["pipelineExecutionId"]
    give_up = time.monotonic() + 60  # only stops a build that never starts
    while True:
        builds = codebuild.batch_get_builds(ids=codebuild.list_builds_for_project(
            projectName="sagemaker-pipeline-tests-build")["ids"])["builds"]
        running = [b for b in builds if b["buildStatus"] == "IN_PROGRESS"]
        if running or time.monotonic() > give_up:
            break
        time.sleep(0.2)
    (build,) = running
    codebuild.stop_build(id=build["id"])
    execution = settled(codepipeline, name, execution_id)
    assert execution["status"] == "Failed" and f"Build {build['id']} was stopped" in execution["statusSummary"]
    (stopped,) = codebuild.batch_get_builds(ids=[build["id"]])["builds"]
    assert stopped["buildStatus"] == "STOPPED"
    listed = local_aws("s3").list_objects_v2(Bucket=BUCKET).get("Contents", [])
    assert "after-the-sleep.txt" not in {o["Key"] for o in listed}
