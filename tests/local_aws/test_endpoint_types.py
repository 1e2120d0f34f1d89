"""Each endpoint type, end to end in the local AWS: stage config -> build.py -> the endpoint template -> the stage
stack -> the staging test -> data capture -> the drift check; and what AWS refuses for a serverless endpoint.

The model is a small XGBoost booster trained for the tests (tests/local_aws/conftest.py: 10 features, as the seed's
preprocessing writes them) in the runtime that stands in for SageMaker's XGBoost image; the endpoint stand-in computes
its real predictions. The drift
check is the model-build seed's own script (``scripts/drift.py``), run in that runtime on what was captured.
"""

import json
import subprocess
import sys

import boto3
import pytest
from botocore.exceptions import ClientError

from products.local_aws.emulator import moto_server
from tests.conftest import REPO_ROOT
from tests.local_aws.conftest import XGBOOST_IMAGE

REGION, ACCOUNT = "us-east-1", "123456789012"
DEPLOY_SEED = REPO_ROOT / "seedcode" / "model-deploy"
DRIFT_SCRIPT = REPO_ROOT / "seedcode" / "model-build" / "src" / "abalone_pipeline" / "scripts" / "drift.py"
BUCKET, GROUP, PROJECT, PROJECT_ID = "sagemaker-project-p-endpointtypes", "types-p-endpointtypes", "types", "p-endpointtypes"
FEATURES = "length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight,sex_F,sex_I,sex_M"
PROD = json.loads((DEPLOY_SEED / "prod-config.json").read_text())["Parameters"]
STAGING_BY_TYPE = {
    "realtime": {**PROD, "SamplingPercentage": 100},
    "serverless": json.loads((DEPLOY_SEED / "staging-config.json").read_text())["Parameters"],
    "async": {**{k: v for k, v in PROD.items() if k != "TargetInvocationsPerInstance"}, "SamplingPercentage": 100,
              "EndpointType": "async", "TargetBacklogPerInstance": 5, "MinCapacity": 0},
}


def _seed_script(script, *arguments: str) -> int:
    """Run one of the model-deploy repo's scripts as CodeBuild does (``python build.py ...``), against the emulator."""
    return subprocess.run([sys.executable, str(script), *arguments], cwd=DEPLOY_SEED, capture_output=True).returncode


