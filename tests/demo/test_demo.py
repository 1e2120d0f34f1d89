"""The local demo, end to end, and the broken wires it must catch.

Needs the seed repos' environments (`make test` and `make demo` create them first).
"""

import shutil

import pytest

from products.demo.run import DemoFailed, run_demo
from products.render.synth import SEEDCODE_DIR

pytestmark = pytest.mark.slow

TITLES = [
    "publish the catalog", "create a project on each route", "push to the model-build repo",
    "model build: the pipeline runs", "approve the model package", "model deploy: staging deployed and tested",
    "approve prod, summarize", "the endpoints answer", "delete the projects",
]
def quiet(*_):
    pass


def test_the_demo_walks_the_whole_flow():
    """Only what people do; the local AWS does the rest: the stacks, the rules, the pipelines, the events."""
    lines = []
    result = run_demo(say=lines.append)
    assert list(result.durations) == TITLES
    assert round(result.mse, 4) == 5.3420  # the emulator's pipeline run, on the bundled data
    summary = result.summary
    assert summary["project"] == {"name": "abalone", "id": result.project_id}
    # One package from the run the project's creation started, one from the push; the push's is approved.
    assert [(p["status"], p["mse"]) for p in summary["model_packages"]] == [
        ("PendingManualApproval", result.mse), ("Approved", result.mse)]
    assert [(s["stage"], s["status"], s["endpoint_status"]) for s in summary["stacks"]] == [
        ("prod", "CREATE_COMPLETE", "InService"), ("staging", "CREATE_COMPLETE", "InService")]
    text = "\n".join(lines)
    assert "started by CloudWatchEvent (sagemaker-abalone-" in text  # the push rule, not the demo
    assert "the run its creation started: Failed, as in AWS until a model is approved" in text
    assert "left billing by the hour: no endpoint, stack, pipeline" in text
    # Every call on the path was checked against the role AWS would use: Studio's, the launch role (Service
    # Catalog) and the request's role (S3 route) creating the stacks, EventBridge's, CodePipeline's, the stack role
    # of the deploy actions, the builds', the SageMaker pipeline's and the cleanup function's. The one denial: the
    # SDK's ListBuckets (boto3 reads a bucket's creation date through it and treats AccessDenied as unknown).
    checks = result.iam_checks
    assert {"AmazonSageMaker-ExecutionRole-demo", "LaunchRole", "EventsRole", "CodePipelineRole", "CloudformationRole",
            "CodeBuildRole", "UseRole", "ExecutionRole", "LambdaRole"} <= set(checks)
    assert all(role["checked"] > 0 for role in checks.values())
    # What people do is checked too: as the Studio user's role.
    assert {"sagemaker:CreateProject", "codecommit:CreateCommit", "sagemaker:UpdateModelPackage",
            "codepipeline:PutApprovalResult", "sagemaker:InvokeEndpoint", "sagemaker:DeleteProject"} <= checks[
        "AmazonSageMaker-ExecutionRole-demo"]["actions"]
    assert {role: c["denied"] for role, c in checks.items() if c["denied"]} == {"CodeBuildRole": ["s3:ListAllMyBuckets"]}


def test_the_batch_scenario_scores_at_approval_and_again_on_the_schedule_as_its_role():
    result = run_demo(say=quiet, scenario="batch")
    assert list(result.durations) == TITLES[:5] + [
        "batch build: the approved model scores the batch input", "the schedule runs the batch pipeline again, summarize",
        "delete the projects"]
    assert [p["status"] for p in result.summary["model_packages"]] == ["PendingManualApproval", "Approved"]
    assert result.summary["stacks"] == []
    checks = result.iam_checks
    # The approval rule's start of the batch pipeline and the schedule's start of the SageMaker batch pipeline, as
    # the events role; the batch pipeline's model and transform job as the pipeline and execution roles.
    assert checks["EventsRole"]["checked"] >= 2 and not checks["EventsRole"]["denied"]
    assert {role: c["denied"] for role, c in checks.items() if c["denied"]} == {"CodeBuildRole": ["s3:ListAllMyBuckets"]}


