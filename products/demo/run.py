"""The whole MLOps flow on one machine, against an embedded AWS emulator (moto_server).

Eight numbered steps, each with its duration; every name, variable and rule pattern comes
from the synthesized templates, resolved for the demo project, never typed here:

1. publish the catalog with the real publisher;
2. create the project's resources the emulator supports (bucket, model package group,
   EventBridge rules);
3. push to the model-build repo: a documented-shape CodeCommit event on the bus;
4. run the model-build buildspec as written, in its CodeBuild environment (Python 3.12,
   only what its install phase installs): run-pipeline upserts the SageMaker pipeline in
   the emulator, starts it and waits; the emulator runs the definition through the seed
   executor (real preprocessing, training, evaluation), which registers the model as
   PendingManualApproval;
5. approve the model package: a documented-shape SageMaker event on the bus;
6. run the model-deploy buildspec as written: build.py writes the stage configurations,
   `aws cloudformation package` (AWS CLI) packages the endpoint template;
7. deploy the staging endpoint stack and run the staging test buildspec as written;
8. approve, deploy prod, and summarize everything found by project name and id.

What the emulator cannot run is said where it happens: Service Catalog resources,
CodeCommit seeding, CodeBuild and CodePipeline are stood in for by the steps above, and
the endpoint's answers by the trained model's predictions in the XGBoost image runtime.
"""

import csv
import importlib.util
import io
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3

from products.local_aws.event_shapes import (
    codecommit_reference_event, codepipeline_execution_event, model_package_state_event, sagemaker_pipeline_execution_event,
)
from products.local_aws.codebuild import BuildspecError, run_buildspec
from products import PRODUCTS
from products.catalog.config import DEFAULT_CONFIG, TargetAccount, load_config
from products.local_aws.emulator import moto_server
from products.functions import retrain_on_drift
from products.local_aws.event_routing import EventRouter
from products.publishing.aws import Aws, PublishError
from products.publishing.projects import create_project_request, validated
from products.publishing.publication import Publication
from products.catalog.roles import STUDIO_USER_POLICY
from products.analysis.resolve import resolve
from products.local_aws.seed_executor import executor_module, seed_module
from products.render.synth import SEEDCODE_DIR, synthesize

REGION, ACCOUNT = "us-east-1", "123456789012"
STUDIO_ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMaker-ExecutionRole-demo"
STUDIO_USER_POLICY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/service-role/{STUDIO_USER_POLICY}"
SAGEMAKER_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
REPO_ROOT = Path(__file__).resolve().parents[2]
PRODUCT = "build-train-deploy"
# A scenario is a product and the steps after the model is approved; both start with the same five.
SCENARIOS = {"endpoints": PRODUCT, "batch": "build-train-batch", "monitor": "build-train-deploy-monitor",
             "accounts": PRODUCT}
# The accounts scenario: staging and prod in accounts of their own, both target accounts of the catalog.
STAGING_ACCOUNT, PROD_ACCOUNT = "222222222222", "333333333333"
ACCOUNT_PARAMETERS = {"accounts": {"StagingAccountId": STAGING_ACCOUNT, "ProdAccountId": PROD_ACCOUNT}}
# The pipeline approving a model must start, per scenario (a logical id of the product's template).
APPROVAL_STARTS = {"endpoints": "ModelDeployPipeline", "batch": "BatchInferencePipeline", "monitor": "ModelDeployPipeline",
                   "accounts": "ModelDeployPipeline"}
# Two monitor runs an hour apart: both find drift, only the first may start a model-build run (cooldown).
MONITOR_TIMES = ("2026-11-26T04:00:00Z", "2026-11-26T05:00:00Z")
SCHEDULED_TIME = "2026-11-26T03:00:00Z"  # the demo's stand-in for <aws.scheduler.scheduled-time>
DEMO_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo", "AWS_DEFAULT_REGION": REGION}


class DemoFailed(RuntimeError):
    def __init__(self, step: int, title: str, reason: str):
        self.step, self.title, self.reason = step, title, reason
        super().__init__(f"step {step} ({title}) failed: {reason}")


@dataclass
class DemoResult:
    project_name: str
    project_id: str
    durations: dict = field(default_factory=dict)  # step title -> seconds
    mse: float | None = None
    summary: dict = field(default_factory=dict)
    iam_checks: dict = field(default_factory=dict)  # role -> {"checked": n, "denied": [actions]}


