"""The demo's steps, each a short function of the ``Demo`` it works on (``scenarios.py`` lists them in order).

A step raises (a RuntimeError saying what is wrong) when what it finds is not what AWS would give; the runner
names the step. Every name, variable and rule pattern comes from the resolved template, never typed here.
"""

import json
import time
from dataclasses import replace

import boto3

from products.catalog.config import TargetAccount
from products.catalog.roles import STUDIO_USER_POLICY
from products.demo.context import ACCOUNT, PROD_ACCOUNT, REGION, STAGING_ACCOUNT, STUDIO_ROLE, Demo
from products.demo.findings import describe, iam_checks, registered_mse, summarize
from products.local_aws.codebuild import run_buildspec
from products.local_aws.event_routing import EventRouter
from products.local_aws.event_shapes import codecommit_reference_event, model_package_state_event
from products.publishing.aws import Aws
from products.publishing.projects import create_project_request, validated
from products.publishing.publication import Publication

STUDIO_USER_POLICY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/service-role/{STUDIO_USER_POLICY}"
SAGEMAKER_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
# The pipeline approving a model must start, per scenario (a logical id of the product's template).
APPROVAL_STARTS = {"endpoints": "ModelDeployPipeline", "batch": "BatchInferencePipeline", "monitor": "ModelDeployPipeline",
                   "accounts": "ModelDeployPipeline"}
# The accounts scenario's stage accounts, as the product's parameters name them.
ACCOUNT_PARAMETERS = {"accounts": {"StagingAccountId": STAGING_ACCOUNT, "ProdAccountId": PROD_ACCOUNT}}


def publish_catalog(demo: Demo) -> None:
    """The real publisher, both routes, into the local AWS (the demo answers its question yes)."""
    domain = demo.clients["sagemaker"].create_domain(
        DomainName="demo-studio", AuthMode="IAM", SubnetIds=["subnet-demo"], VpcId="vpc-demo", Tags=[],
        DefaultUserSettings={"ExecutionRole": STUDIO_ROLE},
    )
    targets = tuple(TargetAccount(a, f"arn:aws:iam::{a}:role/OrganizationAccountAccessRole")
                    for a in (STAGING_ACCOUNT, PROD_ACCOUNT)) if demo.scenario == "accounts" else ()
    config = demo.found["config"]
    config = replace(config, publish=replace(
        config.publish, targets=("servicecatalog", "s3"), studio_domain_id=domain["DomainArn"].rsplit("/", 1)[1],
        target_accounts=targets))
    indented = lambda line: demo.say("    " + line.strip())  # noqa: E731
    publication = Publication(config, [Aws(REGION)], demo.catalog, config.publish.targets, say=indented, poll_seconds=0.2)
    publication.run(apply=True, ask=lambda question: indented(f"{question} yes (the demo answers)") or True)
    published = publication.plans[0]
    demo.found.update(config=config, bucket=published.bucket)
    for stack in published.stacks:
        demo.say(f"    stack {stack['stack']}: {stack['action']}")
    demo.say(f"    {len(published.uploaded)} artifacts in s3://{published.bucket}; "
             f"S3 route: {len(published.s3_route)} change(s)")
    demo.say("    the portfolio stack created the portfolio and its products, which Service Catalog's API lists")


def create_project(demo: Demo) -> None:
    """Studio's S3-route request and reads, then the project's resources the next steps use."""
    studio_s3_route(demo)
    props, s3 = demo.props, demo.clients["s3"]
    bucket = props["ArtifactBucket"]["BucketName"]
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    group = props["ModelPackageGroup"]
    demo.clients["sagemaker"].create_model_package_group(
        ModelPackageGroupName=group["ModelPackageGroupName"],
        ModelPackageGroupDescription=group["ModelPackageGroupDescription"], Tags=group["Tags"],
    )
    demo.found["router"] = EventRouter(demo.clients["events"], demo.clients["sqs"], demo.resources)
    demo.say(f"    bucket {bucket}, model package group {group['ModelPackageGroupName']}, "
             f"{len(demo.found['router'].queues)} EventBridge rules")
    demo.say("    not emulated: CodeCommit seeding, CodeBuild and CodePipeline (the next steps run their parts here)")