def test_the_monitor_scenario_starts_the_monitor_build_by_itself_and_the_function_decides_on_drift():
    """Prod deployed starts the monitor build (its rule); each drifted monitor run's event invokes the retrain
    function as its role; on the project's first day the cooldown decides (its creation and the push built models
    minutes before), so no model build is started for drift."""
    lines = []
    result = run_demo(say=lines.append, scenario="monitor")
    assert list(result.durations)[-3:] == [
        "prod deployed: its rule starts the monitor build, which points the drift monitor at prod's model",
        "requests drift: the scheduled monitor fails, the retrain function decides, summarize", "delete the projects"]
    text = "\n".join(lines)
    assert f"sagemaker-abalone-{result.project_id}-modelmonitor: started by CloudWatchEvent" in text
    decisions = [line.strip() for line in lines if "invoked the retrain function as its role:" in line]
    assert len(decisions) == 2 and all("none (cooldown:" in d for d in decisions)
    assert f"sagemaker-abalone-{result.project_id}-modelbuild: 2 runs (creation, push)" in text
    checks = result.iam_checks
    # The function's calls per decision (the failed step, the last model build), as its role.
    assert checks["LambdaRole"]["checked"] >= 4 and not checks["LambdaRole"]["denied"]
    assert {role: c["denied"] for role, c in checks.items() if c["denied"]} == {"CodeBuildRole": ["s3:ListAllMyBuckets"]}


def test_the_accounts_scenario_deploys_each_stage_in_its_account_through_its_deploy_role():
    lines = []
    result = run_demo(say=lines.append, scenario="accounts")
    text = "\n".join(lines)
    for stage, account in (("staging", "222222222222"), ("prod", "333333333333")):
        assert f"account {account}: stack sagemaker-abalone-{result.project_id}-deploy-{stage}" in text
        assert f"{stage} runs its model as arn:aws:iam::{account}:role/service-role/" in text
    checks = result.iam_checks
    # The pipeline role assuming each stage's deploy role (each also checked against the deploy role's trust
    # policy), which read the artifacts and created the stage stacks; the publisher's work in the member accounts,
    # as their OrganizationAccountAccessRole.
    assert checks["CodePipelineRole"]["checked"] > 2 and not checks["CodePipelineRole"]["denied"]
    assert checks["AmazonSageMakerProjectsDeployRole"]["checked"] > 3 and not checks["AmazonSageMakerProjectsDeployRole"]["denied"]
    assert checks["OrganizationAccountAccessRole"]["checked"] > 0
    assert {role: c["denied"] for role, c in checks.items() if c["denied"]} == {"CodeBuildRole": ["s3:ListAllMyBuckets"]}
    # Deleting the project: the cleanup function's role assumed each stage's deploy role, which deleted its stack.
    assert checks["LambdaRole"]["checked"] >= 2 and not checks["LambdaRole"]["denied"]
    for stage, account in (("staging", "222222222222"), ("prod", "333333333333")):
        assert f"account {account}: sagemaker-abalone-{result.project_id}-deploy-{stage} DELETE_COMPLETE" in text