def _unzip(data: bytes, target: Path) -> Path:
    target.mkdir(parents=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            path = target / info.filename
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(archive.read(info))
            path.chmod((info.external_attr >> 16) & 0o777 or 0o644)
    return target


def _staging_request_body(deploy_source: Path) -> str:
    """The CSV the staging test sends: its sample rows through its own model_input()."""
    spec = importlib.util.spec_from_file_location("staging_test", deploy_source / "test" / "test.py")
    test = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(test)
    with open(deploy_source / "test" / "abalone-sample.csv", newline="") as rows:
        return "\n".join(test.model_input(row) for row in csv.reader(rows))


def _predictions(model_archive: bytes, image: str, request_body: str, work: Path) -> str:
    """What the endpoint would answer: the registered model's predictions for the request's
    rows, computed in the local runtime of the endpoint's image (the emulator's endpoints
    answer only what they are told)."""
    images, container = executor_module("images"), executor_module("container")
    python = container.runtime_python(images.runtime_for(image), say=lambda _line: None)
    (work / "endpoint").mkdir()
    (work / "endpoint" / "model.tar.gz").write_bytes(model_archive)
    (work / "endpoint" / "request.csv").write_text(request_body)
    script = (
        "import sys, tarfile, numpy, xgboost\n"
        "booster = xgboost.Booster()\n"
        "booster.load_model(bytearray(tarfile.open(sys.argv[1]).extractfile('xgboost-model').read()))\n"
        "features = numpy.loadtxt(sys.argv[2], delimiter=',', ndmin=2)\n"
        "print('\\n'.join(f'{p:.4f}' for p in booster.predict(xgboost.DMatrix(features))))\n"
    )
    result = subprocess.run([str(python), "-c", script, *(str(work / "endpoint" / f) for f in ("model.tar.gz", "request.csv"))],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip().splitlines()[-1])
    return result.stdout.strip()


def run_demo(seedcode_dir: Path = SEEDCODE_DIR, template_mutator=None, project_name: str = "abalone", say=print,
             roles_mutator=None, scenario: str = "endpoints") -> DemoResult:
    """Run the scenario's steps; raise DemoFailed naming the step that broke."""
    product = SCENARIOS[scenario]
    project_id = "p-" + secrets.token_hex(6)
    result = DemoResult(project_name, project_id)
    config = load_config(DEFAULT_CONFIG, PRODUCTS)
    catalog = synthesize(config, seedcode_dir=seedcode_dir)
    if roles_mutator:  # tests: publish a changed roles stack
        roles = roles_mutator(json.loads(catalog.roles.data))
        catalog = replace(catalog, roles=replace(catalog.roles, data=json.dumps(roles, indent=2).encode()))
    template = json.loads(catalog.product_templates[product].data)
    if template_mutator:
        template = template_mutator(template)
    resources = resolve(template, {"SageMakerProjectName": project_name, "SageMakerProjectId": project_id,
                                   **ACCOUNT_PARAMETERS.get(scenario, {})}).resources()
    props = {logical_id: resource["Properties"] for logical_id, resource in resources.items()}

    saved_env = {key: os.environ.get(key) for key in (*DEMO_CREDENTIALS, "AWS_ENDPOINT_URL", "AWS_PROFILE", "EMULATOR_IAM_LOG")}
    with tempfile.TemporaryDirectory(prefix="catalog-demo-") as work, moto_server(
            env={"EMULATOR_IAM_LOG": str(Path(work) / "iam-checks.jsonl")}) as endpoint:
        work = Path(work)
        os.environ.update(DEMO_CREDENTIALS, AWS_ENDPOINT_URL=endpoint)
        os.environ.pop("AWS_PROFILE", None)
        aws_env = {**DEMO_CREDENTIALS, "AWS_ENDPOINT_URL": endpoint}
        clients = {name: boto3.client(name, region_name=REGION)
                   for name in ("s3", "sagemaker", "events", "sqs", "cloudformation", "sts")}

        def as_service_role(project: dict) -> dict:
            """The build's AWS environment: the CodeBuild project's service role, as CodeBuild gives it."""
            credentials = clients["sts"].assume_role(RoleArn=project["ServiceRole"], RoleSessionName="codebuild")["Credentials"]
            return {**aws_env, "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
                    "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"], "AWS_SESSION_TOKEN": credentials["SessionToken"]}

        sagemaker, cfn = clients["sagemaker"], clients["cloudformation"]
        say(f"local demo: project {project_name} ({project_id}), AWS emulator at {endpoint}")
        state = {}

        def step(number: int, title: str, action):
            say(f"\n[{number}/{len(steps)}] {title}")
            started = time.perf_counter()
            try:
                action()
            except DemoFailed:
                raise
            except (BuildspecError, PublishError, RuntimeError, KeyError, ValueError) as error:
                raise DemoFailed(number, title, str(error)) from error
            except Exception as error:  # the demo names the failing step whatever broke
                raise DemoFailed(number, title, f"{type(error).__name__}: {error}") from error
            result.durations[title] = time.perf_counter() - started
            say(f"      done in {result.durations[title]:.2f}s")

        def publish_catalog():
            domain = sagemaker.create_domain(
                DomainName="demo-studio", AuthMode="IAM", SubnetIds=["subnet-demo"], VpcId="vpc-demo", Tags=[],
                DefaultUserSettings={"ExecutionRole": STUDIO_ROLE},
            )
            targets = tuple(TargetAccount(a, f"arn:aws:iam::{a}:role/OrganizationAccountAccessRole")
                            for a in (STAGING_ACCOUNT, PROD_ACCOUNT)) if scenario == "accounts" else ()
            demo_config = replace(config, publish=replace(
                config.publish, targets=("servicecatalog", "s3"), studio_domain_id=domain["DomainArn"].rsplit("/", 1)[1],
                target_accounts=targets))
            indented = lambda line: say("    " + line.strip())  # noqa: E731
            publication = Publication(demo_config, [Aws(REGION)], catalog, demo_config.publish.targets,
                                      say=indented, poll_seconds=0.2)
            publication.run(apply=True, ask=lambda question: indented(f"{question} yes (the demo answers)") or True)
            published = publication.plans[0]
            state["config"], state["bucket"] = demo_config, published.bucket
            for stack in published.stacks:
                say(f"    stack {stack['stack']}: {stack['action']}")
            say(f"    {len(published.uploaded)} artifacts in s3://{published.bucket}; S3 route: {len(published.s3_route)} change(s)")
            say("    not emulated: moto keeps the portfolio stack but creates no Service Catalog portfolio or products")

        def create_project():
            studio_s3_route(state["config"], state["bucket"])
            bucket = props["ArtifactBucket"]["BucketName"]
            clients["s3"].create_bucket(Bucket=bucket)
            clients["s3"].put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
            group = props["ModelPackageGroup"]
            sagemaker.create_model_package_group(
                ModelPackageGroupName=group["ModelPackageGroupName"],
                ModelPackageGroupDescription=group["ModelPackageGroupDescription"], Tags=group["Tags"],
            )
            state["router"] = EventRouter(clients["events"], clients["sqs"], resources)
            say(f"    bucket {bucket}, model package group {group['ModelPackageGroupName']}, "
                f"{len(state['router'].queues)} EventBridge rules")
            say("    not emulated: CodeCommit seeding, CodeBuild and CodePipeline (the next steps run their parts here)")

        def studio_s3_route(demo_config, asset_bucket: str):
            """What Studio does on the S3 route, as far as the emulator goes: the CreateProject request it
            sends (validated against SageMaker's API model), and, as the Studio execution role with the
            roles stack's S3-route user policy attached, the template reads (authorized by the emulator)."""
            request = validated(sagemaker, create_project_request(
                demo_config, product=product, template=template, project_name=project_name, parameters={},
                bucket=asset_bucket, region=REGION, account=ACCOUNT, partition="aws"))
            provider = request["TemplateProviders"][0]["CfnTemplateProvider"]
            iam = boto3.client("iam", region_name=REGION)
            iam.create_role(RoleName=STUDIO_ROLE.rsplit("/", 1)[1], Path="/service-role/",
                            AssumeRolePolicyDocument=json.dumps(SAGEMAKER_TRUST))
            iam.attach_role_policy(RoleName=STUDIO_ROLE.rsplit("/", 1)[1], PolicyArn=STUDIO_USER_POLICY_ARN)
            credentials = clients["sts"].assume_role(RoleArn=STUDIO_ROLE, RoleSessionName="studio")["Credentials"]
            s3 = boto3.client("s3", region_name=REGION, aws_access_key_id=credentials["AccessKeyId"],
                              aws_secret_access_key=credentials["SecretAccessKey"], aws_session_token=credentials["SessionToken"])
            key = provider["TemplateURL"].split(".amazonaws.com/", 1)[1]
            listed = [o["Key"] for o in s3.list_objects_v2(Bucket=asset_bucket, Prefix=key.rsplit("/", 1)[0] + "/")["Contents"]]
            tags = {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=asset_bucket, Key=key)["TagSet"]}
            s3.get_object(Bucket=asset_bucket, Key=key)["Body"].read()
            if key not in listed or tags.get("sagemaker:studio-visibility") != "true":
                raise RuntimeError(f"S3 route: s3://{asset_bucket}/{key} is not offered to Studio ({tags})")
            cloudformation = boto3.client(
                "cloudformation", region_name=REGION, aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"], aws_session_token=credentials["SessionToken"])
            cloudformation.validate_template(TemplateURL=provider["TemplateURL"])  # the emulator reads the URL from its S3
            say(f"    S3 route, as Studio's execution role: {len(listed)} templates listed, {key} read with its tags; "
                "CloudFormation read and validated the template from its URL")
            say(f"    CreateProject request valid for SageMaker's API model: {provider['TemplateName']}, "
                f"launch role {provider['RoleARN'].rsplit('/', 1)[1]}")
            say("    not emulated: SageMaker's CreateProject and CloudFormation creating the stack (moto cannot create "
                "the product's resources); the harness creates the ones the next steps use, from the resolved template")

        def started_pipelines(event) -> list[str]:
            pipelines = [d.target_arn.rsplit(":", 1)[1] for d in state["router"].route(event)]
            for pipeline in pipelines:
                say(f"    started pipeline {pipeline}")
            return pipelines

        def push():
            repo = props["ModelBuildRepository"]["RepositoryName"]
            event = codecommit_reference_event(repo, "main", region=REGION)
            say(f"    CodeCommit Repository State Change: referenceUpdated main in {repo}")
            if started_pipelines(event) != [props["ModelBuildPipeline"]["Name"]]:
                raise RuntimeError(f"a push to main of {repo} did not start exactly {props['ModelBuildPipeline']['Name']}")

        def model_build():
            source = _unzip(catalog.seed_zips["model-build"].data, work / "src" / "model-build")
            state["build_source"] = source
            project = props["ModelBuildProject"]
            say("    CodeBuild (stood in for here): the buildspec as written, in a Python 3.12 environment holding"
                " only what its install phase installs")
            run_buildspec(source / project["Source"]["BuildSpec"], source, project, REGION,
                          extra_env={**as_service_role(project), "RUN_PIPELINE_POLL_SECONDS": "1"}, say=say)
            group = props["ModelPackageGroup"]["ModelPackageGroupName"]
            packages = sagemaker.list_model_packages(ModelPackageGroupName=group)["ModelPackageSummaryList"]
            pending = [p for p in packages if p["ModelApprovalStatus"] == "PendingManualApproval"]
            if not pending:
                raise RuntimeError("the model-build run registered no PendingManualApproval model package")
            state["package"] = pending[0]
            result.mse = _registered_mse(clients, pending[0]["ModelPackageArn"])
            say(f"    registered {pending[0]['ModelPackageArn']} (PendingManualApproval), test MSE {result.mse:.4f}")

        def approve():
            package = state["package"]
            sagemaker.update_model_package(ModelPackageArn=package["ModelPackageArn"], ModelApprovalStatus="Approved")
            event = model_package_state_event(
                package["ModelPackageGroupName"], package["ModelPackageVersion"], "Approved", region=REGION)
            say(f"    SageMaker Model Package State Change: {package['ModelPackageArn']} Approved")
            expected = props[APPROVAL_STARTS[scenario]]["Name"]
            if started_pipelines(event) != [expected]:
                raise RuntimeError(f"approving the package did not start exactly {expected}")

        def model_deploy():
            source = _unzip(catalog.seed_zips["model-deploy"].data, work / "src" / "model-deploy")
            state["deploy_source"] = source
            project = props["ModelDeployProject"]
            build = run_buildspec(source / project["Source"]["BuildSpec"], source, project, REGION,
                                  extra_env=as_service_role(project), output_dir=work / "BuildArtifact", say=say)
            state["build_artifact"] = work / "BuildArtifact"
            say(f"    exported {', '.join(sorted(build.exported))}")
            for stage, account in ACCOUNT_PARAMETERS.get(scenario, {}).items():
                name = {"StagingAccountId": "staging", "ProdAccountId": "prod"}[stage]
                exported = json.loads((work / "BuildArtifact" / f"{name}-config-export.json").read_text())
                role = exported["Parameters"]["ModelExecutionRoleArn"]
                if role.split(":")[4] != account:
                    raise RuntimeError(f"the {name} configuration runs its model as {role}, not a role of account {account}")
                say(f"    {name} runs its model as {role}")

        def deploy_stage(stage_title: str):
            stage = next(s for s in props["ModelDeployPipeline"]["Stages"] if s["Name"] == stage_title)
            action = stage["Actions"][0]
            configuration = action["Configuration"]
            artifact_dir = state["build_artifact"]
            stage_config = json.loads((artifact_dir / configuration["TemplateConfiguration"].split("::")[1]).read_text())
            stack = configuration["StackName"]
            stage_cfn, role = cfn, {}
            if "RoleArn" in action:  # the stage's own account: as CodePipeline, through its deploy role
                pipeline_role = props["ModelDeployPipeline"]["RoleArn"]
                as_pipeline = _session_as(clients["sts"], pipeline_role, "codepipeline").client("sts")
                stage_cfn = _session_as(as_pipeline, action["RoleArn"], "deploy").client("cloudformation")
                role = {"RoleARN": configuration["RoleArn"]}
                say(f"    CodePipeline's role assumed {action['RoleArn']} (checked: its policy and the role's trust); "
                    f"the stack is created there with {configuration['RoleArn'].rsplit('/', 1)[1]}")
            stage_cfn.create_stack(
                StackName=stack,
                TemplateBody=(artifact_dir / configuration["TemplatePath"].split("::")[1]).read_text(),
                Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in stage_config["Parameters"].items()],
                Tags=[{"Key": k, "Value": v} for k, v in stage_config["Tags"].items()],
                **role,
            )
            stage_cfn.get_waiter("stack_create_complete").wait(StackName=stack, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
            described = stage_cfn.describe_stacks(StackName=stack)["Stacks"][0]
            outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}
            state.setdefault("stage_stacks", []).append(described["StackId"])
            say(f"    stack {described['StackId'].split(':')[4]}/{stack}: CREATE_COMPLETE, endpoint {outputs['EndpointName']}"
                " (moto names endpoints itself; AWS would use the template's <project>-<stage>)")

        def staging():
            deploy_stage("DeployStaging")
            package = sagemaker.describe_model_package(ModelPackageName=state["package"]["ModelPackageArn"])
            container = package["InferenceSpecification"]["Containers"][0]
            bucket, key = container["ModelDataUrl"].removeprefix("s3://").split("/", 1)
            archive = clients["s3"].get_object(Bucket=bucket, Key=key)["Body"].read()
            answer = _predictions(archive, container["Image"], _staging_request_body(state["deploy_source"]), work)
            urllib.request.urlopen(urllib.request.Request(
                f"{endpoint}/moto-api/static/sagemaker/endpoint-results", method="POST",
                data=json.dumps({"results": [{"Body": answer, "ContentType": "text/csv"}], "region": REGION,
                                 "account_id": state["stage_stacks"][-1].split(":")[4]}).encode(),
            ))
            say("    not emulated: the endpoint; it answers with the registered model's predictions, computed in the"
                " local runtime of its image")
            project = props["StagingTestProject"]
            source = state["deploy_source"]
            run_buildspec(source / project["Source"]["BuildSpec"], source, project, REGION,
                          extra_env=as_service_role(project), secondary_sources={"BuildArtifact": state["build_artifact"]},
                          say=say)

        def prod():
            say("    ApproveDeployment: approved (the demo approves in place of a person)")
            deploy_stage("DeployProd")

        def delete_project():
            """The project's deletion, as CloudFormation asks the cleanup function (its custom resource's Delete)."""
            from products.functions import endpoint_cleanup

            function = props["EndpointCleanupFunction"]
            stacks = props["EndpointCleanup"]["Stacks"]
            session = _session_as(clients["sts"], function["Role"], "cleanup")
            say("    not emulated: Lambda; the cleanup function's code runs here as its role, for the Delete request of "
                "its custom resource, whose stacks are: " + ", ".join(
                    f"{s['StackName']} ({s['RoleArn'].split(':')[4] + ' via ' + s['RoleArn'].rsplit('/', 1)[1] if s['RoleArn'] else 'here'})"
                    for s in stacks))
            deleted = endpoint_cleanup.delete_stacks(
                stacks, lambda role: endpoint_cleanup.cloudformation_client(role, session), _DemoLambdaContext(),
                sleep=lambda _: time.sleep(0.2))
            for stack_id in state["stage_stacks"]:
                account = stack_id.split(":")[4]
                as_admin = _session_as(clients["sts"], f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                                       "check").client("cloudformation")
                status = as_admin.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"]
                if status != "DELETE_COMPLETE":
                    raise RuntimeError(f"the stage stack {stack_id} is {status} after the project's deletion")
                say(f"    account {account}: {stack_id.split('/')[1]} DELETE_COMPLETE")
            if sorted(deleted) != sorted(s["StackName"] for s in stacks):
                raise RuntimeError(f"the cleanup deleted {deleted}")
            before, result.iam_checks = result.iam_checks, _iam_checks(work / "iam-checks.jsonl")
            say("    calls checked since the summary: " + ", ".join(
                f"{role} {checks['checked'] - before.get(role, {}).get('checked', 0)}"
                for role, checks in sorted(result.iam_checks.items())
                if checks["checked"] != before.get(role, {}).get("checked", 0)))

        def batch_build():
            project = props["BatchInferenceProject"]
            source = state["build_source"]
            say("    CodeBuild (stood in for here): the batch buildspec as written, in the same environment")
            run_buildspec(source / project["Source"]["BuildSpec"], source, project, REGION,
                          extra_env={**as_service_role(project), "RUN_PIPELINE_POLL_SECONDS": "1"}, say=say)
            say(f"    batch predictions: {', '.join(_batch_outputs(clients, props))}")

        def scheduled_run(logical_id: str, scheduled_time: str) -> tuple[str, str]:
            """The schedule fires: its request, as its role; the execution's ARN and final status."""
            schedule = props[logical_id]
            request = json.loads(schedule["Target"]["Input"].replace("<aws.scheduler.scheduled-time>", scheduled_time))
            say(f"    schedule {schedule['GroupName']}/{schedule['Name']} ({schedule['ScheduleExpression']}) fires; its target: "
                f"{schedule['Target']['Arn']} as {schedule['Target']['RoleArn'].rsplit('/', 1)[1]}")
            say("    not emulated: EventBridge Scheduler; its request (validated against SageMaker's API model) is "
                f"sent here as the schedule's role, with {scheduled_time} as the scheduled time")
            scheduler_sagemaker = _session_as(clients["sts"], schedule["Target"]["RoleArn"], "scheduler").client("sagemaker")
            arn = scheduler_sagemaker.start_pipeline_execution(**validated(sagemaker, request, "StartPipelineExecution"))[
                "PipelineExecutionArn"]
            return arn, _wait_for_execution(sagemaker, arn)

        def scheduled_batch():
            arn, status = scheduled_run("BatchSchedule", SCHEDULED_TIME)
            if status != "Succeeded":
                raise RuntimeError(f"the scheduled batch run {status}: "
                                   f"{sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn).get('FailureReason')}")
            outputs = _batch_outputs(clients, props)
            if not any(f"/{SCHEDULED_TIME}/" in output for output in outputs):
                raise RuntimeError(f"the scheduled run wrote nothing under its scheduled time: {outputs}")
            say(f"    batch predictions: {', '.join(outputs)}")
            finish()

        def monitor_build():
            event = codepipeline_execution_event(props["ModelDeployPipeline"]["Name"], "SUCCEEDED", region=REGION)
            say(f"    CodePipeline Pipeline Execution State Change: {props['ModelDeployPipeline']['Name']} SUCCEEDED")
            expected = props["DriftMonitorPipeline"]["Name"]
            if started_pipelines(event) != [expected]:
                raise RuntimeError(f"deploying prod did not start exactly {expected}")
            project = props["DriftMonitorProject"]
            source = state["build_source"]
            say("    CodeBuild (stood in for here): the monitor buildspec as written, in the same environment")
            run_buildspec(source / project["Source"]["BuildSpec"], source, project, REGION,
                          extra_env=as_service_role(project), say=say)
            build_pipeline = props["ModelBuildPipeline"]
            # moto's CreatePipeline reads the role's trusted service only as a string, where AWS (and the roles
            # stack) may give a list; the pipeline is made with a stand-in role trusting CodePipeline that way.
            stand_in = boto3.client("iam", region_name=REGION).create_role(
                RoleName="demo-codepipeline-stand-in", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "codepipeline.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
            boto3.client("codepipeline", region_name=REGION).create_pipeline(
                pipeline={**codepipeline_request(build_pipeline), "roleArn": stand_in["Role"]["Arn"]})
            say(f"    not emulated: CodePipeline runs; {build_pipeline['Name']} is created here (no execution yet, with a "
                "stand-in role) so that the retrain function's calls reach it")

        def drift_loop():
            endpoint = _prod_endpoint(cfn, props)
            count = _write_drifted_capture(clients["s3"], props, endpoint, MONITOR_TIMES[0])
            say(f"    not emulated: the endpoint's data capture; {count} requests of larger animals are written in "
                f"SageMaker's capture format under {_capture_prefix(props)}{endpoint}/")
            decisions = []
            for scheduled_time in MONITOR_TIMES:
                arn, status = scheduled_run("MonitorSchedule", scheduled_time)
                steps = sagemaker.list_pipeline_execution_steps(PipelineExecutionArn=arn)["PipelineExecutionSteps"]
                failed = [f"{s['StepName']}: {s.get('FailureReason', '')}" for s in steps if s["StepStatus"] == "Failed"]
                say(f"    monitor run {status}" + (f" at {failed[0]}" if failed else ""))
                decisions.append(retrain(arn, status, scheduled_time))
            if [d["action"] for d in decisions] != ["started", "none"] or not decisions[1]["reason"].startswith("cooldown"):
                raise RuntimeError(f"drift did not start exactly one model-build run: {decisions}")
            finish()

        def retrain(execution_arn: str, status: str, scheduled_time: str) -> dict:
            """The run's status-change event on the bus; the function its rule invokes, as its role."""
            event = sagemaker_pipeline_execution_event(_monitor_variables(props)["SAGEMAKER_PIPELINE_NAME"],
                                                       execution_arn.rsplit("/", 1)[1], status, region=REGION,
                                                       time=scheduled_time)
            event["detail"]["pipelineExecutionArn"] = execution_arn
            function = props["RetrainOnDriftFunction"]
            targets = [d.target_arn for d in state["router"].route(event)]
            if targets != [f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function['FunctionName']}"]:
                raise RuntimeError(f"the failed monitor run's event reached {targets}, not the retrain function")
            say("    not emulated: SageMaker's event and Lambda; the documented-shape event went through the rules on the "
                "bus to the function, which runs here as its role")
            session = _session_as(clients["sts"], function["Role"], "retrain")
            # The function's clock, as in Lambda: the emulator stamps executions with it too, so the cooldown
            # compares two readings of one clock (the scheduled times only name the runs).
            decision = retrain_on_drift.decide(event, session.client("sagemaker"), session.client("codepipeline"),
                                               datetime.now(timezone.utc), function["Environment"]["Variables"])
            say(f"    retrain function: {decision['action']}" + (f" ({decision['reason']})" if decision.get("reason") else
                                                                 f" {decision['modelBuildPipeline']}"))
            return decision

        def finish():
            result.summary = summarize(clients, project_name, project_id, props)
            result.iam_checks = _iam_checks(work / "iam-checks.jsonl")
            say("    calls checked against their role's policies: " + ", ".join(
                f"{role} {checks['checked']}" for role, checks in sorted(result.iam_checks.items())))
            for role, checks in sorted(result.iam_checks.items()):
                if checks["denied"]:
                    say(f"    denied to {role}, and handled by the caller: {', '.join(checks['denied'])}")
            for line in describe(result.summary):
                say("    " + line)
            for stack_id in state.get("stage_stacks", []) if scenario == "accounts" else []:
                say(f"    account {stack_id.split(':')[4]}: stack {stack_id.split('/')[1]} (found by the stage's deploy role)")
            if scenario == "accounts":
                say("    not emulated: CodePipeline moving artifacts and SageMaker reading model data across accounts; the "
                    "bucket, key and model package group policies for those calls are checked by `publish.py grants`")

        steps = [
            ("publish the catalog", publish_catalog),
            ("create a project", create_project),
            ("push to the model-build repo", push),
            ("model build: buildspec and pipeline run", model_build),
            ("approve the model package", approve),
        ] + ({
            "endpoints": [
                ("model deploy: buildspec writes stage configs", model_deploy),
                ("deploy staging and test it", staging),
                ("approve, deploy prod, summarize", lambda: (prod(), finish())),
            ],
            "batch": [
                ("batch build: the approved model scores the batch input", batch_build),
                ("the schedule runs the batch pipeline again, summarize", scheduled_batch),
            ],
            "accounts": [
                ("model deploy: buildspec writes stage configs for the stage accounts' roles", model_deploy),
                ("deploy staging in its account and test it there", staging),
                ("approve, deploy prod in its account, summarize", lambda: (prod(), finish())),
                ("delete the project: each stage's endpoint stack goes, in its account", delete_project),
            ],
            "monitor": [
                ("model deploy: buildspec writes stage configs", model_deploy),
                ("deploy staging and test it", staging),
                ("approve, deploy prod", prod),
                ("prod deployed: the monitor build points the drift monitor at prod's model", monitor_build),
                ("requests drift: the scheduled monitor fails, drift retrains once per cooldown, summarize", drift_loop),
            ],
        }[scenario])
        try:
            for number, (title, action) in enumerate(steps, start=1):
                step(number, title, action)
        finally:
            for key, value in saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    return result


class _DemoLambdaContext:
    """The cleanup function's Lambda context: its 15-minute timeout, not measured here."""

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


def _session_as(sts, role_arn: str, session_name: str):
    """A boto3 session in the demo's region with the credentials ``sts`` gets for ``role_arn``."""
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name)["Credentials"]
    return boto3.Session(region_name=REGION, aws_access_key_id=credentials["AccessKeyId"],
                         aws_secret_access_key=credentials["SecretAccessKey"], aws_session_token=credentials["SessionToken"])