def studio_s3_route(demo: Demo) -> None:
    """What Studio does on the S3 route, as far as the local AWS goes: the CreateProject request it sends
    (validated against SageMaker's API model), and, as the Studio execution role with the roles stack's
    S3-route user policy attached, the template reads (authorized by the emulator)."""
    request = validated(demo.clients["sagemaker"], create_project_request(
        demo.found["config"], product=demo.product, template=demo.template, project_name=demo.result.project_name,
        parameters={}, bucket=demo.found["bucket"], region=REGION, account=ACCOUNT, partition="aws"))
    provider = request["TemplateProviders"][0]["CfnTemplateProvider"]
    iam = boto3.client("iam", region_name=REGION)
    iam.create_role(RoleName=STUDIO_ROLE.rsplit("/", 1)[1], Path="/service-role/",
                    AssumeRolePolicyDocument=json.dumps(SAGEMAKER_TRUST))
    iam.attach_role_policy(RoleName=STUDIO_ROLE.rsplit("/", 1)[1], PolicyArn=STUDIO_USER_POLICY_ARN)
    studio = demo.session_as(STUDIO_ROLE, "studio")
    key, listed = _offered_to_studio(studio.client("s3"), demo.found["bucket"], provider["TemplateURL"])
    studio.client("cloudformation").validate_template(TemplateURL=provider["TemplateURL"])  # read from its S3
    demo.say(f"    S3 route, as Studio's execution role: {listed} templates listed, {key} read with its tags; "
             "CloudFormation read and validated the template from its URL")
    demo.say(f"    CreateProject request valid for SageMaker's API model: {provider['TemplateName']}, "
             f"launch role {provider['RoleARN'].rsplit('/', 1)[1]}")
    demo.say("    not emulated: SageMaker's CreateProject and CloudFormation creating the stack (moto cannot create "
             "the product's resources); the harness creates the ones the next steps use, from the resolved template")


def _offered_to_studio(s3, bucket: str, template_url: str) -> tuple[str, int]:
    """The template's key and how many templates Studio lists beside it, once listed, tagged for Studio and read
    as Studio's role would."""
    key = template_url.split(".amazonaws.com/", 1)[1]
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=key.rsplit("/", 1)[0] + "/")["Contents"]]
    tags = {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]}
    s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    if key not in listed or tags.get("sagemaker:studio-visibility") != "true":
        raise RuntimeError(f"S3 route: s3://{bucket}/{key} is not offered to Studio ({tags})")
    return key, len(listed)


def push(demo: Demo) -> None:
    repo = demo.props["ModelBuildRepository"]["RepositoryName"]
    event = codecommit_reference_event(repo, "main", region=REGION)
    demo.say(f"    CodeCommit Repository State Change: referenceUpdated main in {repo}")
    expected = demo.props["ModelBuildPipeline"]["Name"]
    if demo.started_pipelines(event) != [expected]:
        raise RuntimeError(f"a push to main of {repo} did not start exactly {expected}")


def model_build(demo: Demo) -> None:
    """The model-build buildspec as written, as its CodeBuild project's role; it registers a pending model."""
    source = demo.found["build_source"] = demo.seed_source("model-build")
    project = demo.props["ModelBuildProject"]
    demo.say("    CodeBuild (stood in for here): the buildspec as written, in a Python 3.12 environment holding"
             " only what its install phase installs")
    run_buildspec(source / project["Source"]["BuildSpec"], source, project, REGION,
                  extra_env={**demo.as_service_role(project), "RUN_PIPELINE_POLL_SECONDS": "1"}, say=demo.say)
    group = demo.props["ModelPackageGroup"]["ModelPackageGroupName"]
    packages = demo.clients["sagemaker"].list_model_packages(ModelPackageGroupName=group)["ModelPackageSummaryList"]
    pending = [p for p in packages if p["ModelApprovalStatus"] == "PendingManualApproval"]
    if not pending:
        raise RuntimeError("the model-build run registered no PendingManualApproval model package")
    demo.found["package"] = pending[0]
    demo.result.mse = registered_mse(demo.clients, pending[0]["ModelPackageArn"])
    demo.say(f"    registered {pending[0]['ModelPackageArn']} (PendingManualApproval), test MSE {demo.result.mse:.4f}")