def _batch_role_without_transform_jobs(roles):
    policy = roles["Resources"]["UseRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    for statement in policy["Statement"]:
        statement["Action"] = [a for a in statement["Action"] if a != "sagemaker:CreateTransformJob"]
    return roles


def test_a_pipeline_role_that_cannot_start_transform_jobs_fails_the_batch_build():
    lines = []
    with pytest.raises(DemoFailed) as failed:
        run_demo(say=lines.append, scenario="batch", roles_mutator=_batch_role_without_transform_jobs)
    assert failed.value.step == 6 and "execution Failed" in failed.value.reason
    # The failed build's log, from CloudWatch Logs, as a person reads it.
    (transform,) = [line for line in lines if "BatchTransform" in line and "Failed" in line]
    assert "AccessDenied" in transform and "sagemaker:CreateTransformJob" in transform


def _rename_build_variable(template):
    env = template["Resources"]["ModelBuildProject"]["Properties"]["Environment"]["EnvironmentVariables"]
    for variable in env:
        if variable["Name"] == "ARTIFACT_BUCKET":
            variable["Name"] = "ARTIFACTS_BUCKET"
    return template


def _push_rule_for_master(template):
    template["Resources"]["ModelBuildPushRule"]["Properties"]["EventPattern"]["detail"]["referenceName"] = ["master"]
    return template


def test_a_variable_renamed_in_the_template_but_not_the_buildspec_fails_step_4():
    with pytest.raises(DemoFailed) as failed:
        run_demo(template_mutator=_rename_build_variable, say=quiet)
    assert failed.value.step == 4 and "$ARTIFACT_BUCKET" in failed.value.reason


def test_a_rule_that_no_longer_matches_the_push_fails_step_3():
    with pytest.raises(DemoFailed) as failed:
        run_demo(template_mutator=_push_rule_for_master, say=quiet)
    assert failed.value.step == 3 and "did not start" in failed.value.reason


def _seed_copy(tmp_path):
    seedcode = tmp_path / "seedcode"
    shutil.copytree(SEEDCODE_DIR, seedcode, ignore=shutil.ignore_patterns(".venv", "__pycache__", "*.egg-info", ".pytest_cache", "build"))
    return seedcode


def test_seed_code_that_no_longer_registers_a_model_fails_step_4(tmp_path):
    seedcode = _seed_copy(tmp_path)
    pipeline = seedcode / "model-build" / "src" / "abalone_pipeline" / "pipeline.py"
    text = pipeline.read_text()
    assert "if_steps=[register]," in text
    pipeline.write_text(text.replace("if_steps=[register],", "if_steps=[],"))
    with pytest.raises(DemoFailed) as failed:
        run_demo(seedcode_dir=seedcode, say=quiet)
    assert failed.value.step == 4 and "registered no PendingManualApproval model package" in failed.value.reason


def test_a_buildspec_needing_a_package_its_install_phase_does_not_install_fails(tmp_path):
    """The model-deploy build imports boto3; without it in requirements.txt, CodeBuild's
    fresh environment has no boto3, and neither has the demo's."""
    seedcode = _seed_copy(tmp_path)
    requirements = seedcode / "model-deploy" / "requirements.txt"
    lines = requirements.read_text().splitlines()
    assert "boto3==1.44.5" in lines
    requirements.write_text("\n".join(line for line in lines if not line.startswith(("boto3", "botocore"))) + "\n")
    with pytest.raises(DemoFailed) as failed:
        run_demo(seedcode_dir=seedcode, say=quiet)
    assert failed.value.step == 6 and "No module named 'boto3'" in failed.value.reason


def _codebuild_role_without_list_tags(roles):
    """The roles stack before the fix: the CodeBuild role could not read a group's tags."""
    statements = roles["Resources"]["CodebuildRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    kept = [s for s in statements if s["Action"] != ["sagemaker:ListTags"]]
    assert len(kept) == len(statements) - 1
    roles["Resources"]["CodebuildRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"] = kept
    return roles


def test_a_call_the_role_does_not_allow_fails_its_step_like_access_denied():
    with pytest.raises(DemoFailed) as failed:
        run_demo(roles_mutator=_codebuild_role_without_list_tags, say=quiet)
    assert failed.value.step == 6
    assert ("AmazonSageMakerServiceCatalogProductsCodeBuildRole is not authorized to perform: sagemaker:ListTags "
            "on resource: arn:aws:sagemaker:us-east-1:123456789012:model-package-group/abalone-") in failed.value.reason