def _wait_for_execution(sagemaker, arn: str, timeout_seconds: float = 300) -> str:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        status = sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"]
        if status in ("Succeeded", "Failed", "Stopped"):
            return status
        time.sleep(0.5)
    raise RuntimeError(f"{arn} did not finish in {timeout_seconds:.0f}s")


def _batch_outputs(clients, props: dict) -> list[str]:
    """The batch prediction files in the project bucket (the product's BatchOutputLocation)."""
    bucket = props["ArtifactBucket"]["BucketName"]
    prefix = f"{props['ModelPackageGroup']['ModelPackageGroupName']}/batch-transform/"
    listed = clients["s3"].list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    if not listed:
        raise RuntimeError(f"no batch predictions under s3://{bucket}/{prefix}")
    return [f"s3://{bucket}/{item['Key']}" for item in listed]


def codepipeline_request(pipeline: dict) -> dict:
    """A resolved AWS::CodePipeline::Pipeline as a CreatePipeline request (stages and actions as declared)."""
    def lower(key: str) -> str:
        return key[0].lower() + key[1:]

    return {"name": pipeline["Name"], "roleArn": pipeline["RoleArn"],
            "artifactStore": {"type": "S3", "location": pipeline["ArtifactStore"]["Location"]},
            "stages": [{"name": stage["Name"], "actions": [
                {"name": action["Name"], "actionTypeId": {lower(k): v for k, v in action["ActionTypeId"].items()},
                 "configuration": {k: str(v) for k, v in action.get("Configuration", {}).items()}}
                for action in stage["Actions"]]} for stage in pipeline["Stages"]]}