@pytest.fixture
def emulator(monkeypatch, model_archive):
    """An emulator with the project's bucket, a trained model and its approved package; boto3's default session
    (which build.py and the staging test use) points at it."""
    with moto_server() as endpoint:
        for key, value in {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "admin", "AWS_SECRET_ACCESS_KEY": "admin",
                           "AWS_DEFAULT_REGION": REGION}.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
        s3, sagemaker = boto3.client("s3"), boto3.client("sagemaker")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="model/model.tar.gz", Body=model_archive)
        sagemaker.create_model_package_group(ModelPackageGroupName=GROUP, Tags=[{"Key": "sagemaker:project-name",
                                                                                  "Value": PROJECT}])
        sagemaker.create_model_package(ModelPackageGroupName=GROUP, ModelApprovalStatus="Approved", InferenceSpecification={
            "Containers": [{"Image": XGBOOST_IMAGE, "ModelDataUrl": f"s3://{BUCKET}/model/model.tar.gz"}],
            "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]})
        yield endpoint


def _deploy_staging(tmp_path, staging: dict, stack="sagemaker-types-deploy-staging", update=False) -> dict:
    """build.py on the stage files, then the staging stack from its configuration, as the deploy pipeline does."""
    (tmp_path / "staging-config.json").write_text(json.dumps({"Parameters": staging, "Tags": {}}))
    (tmp_path / "prod-config.json").write_text((DEPLOY_SEED / "prod-config.json").read_text())
    exported = tmp_path / "staging-config-export.json"
    assert _seed_script(
        DEPLOY_SEED / "build.py", "--model-package-group-name", GROUP, "--model-execution-role", f"arn:aws:iam::{ACCOUNT}:role/execution",
        "--sagemaker-project-name", PROJECT, "--sagemaker-project-id", PROJECT_ID, "--s3-bucket", BUCKET,
        "--import-staging-config", str(tmp_path / "staging-config.json"),
        "--import-prod-config", str(tmp_path / "prod-config.json"),
        "--export-staging-config", str(exported), "--export-prod-config", str(tmp_path / "prod-config-export.json"),
    ) == 0
    configuration = json.loads(exported.read_text())
    cloudformation = boto3.client("cloudformation")
    (cloudformation.update_stack if update else cloudformation.create_stack)(
        StackName=stack, TemplateBody=(DEPLOY_SEED / "endpoint-config-template.yml").read_text(),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in configuration["Parameters"].items()],
        Tags=[{"Key": k, "Value": v} for k, v in configuration["Tags"].items()])
    return configuration


def _staging_test(tmp_path, stack="sagemaker-types-deploy-staging") -> dict:
    report = tmp_path / "test-results.json"
    code = _seed_script(DEPLOY_SEED / "test" / "test.py", "--stack-name", stack, "--import-build-config",
                        str(tmp_path / "staging-config-export.json"), "--export-test-results", str(report),
                        "--async-timeout", "0")
    results = json.loads(report.read_text())
    assert code == (0 if results["passed"] else 1)
    return results


def _drift_check(xgboost_python, tmp_path, captured_dir) -> dict:
    """The seed's drift check on the captured requests, against a baseline of the model's own training range."""
    baseline_input = tmp_path / "baseline-input"
    baseline_input.mkdir()
    rows = [",".join(["10"] + [f"{0.05 + 0.75 * i / 99:.3f}"] * 7 + ["1", "0", "0"]) for i in range(100)]
    (baseline_input / "train.csv").write_text("\n".join(rows) + "\n")
    run = [str(xgboost_python), str(DRIFT_SCRIPT)]
    subprocess.run([*run, "baseline", "--input-dir", str(baseline_input), "--output-dir", str(tmp_path / "baseline"),
                    "--features", FEATURES], check=True, capture_output=True)
    subprocess.run([*run, "check", "--input-dir", str(captured_dir), "--statistics", str(tmp_path / "baseline" / "statistics.json"),
                    "--constraints", str(tmp_path / "baseline" / "constraints.json"), "--output-dir", str(tmp_path / "report")],
                   check=True, capture_output=True)
    return json.loads((tmp_path / "report" / "drift.json").read_text())


def _captured(tmp_path) -> tuple[list[str], object]:
    """The staging endpoint's captured requests, downloaded as the monitor's processing job would receive them."""
    s3 = boto3.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="datacapture/staging/").get("Contents", [])]
    target = tmp_path / "captured"
    target.mkdir()
    for number, key in enumerate(keys):
        (target / f"{number}.jsonl").write_bytes(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    return keys, target


@pytest.mark.parametrize("kind", ["realtime", "serverless", "async"])
def test_each_endpoint_type_deploys_answers_captures_and_is_checked_for_drift(emulator, xgboost_python, tmp_path, kind):
    configuration = _deploy_staging(tmp_path, STAGING_BY_TYPE[kind])
    stack = boto3.client("cloudformation").describe_stacks(StackName="sagemaker-types-deploy-staging")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    assert configuration["Parameters"]["EndpointType"] == kind
    resources = {r["LogicalResourceId"] for r in boto3.client("cloudformation").list_stack_resources(
        StackName="sagemaker-types-deploy-staging")["StackResourceSummaries"]}
    scaling = {"ScalableTarget", "ScalingPolicy"} | ({"ScaleFromZeroPolicy", "BacklogWithoutCapacityAlarm"}
                                                     if kind == "async" else set())
    assert resources - {"Model", "EndpointConfig", "Endpoint", "ServerErrorAlarm"} == (
        set() if kind == "serverless" else scaling)

    report = _staging_test(tmp_path)
    assert report["passed"] and report["endpoint_type"] == kind, report
    answered = report["checks"][1]["detail"]
    assert answered.startswith(f"written to s3://{BUCKET}/async-inference/staging/output/") if kind == "async" \
        else answered == "answered directly"

    keys, captured = _captured(tmp_path)
    if kind == "serverless":  # AWS excludes data capture from serverless endpoints: nothing to check for drift
        assert keys == []
        return
    assert len(keys) == 1 and keys[0].startswith(f"datacapture/staging/{PROJECT}-staging/AllTraffic/")
    drift = _drift_check(xgboost_python, tmp_path, captured)
    assert drift["item_count"] == 5  # the staging test's five abalone rows


def test_a_realtime_stage_cannot_become_serverless_and_its_stack_rolls_back(emulator, tmp_path):
    """AWS answers ValidationError to updating an instance-based endpoint to serverless; the stack update fails
    and rolls back, and the endpoint keeps serving on instances."""
    _deploy_staging(tmp_path, STAGING_BY_TYPE["realtime"])
    _deploy_staging(tmp_path, STAGING_BY_TYPE["serverless"], update=True)
    cloudformation = boto3.client("cloudformation")
    stack = cloudformation.describe_stacks(StackName="sagemaker-types-deploy-staging")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    reasons = [e.get("ResourceStatusReason", "") for e in cloudformation.describe_stack_events(
        StackName="sagemaker-types-deploy-staging")["StackEvents"] if e["ResourceStatus"] == "UPDATE_ROLLBACK_IN_PROGRESS"]
    assert any("an instance-based endpoint cannot be updated to serverless" in reason for reason in reasons), reasons
    report = _staging_test(tmp_path)
    assert report["passed"] and report["endpoint_type"] == "realtime", report


def test_serverless_refusals_are_aws_own(emulator):
    sagemaker = boto3.client("sagemaker")
    role = f"arn:aws:iam::{ACCOUNT}:role/execution"
    sagemaker.create_model(ModelName="isolated", ExecutionRoleArn=role, EnableNetworkIsolation=True,
                           PrimaryContainer={"Image": XGBOOST_IMAGE, "ModelDataUrl": f"s3://{BUCKET}/model/model.tar.gz"})
    serverless = [{"VariantName": "AllTraffic", "ModelName": "isolated",
                   "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5}}]
    with pytest.raises(ClientError, match="AWS excludes data capture from serverless endpoints"):
        sagemaker.create_endpoint_config(EndpointConfigName="captured", ProductionVariants=serverless, DataCaptureConfig={
            "EnableCapture": True, "InitialSamplingPercentage": 10, "DestinationS3Uri": f"s3://{BUCKET}/datacapture",
            "CaptureOptions": [{"CaptureMode": "Input"}]})
    with pytest.raises(ClientError, match="exactly one production variant"):
        sagemaker.create_endpoint_config(EndpointConfigName="two", ProductionVariants=[
            *serverless, {**serverless[0], "VariantName": "Other"}])
    sagemaker.create_endpoint_config(EndpointConfigName="plain", ProductionVariants=serverless)
    with pytest.raises(ClientError, match="AWS excludes network isolation from serverless endpoints"):
        sagemaker.create_endpoint(EndpointName="isolated", EndpointConfigName="plain")


@pytest.mark.parametrize("kind, message", [("async", "is asynchronous: use InvokeEndpointAsync"),
                                           ("realtime", "is not asynchronous: use InvokeEndpoint")])
def test_each_invocation_answers_only_its_own_endpoint_type(emulator, tmp_path, kind, message):
    _deploy_staging(tmp_path, STAGING_BY_TYPE[kind])
    runtime, endpoint = boto3.client("sagemaker-runtime"), f"{PROJECT}-staging"
    boto3.client("s3").put_object(Bucket=BUCKET, Key="async-inference/staging/input/r.csv", Body=b"0.5" + b",0.5" * 9)
    with pytest.raises(ClientError, match=message):
        if kind == "async":
            runtime.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body="0.5" + ",0.5" * 9)
        else:
            runtime.invoke_endpoint_async(EndpointName=endpoint, ContentType="text/csv",
                                          InputLocation=f"s3://{BUCKET}/async-inference/staging/input/r.csv")


def test_the_templates_rule_refuses_zero_instances_for_anything_but_async(emulator):
    """build.py refuses it first; the template's Rules refuse it too, for a stack made by hand."""
    parameters = {"SageMakerProjectName": PROJECT, "ModelPackageName": "arn:aws:sagemaker:us-east-1:123456789012:"
                  "model-package/g/1", "ModelExecutionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/execution",
                  "StageName": "staging", "DataCaptureUploadPath": f"s3://{BUCKET}/datacapture/staging",
                  "AsyncInferencePath": f"s3://{BUCKET}/async-inference/staging", "MinCapacity": "0",
                  "EnableAutoScaling": "true"}
    cloudformation = boto3.client("cloudformation")
    with pytest.raises(ClientError, match="MinCapacity may be 0 only for an async endpoint"):
        cloudformation.create_stack(StackName="zero-realtime", TemplateBody=(DEPLOY_SEED / "endpoint-config-template.yml")
                                    .read_text(), Parameters=[{"ParameterKey": k, "ParameterValue": v}
                                                              for k, v in parameters.items()])
    assert not any(s["StackName"] == "zero-realtime" for s in cloudformation.list_stacks()["StackSummaries"])


def test_a_newly_approved_package_reaches_the_endpoint_through_its_replaced_model_and_configuration(emulator, tmp_path):
    """The deploy pipeline's next run: the stage stack updated with a new ModelPackageName replaces the Model, so its
    endpoint configuration (which names the model, create-only) is replaced, and the endpoint is updated to it."""
    _deploy_staging(tmp_path, STAGING_BY_TYPE["realtime"])
    sagemaker = boto3.client("sagemaker")
    newer = sagemaker.create_model_package(ModelPackageGroupName=GROUP, ModelApprovalStatus="Approved", InferenceSpecification={
        "Containers": [{"Image": XGBOOST_IMAGE, "ModelDataUrl": f"s3://{BUCKET}/model/model.tar.gz"}],
        "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]})["ModelPackageArn"]
    configuration = _deploy_staging(tmp_path, STAGING_BY_TYPE["realtime"], update=True)
    assert configuration["Parameters"]["ModelPackageName"] == newer
    stack = boto3.client("cloudformation").describe_stacks(StackName="sagemaker-types-deploy-staging")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE", stack.get("StackStatusReason")
    endpoint = sagemaker.describe_endpoint(EndpointName=f"{PROJECT}-staging")
    (variant,) = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])["ProductionVariants"]
    assert sagemaker.describe_model(ModelName=variant["ModelName"])["PrimaryContainer"]["ModelPackageName"] == newer
    assert _staging_test(tmp_path)["passed"]