def approve(demo: Demo) -> None:
    package = demo.found["package"]
    demo.clients["sagemaker"].update_model_package(ModelPackageArn=package["ModelPackageArn"],
                                                   ModelApprovalStatus="Approved")
    event = model_package_state_event(
        package["ModelPackageGroupName"], package["ModelPackageVersion"], "Approved", region=REGION)
    demo.say(f"    SageMaker Model Package State Change: {package['ModelPackageArn']} Approved")
    expected = demo.props[APPROVAL_STARTS[demo.scenario]]["Name"]
    if demo.started_pipelines(event) != [expected]:
        raise RuntimeError(f"approving the package did not start exactly {expected}")


def model_deploy(demo: Demo) -> None:
    """The model-deploy buildspec as written: the stage configurations and the packaged endpoint template."""
    source = demo.found["deploy_source"] = demo.seed_source("model-deploy")
    project = demo.props["ModelDeployProject"]
    artifact = demo.found["build_artifact"] = demo.work / "BuildArtifact"
    build = run_buildspec(source / project["Source"]["BuildSpec"], source, project, REGION,
                          extra_env=demo.as_service_role(project), output_dir=artifact, say=demo.say)
    demo.say(f"    exported {', '.join(sorted(build.exported))}")
    for stage, account in ACCOUNT_PARAMETERS.get(demo.scenario, {}).items():
        name = {"StagingAccountId": "staging", "ProdAccountId": "prod"}[stage]
        exported = json.loads((artifact / f"{name}-config-export.json").read_text())
        role = exported["Parameters"]["ModelExecutionRoleArn"]
        if role.split(":")[4] != account:
            raise RuntimeError(f"the {name} configuration runs its model as {role}, not a role of account {account}")
        demo.say(f"    {name} runs its model as {role}")


def deploy_stage(demo: Demo, stage_title: str) -> None:
    """The deploy pipeline's CloudFormation action for one stage, as CodePipeline would run it."""
    stage = next(s for s in demo.props["ModelDeployPipeline"]["Stages"] if s["Name"] == stage_title)
    action = stage["Actions"][0]
    configuration, artifact_dir = action["Configuration"], demo.found["build_artifact"]
    stage_config = json.loads((artifact_dir / configuration["TemplateConfiguration"].split("::")[1]).read_text())
    stack = configuration["StackName"]
    stage_cfn, role = demo.clients["cloudformation"], {}
    if "RoleArn" in action:  # the stage's own account: as CodePipeline, through its deploy role
        as_pipeline = demo.session_as(demo.props["ModelDeployPipeline"]["RoleArn"], "codepipeline").client("sts")
        stage_cfn = demo.session_as(action["RoleArn"], "deploy", sts=as_pipeline).client("cloudformation")
        role = {"RoleARN": configuration["RoleArn"]}
        demo.say(f"    CodePipeline's role assumed {action['RoleArn']} (checked: its policy and the role's trust); "
                 f"the stack is created there with {configuration['RoleArn'].rsplit('/', 1)[1]}")
    stage_cfn.create_stack(
        StackName=stack,
        TemplateBody=(artifact_dir / configuration["TemplatePath"].split("::")[1]).read_text(),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in stage_config["Parameters"].items()],
        Tags=[{"Key": k, "Value": v} for k, v in stage_config["Tags"].items()],
        **role,
    )
    described = _settled(stage_cfn, stack)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}
    demo.found.setdefault("stage_stacks", []).append(described["StackId"])
    demo.say(f"    stack {described['StackId'].split(':')[4]}/{stack}: CREATE_COMPLETE, endpoint {outputs['EndpointName']}"
             " (moto names endpoints itself; AWS would use the template's <project>-<stage>)")


def _settled(cfn, stack: str) -> dict:
    """The stack once CloudFormation has finished with it; a RuntimeError with each failed resource's reason
    (what CloudFormation's console shows) unless it is CREATE_COMPLETE."""
    for _ in range(600):
        described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        if not described["StackStatus"].endswith("_IN_PROGRESS"):
            break
        time.sleep(0.1)
    if described["StackStatus"] != "CREATE_COMPLETE":
        failed = [f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', 'no reason given')}"
                  for e in cfn.describe_stack_events(StackName=described["StackId"])["StackEvents"]
                  if e["ResourceStatus"] == "CREATE_FAILED"]
        raise RuntimeError(f"stack {stack}: {described['StackStatus']}; " + ("; ".join(failed) or "no resource failed"))
    return described