def _monitor_variables(props: dict) -> dict:
    """The monitor build's variables: the monitor pipeline's name, prod's stack and capture folder."""
    return {v["Name"]: v["Value"] for v in props["DriftMonitorProject"]["Environment"]["EnvironmentVariables"]}


def _capture_prefix(props: dict) -> str:
    return _monitor_variables(props)["CAPTURE_URI"]


def _prod_endpoint(cfn, props: dict) -> str:
    stack = cfn.describe_stacks(StackName=_monitor_variables(props)["PROD_STACK_NAME"])
    return {o["OutputKey"]: o["OutputValue"] for o in stack["Stacks"][0]["Outputs"]}["EndpointName"]


def _test_rows(s3, props: dict) -> list[str]:
    """The test split the model-build run wrote (target first): rows the model never trained on."""
    bucket = props["ArtifactBucket"]["BucketName"]
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=props["ModelPackageGroup"]["ModelPackageGroupName"] + "/")
    (key,) = [o["Key"] for o in listed.get("Contents", []) if o["Key"].endswith("/preprocess/test/test.csv")]
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().splitlines()


def _write_drifted_capture(s3, props: dict, endpoint: str, monitor_time: str) -> int:
    """Requests of larger animals (the test split's rows, measurements x 1.5) as the endpoint's data capture
    would hold them, an hour before ``monitor_time``: the seed's own record format and drift, not a copy."""
    capture = seed_module("abalone_pipeline.capture")
    capture_record, drifted = capture.capture_record, capture.drifted
    rows = [[float(v) for v in line.split(",")[1:]] for line in _test_rows(s3, props)]
    at = datetime.fromisoformat(monitor_time.replace("Z", "+00:00")) - timedelta(hours=1)
    lines = [capture_record(",".join(f"{v:g}" for v in drifted(row)), "10.0", f"demo-{i}", at.strftime("%Y-%m-%dT%H:%M:%SZ"))
             for i, row in enumerate(rows)]
    bucket, _, prefix = _capture_prefix(props).removeprefix("s3://").partition("/")
    key = f"{prefix}{endpoint}/AllTraffic/{at:%Y/%m/%d/%H}/capture.jsonl"
    s3.put_object(Bucket=bucket, Key=key, Body="\n".join(lines).encode())
    return len(lines)