def staging(demo: Demo) -> None:
    """Staging deployed, its endpoint's answers stood in for, then the staging test buildspec as written."""
    deploy_stage(demo, "DeployStaging")
    demo.say("    stand-in: the endpoint's container; the local AWS answers with the deployed model's predictions, "
             "computed in the local runtime of its image")
    project, source = demo.props["StagingTestProject"], demo.found["deploy_source"]
    run_buildspec(source / project["Source"]["BuildSpec"], source, project, REGION,
                  extra_env=demo.as_service_role(project),
                  secondary_sources={"BuildArtifact": demo.found["build_artifact"]}, say=demo.say)


def prod(demo: Demo) -> None:
    demo.say("    ApproveDeployment: approved (the demo approves in place of a person)")
    deploy_stage(demo, "DeployProd")


def finish(demo: Demo) -> None:
    """What the project has, found by its name and id, and every call checked against its role."""
    result = demo.result
    result.summary = summarize(demo.clients, result.project_name, result.project_id, demo.props)
    result.iam_checks = iam_checks(demo.work / "iam-checks.jsonl")
    demo.say("    calls checked against their role's policies: " + ", ".join(
        f"{role} {checks['checked']}" for role, checks in sorted(result.iam_checks.items())))
    for role, checks in sorted(result.iam_checks.items()):
        if checks["denied"]:
            demo.say(f"    denied to {role}, and handled by the caller: {', '.join(checks['denied'])}")
    for line in describe(result.summary):
        demo.say("    " + line)
    if demo.scenario == "accounts":
        for stack_id in demo.found.get("stage_stacks", []):
            demo.say(f"    account {stack_id.split(':')[4]}: stack {stack_id.split('/')[1]} "
                     "(found by the stage's deploy role)")
        demo.say("    not emulated: CodePipeline moving artifacts and SageMaker reading model data across accounts; "
                 "the bucket, key and model package group policies for those calls are checked by `publish.py grants`")


def prod_then_finish(demo: Demo) -> None:
    prod(demo)
    finish(demo)


def delete_project(demo: Demo) -> None:
    """The project's deletion, as CloudFormation asks the cleanup function (its custom resource's Delete)."""
    from products.functions import endpoint_cleanup

    function, stacks = demo.props["EndpointCleanupFunction"], demo.props["EndpointCleanup"]["Stacks"]
    session = demo.session_as(function["Role"], "cleanup")
    demo.say("    not emulated: Lambda; the cleanup function's code runs here as its role, for the Delete request of "
             "its custom resource, whose stacks are: " + ", ".join(
                 f"{s['StackName']} ({s['RoleArn'].split(':')[4] + ' via ' + s['RoleArn'].rsplit('/', 1)[1] if s['RoleArn'] else 'here'})"
                 for s in stacks))
    deleted = endpoint_cleanup.delete_stacks(
        stacks, lambda role: endpoint_cleanup.cloudformation_client(role, session), _DemoLambdaContext(),
        sleep=lambda _: time.sleep(0.2))
    for stack_id in demo.found["stage_stacks"]:
        account = stack_id.split(":")[4]
        as_admin = demo.session_as(f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", "check")
        status = as_admin.client("cloudformation").describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"]
        if status != "DELETE_COMPLETE":
            raise RuntimeError(f"the stage stack {stack_id} is {status} after the project's deletion")
        demo.say(f"    account {account}: {stack_id.split('/')[1]} DELETE_COMPLETE")
    if sorted(deleted) != sorted(s["StackName"] for s in stacks):
        raise RuntimeError(f"the cleanup deleted {deleted}")
    before, demo.result.iam_checks = demo.result.iam_checks, iam_checks(demo.work / "iam-checks.jsonl")
    demo.say("    calls checked since the summary: " + ", ".join(
        f"{role} {checks['checked'] - before.get(role, {}).get('checked', 0)}"
        for role, checks in sorted(demo.result.iam_checks.items())
        if checks["checked"] != before.get(role, {}).get("checked", 0)))


class _DemoLambdaContext:
    """The cleanup function's Lambda context: its 15-minute timeout, not measured here."""

    def get_remaining_time_in_millis(self) -> int:
        return 900_000