def _iam_checks(log: Path) -> dict:
    """Per role: calls checked, and the actions denied (a denial the caller did not tolerate failed its step)."""
    counts: dict = {}
    for line in log.read_text().splitlines() if log.exists() else []:
        entry = json.loads(line)
        role = counts.setdefault(entry["role"].removeprefix("AmazonSageMakerServiceCatalogProducts"), {"checked": 0, "denied": []})
        role["checked"] += 1
        if not entry["allowed"] and entry["action"] not in role["denied"]:
            role["denied"].append(entry["action"])
    return counts


def _registered_mse(clients, package_arn: str) -> float:
    """The test MSE in the evaluation report the package's ModelMetrics point at."""
    described = clients["sagemaker"].describe_model_package(ModelPackageName=package_arn)
    bucket, key = described["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"].removeprefix("s3://").split("/", 1)
    return json.loads(clients["s3"].get_object(Bucket=bucket, Key=key)["Body"].read())["regression_metrics"]["mse"]["value"]


def summarize(clients, project_name: str, project_id: str, props: dict) -> dict:
    """What the project has, found by its name and id."""
    sagemaker, cfn = clients["sagemaker"], clients["cloudformation"]
    group = props["ModelPackageGroup"]["ModelPackageGroupName"]
    packages = []
    for summary in sagemaker.list_model_packages(ModelPackageGroupName=group)["ModelPackageSummaryList"]:
        described = sagemaker.describe_model_package(ModelPackageName=summary["ModelPackageArn"])
        metrics_uri = described["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"]
        bucket, key = metrics_uri.removeprefix("s3://").split("/", 1)
        metrics = json.loads(clients["s3"].get_object(Bucket=bucket, Key=key)["Body"].read())
        packages.append({"arn": summary["ModelPackageArn"], "status": summary["ModelApprovalStatus"],
                         "mse": metrics["regression_metrics"]["mse"]["value"]})
    stacks = []
    for stack in cfn.describe_stacks()["Stacks"]:
        tags = {t["Key"]: t["Value"] for t in stack.get("Tags", [])}
        if tags.get("sagemaker:project-id") == project_id and tags.get("sagemaker:project-name") == project_name:
            outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
            endpoint = sagemaker.describe_endpoint(EndpointName=outputs["EndpointName"])
            stacks.append({"stack": stack["StackName"], "stage": tags.get("sagemaker:deployment-stage"),
                           "status": stack["StackStatus"], "endpoint": outputs["EndpointName"],
                           "endpoint_status": endpoint["EndpointStatus"]})
    return {
        "project": {"name": project_name, "id": project_id},
        "pipelines": [p["Name"] for p in props.values() if "Stages" in p],
        "model_packages": packages,
        "stacks": sorted(stacks, key=lambda s: s["stack"]),
    }


def describe(summary: dict) -> list[str]:
    lines = [f"project {summary['project']['name']} ({summary['project']['id']})",
             "pipelines: " + ", ".join(summary["pipelines"])]
    lines += [f"model package {p['arn']}: {p['status']}, MSE {p['mse']:.4f}" for p in summary["model_packages"]]
    lines += [f"{s['stage']}: stack {s['stack']} {s['status']}, endpoint {s['endpoint']} {s['endpoint_status']}"
              for s in summary["stacks"]]
    return lines


def main(say=print, scenario: str = "endpoints") -> int:
    started = time.perf_counter()
    try:
        result = run_demo(say=say, scenario=scenario)
    except DemoFailed as failure:
        say(f"\ndemo failed at step {failure.step} ({failure.title}): {failure.reason}")
        return 1
    say(f"\ndemo finished in {time.perf_counter() - started:.1f}s; model test MSE {result.mse:.4f}")
    for title, seconds in result.durations.items():
        say(f"  {seconds:6.2f}s  {title}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
