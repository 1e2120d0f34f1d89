"""The acceptance run (``publish.py accept``): the demo's endpoints scenario, only what people do through AWS's
APIs, against the account the credentials name, with AWS's waits. As taskcat does for a plain template, but for
the whole flow: publish, a project on each route, a push, the model build, the approvals, the endpoints asked,
the projects deleted. Whatever happens (a failed step, Ctrl-C), everything the run created is deleted after it.

- ``preflight``: who and where, read before anything is asked or changed; refused where the catalog is already
  published (the run deletes what it publishes, so it belongs in a sandbox account);
- ``run_acceptance``: the steps, numbered and timed, until one fails or Ctrl-C, then ``clean_up`` (its Outcome);
- acceptance_plan.py: what the run creates and its rough cost, said before the question.

Pointed at the local AWS (AWS_ENDPOINT_URL), the same code runs against the emulator: that is how it is tested.
"""

import json
import secrets
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from products.analysis.portfolio_access import principal_matches
from products.analysis.resolve import resolve
from products.demo import project_steps
from products.demo.context import AWS_WAITS, Demo, DemoFailed, DemoResult, Waits
from products.demo.findings import every, sagemaker_missing
from products.demo.people import delete_person_role
from products.demo.run import CLIENTS, run_step
from products.demo.scenarios import SCENARIOS, Step
from products.demo.steps import publish
from products.local_aws.codebuild import project_environment
from products.publishing.assets import AssetBucket, bucket_name, delete_bucket
from products.publishing.aws import PublishError
from products.publishing.publisher import destroy_region, refuse_roles_made_elsewhere
from products.publishing.stacks import describe_stack

PRODUCT = "build-train-deploy"  # the endpoints scenario's, on the Service Catalog route


class Refused(Exception):
    """The run cannot start in this account; nothing was changed."""


@dataclass(frozen=True)
class Preflight:
    account: str
    caller: str  # the ARN the credentials name
    region: str
    domain_id: str
    person_role: str  # the Studio user's role the run creates and acts as
    project_name: str


def preflight(aws, config, domain_id: str = "", run_id: str | None = None) -> Preflight:
    """Where the run would act, read-only; Refused (one line) if it cannot run there."""
    account = aws.account_id()
    caller = aws.client("sts").get_caller_identity()["Arn"]
    run_id = run_id or secrets.token_hex(3)
    _refuse_if_published(aws, config, account)
    _refuse_if_roles_exist(aws, config, account)
    return Preflight(account, caller, aws.region, _domain(aws, account, domain_id),
                     person_role_arn(config, caller.split(":")[1], account, run_id), f"accept-{run_id}")


def _refuse_if_published(aws, config, account: str) -> None:
    cloudformation = aws.client("cloudformation")
    for stack in (config.publish.roles_stack, config.publish.portfolio_stack):
        if describe_stack(cloudformation, stack) is not None:
            raise Refused(f"stack {stack} already exists in {account} {aws.region}: the acceptance run publishes the "
                          "catalog and deletes it after, so it runs only where the catalog is not published "
                          "(a sandbox account)")
    bucket = bucket_name(config.asset_bucket, account, aws.region)
    if AssetBucket(aws, bucket, account).exists():
        raise Refused(f"bucket {bucket} already exists in {account}: the acceptance run publishes into it and "
                      "deletes it after, so it runs only where the catalog is not published (a sandbox account)")


def _refuse_if_roles_exist(aws, config, account: str) -> None:
    """The roles stack creates roles of fixed names, which Studio's set-up may already have made (the publisher's
    own check, said before the question)."""
    try:
        refuse_roles_made_elsewhere(aws, config, account)
    except PublishError as error:
        raise Refused(f"{error} (the acceptance run needs an account without them: a sandbox account)") from None


def _domain(aws, account: str, domain_id: str) -> str:
    """The Studio domain the S3 route tags: the one given, which must exist, or the account's only one."""
    sagemaker = aws.client("sagemaker")
    if domain_id:
        try:
            sagemaker.describe_domain(DomainId=domain_id)
        except sagemaker.exceptions.ResourceNotFound:
            raise Refused(f"--domain-id: no Studio domain {domain_id} in {account} {aws.region}") from None
        return domain_id
    domains = sagemaker.list_domains()["Domains"]
    if len(domains) != 1:
        raise Refused(f"{len(domains)} Studio domains in {account} {aws.region}: the S3 route publishes for one; "
                      + ("create one first (SageMaker Studio's quick setup)" if not domains else "pass --domain-id"))
    return domains[0]["DomainId"]


def person_role_arn(config, partition: str, account: str, run_id: str) -> str:
    """A role the portfolio lets in: named by the first principal that is a role pattern ending in ``*``
    (Studio's execution roles, ``role/service-role/AmazonSageMaker-ExecutionRole-*``), with the run's id."""
    for principal in config.portfolio.principals:
        pattern = principal.arn.replace("${AWS::Partition}", partition).replace("${AWS::AccountId}", account)
        resource = pattern.split(":", 5)[-1]
        if resource.startswith("role/") and resource.endswith("*") and not any(c in resource[:-1] for c in "*?"):
            arn = f"arn:{partition}:iam::{account}:{resource[:-1]}acceptance-{run_id}"
            if principal_matches(arn, pattern):
                return arn
    raise Refused(f"portfolio.principals in {config.path}: the run acts as a Studio user whose role a principal "
                  "lets in, and needs one that is a role pattern ending in * (such as "
                  "arn:${AWS::Partition}:iam:::role/service-role/AmazonSageMaker-ExecutionRole-*)")


def this_account_only(config, domain_id: str):
    """The configuration as the run publishes it: both routes, for this account's domain, and nothing in other
    accounts (no target or member accounts, no stack set, no portfolio shares)."""
    return replace(
        config, portfolio=replace(config.portfolio, share_with=None),
        publish=replace(config.publish, targets=("servicecatalog", "s3"), studio_domain_id=domain_id,
                        target_accounts=(), target_stack_set=None, member_accounts=()))


def acceptance_steps() -> tuple[Step, ...]:
    """The endpoints scenario's steps, its first publishing into this account (no Studio domain made)."""
    return (Step("publish the catalog into this account", _publish),) + SCENARIOS["endpoints"].steps[1:]


def _publish(demo: Demo) -> None:
    publish(demo, demo.found["aws"], demo.found["config"].publish.studio_domain_id)


@dataclass
class Outcome:
    """How the run went: its result, the step that failed or an interruption, and what the clean-up left."""

    result: DemoResult
    failure: DemoFailed | None = None
    interrupted: bool = False
    left: list[str] = field(default_factory=list)


def run_acceptance(aws, config, sandbox: Preflight, catalog, say=print, waits: Waits = AWS_WAITS) -> Outcome:
    """The steps until one fails or Ctrl-C, then the clean-up whatever happened."""
    config = this_account_only(config, sandbox.domain_id)
    template = json.loads(catalog.product_templates[PRODUCT].data)
    outcome = Outcome(DemoResult(sandbox.project_name, ""))
    resources = resolve(template, {"SageMakerProjectName": sandbox.project_name,
                                   "SageMakerProjectId": "p-notcreatedyet"}).resources()
    with tempfile.TemporaryDirectory(prefix="catalog-accept-") as work:
        demo = Demo("endpoints", PRODUCT, catalog, template, resources, Path(work),
                    aws.client("sts").meta.endpoint_url, outcome.result, say,
                    clients={name: aws.client(name) for name in CLIENTS}, found={"config": config, "aws": aws},
                    region=sandbox.region, account=sandbox.account, person_role=sandbox.person_role, waits=waits)
        steps = acceptance_steps()
        try:
            for number, step in enumerate(steps, start=1):
                run_step(demo, number, len(steps), step)
        except DemoFailed as failure:
            outcome.failure = failure
            say(f"\nstep {failure.step} ({failure.title}) failed: {failure.reason}")
        except KeyboardInterrupt:
            outcome.interrupted = True
            say("\ninterrupted (Ctrl-C); cleaning up (Ctrl-C again stops the clean-up)")
        outcome.left = clean_up(demo)
    return outcome


def clean_up(demo: Demo) -> list[str]:
    """Everything the run created, deleted newest first; what could not be, named (empty: nothing is left). Each
    item is tried whatever the one before did, except that the catalog stays while a project does (its roles are
    what deletes a project). A second Ctrl-C stops it, naming what was not yet deleted."""
    demo.say("\n[clean-up] deleting what the run created")
    left: list[str] = []
    items = [("what still runs (builds, SageMaker pipeline executions)", _stop_running),
             ("the projects", project_steps.delete_created_projects),
             ("what the projects keep after deletion", lambda d: left.extend(_delete_kept(d))),
             ("the person's role", lambda d: delete_person_role(d.clients["iam"], d.person_role))]
    items += [(f"the catalog's {part}", lambda d, part=part: _unpublish(d, part)) for part in UNPUBLISHED]
    after_the_projects = {items[2][0]} | {what for what, _ in items[4:]}
    for index, (what, action) in enumerate(items):
        if what in after_the_projects and any(item.startswith("the projects") for item in left):
            left.append(f"{what} (kept while a project exists: delete the projects, then what they keep, then "
                        "`publish.py destroy --roles --buckets`)")
            continue
        try:
            action(demo)
        except KeyboardInterrupt:
            left += [f"{w} (interrupted)" for w, _ in items[index:]]
            break
        except Exception as error:  # the clean-up goes on: each item is tried whatever the one before did
            left.append(f"{what} ({type(error).__name__}: {' '.join(str(error).split())[:300]})")
    demo.say("    " + ("not deleted: " + "; ".join(left) if left else "nothing the run created is left"))
    return left


def _project_resources(demo: Demo):
    """Each project the run asked for, with its resolved resources and template: (name, resources, template);
    a project whose id never came back is named instead (nothing named after it can be looked for)."""
    for name, project in demo.found.get("projects", {}).items():
        if project["id"] is None:
            yield name, None, None
            continue
        template = json.loads(demo.catalog.product_templates[project["product"]].data)
        yield name, resolve(template, {"SageMakerProjectName": name, "SageMakerProjectId": project["id"],
                                       **project["parameters"]}).resources(), template


def _build_projects(demo: Demo) -> list[dict]:
    """The properties of every CodeBuild project of the run's projects."""
    return [resource["Properties"] for _, resources, _ in _project_resources(demo)
            for resource in (resources or {}).values() if resource["Type"] == "AWS::CodeBuild::Project"]


def _stop_running(demo: Demo) -> None:
    """The projects' builds in progress and SageMaker pipeline executions still executing, stopped, and waited
    for until they have: deleting a project stops neither, both bill until they end, and a build still running
    could make again what the clean-up deletes (the SageMaker pipeline, objects in the bucket)."""
    codebuild, sagemaker = demo.clients["codebuild"], demo.clients["sagemaker"]
    projects = _build_projects(demo)
    builds = [build for project in projects for build in _stop_builds(demo, codebuild, project["Name"])]
    executions = []  # after the builds: a build may have started one
    for name in filter(None, (project_environment(project).get("SAGEMAKER_PIPELINE_NAME") for project in projects)):
        for execution in _executions(sagemaker, name):
            arn, status = execution["PipelineExecutionArn"], execution["PipelineExecutionStatus"]
            if status == "Executing":
                sagemaker.stop_pipeline_execution(PipelineExecutionArn=arn, ClientRequestToken=secrets.token_hex(16))
                demo.say(f"    stopping SageMaker pipeline execution {arn}")
            if status in ("Executing", "Stopping"):
                executions.append(arn)
    _until(demo, lambda: all(b["buildStatus"] != "IN_PROGRESS" for b in
                             (codebuild.batch_get_builds(ids=builds)["builds"] if builds else [])), "builds to stop")
    _until(demo, lambda: all(sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)[
        "PipelineExecutionStatus"] not in ("Executing", "Stopping") for arn in executions), "executions to stop")


def _stop_builds(demo: Demo, codebuild, project: str) -> list[str]:
    """The project's builds in progress, stopped; their ids."""
    try:
        ids = every(codebuild, "list_builds_for_project", "ids", projectName=project)
    except codebuild.exceptions.ResourceNotFoundException:
        return []
    stopped = []
    for build in codebuild.batch_get_builds(ids=ids[:100])["builds"] if ids else []:  # newest first
        if build["buildStatus"] == "IN_PROGRESS":
            codebuild.stop_build(id=build["id"])
            demo.say(f"    stopping build {build['id']}")
            stopped.append(build["id"])
    return stopped


def _until(demo: Demo, done, what: str) -> None:
    give_up = time.monotonic() + demo.waits.hang
    while not done():
        if time.monotonic() >= give_up:
            raise RuntimeError(f"still waiting for {what} after {demo.waits.hang:.0f}s")
        time.sleep(demo.waits.poll)


def _executions(sagemaker, pipeline: str) -> list:
    try:
        return every(sagemaker, "list_pipeline_executions", "PipelineExecutionSummaries", PipelineName=pipeline)
    except sagemaker.exceptions.ClientError as error:
        if sagemaker_missing(error):
            return []  # no such pipeline: the model build never made it
        raise


def _delete_kept(demo: Demo) -> list[str]:
    """Each project's resources its template keeps (DeletionPolicy Retain), the SageMaker pipeline its model build
    made and the log groups its builds and functions wrote, which no stack owns; what could not be deleted."""
    left = []
    for name, resources, template in _project_resources(demo):
        if resources is None:
            left.append(f"project {name}: its id never came back; look for what is named after it")
            continue
        for logical_id, resource in resources.items():
            kept = template["Resources"][logical_id].get("DeletionPolicy") == "Retain"
            for what, action in _kept_deletions(demo, resource, kept):
                try:
                    action()
                except Exception as error:  # each is tried: one failure names itself and the others go on
                    left.append(f"{what} of project {name} ({type(error).__name__}: {error})")
        demo.say(f"    deleted what project {name} kept")
    return left


def _kept_deletions(demo: Demo, resource: dict, kept: bool) -> list:
    """(what, action) for what outlives this resource of a deleted project."""
    kind, props, clients = resource["Type"], resource["Properties"], demo.clients
    deletions = []
    if kind == "AWS::CodeBuild::Project":
        name = project_environment(props).get("SAGEMAKER_PIPELINE_NAME")
        if name:
            deletions.append((f"SageMaker pipeline {name}", lambda: _delete_sagemaker_pipeline(clients["sagemaker"], name)))
        deletions.append((f"log group of {props['Name']}",
                          lambda: _delete_log_group(clients["logs"], f"/aws/codebuild/{props['Name']}")))
    if kind == "AWS::Lambda::Function":
        deletions.append((f"log group of {props['FunctionName']}",
                          lambda: _delete_log_group(clients["logs"], f"/aws/lambda/{props['FunctionName']}")))
    if kept and kind == "AWS::S3::Bucket":
        deletions.append((f"bucket {props['BucketName']}", lambda: delete_bucket(clients["s3"], props["BucketName"], demo.account)))
    elif kept and kind == "AWS::SageMaker::ModelPackageGroup":
        group = props["ModelPackageGroupName"]
        deletions.append((f"model package group {group}", lambda: _delete_group(clients["sagemaker"], group)))
    elif kept and kind != "AWS::S3::BucketPolicy":  # a bucket policy goes with its bucket
        deletions.append((f"{kind} (kept by its template)", lambda: _unhandled(kind)))
    return deletions


def _unhandled(kind: str) -> None:
    raise RuntimeError(f"the acceptance run does not know how to delete a kept {kind}")


def _delete_sagemaker_pipeline(sagemaker, name: str) -> None:
    try:
        sagemaker.delete_pipeline(PipelineName=name, ClientRequestToken=secrets.token_hex(16))
    except sagemaker.exceptions.ResourceNotFound:
        pass


def _delete_log_group(logs, name: str) -> None:
    try:
        logs.delete_log_group(logGroupName=name)
    except logs.exceptions.ResourceNotFoundException:
        pass


def _delete_group(sagemaker, group: str) -> None:
    """The group's packages, then the group (SageMaker refuses a group that still holds packages)."""
    try:
        sagemaker.describe_model_package_group(ModelPackageGroupName=group)
    except sagemaker.exceptions.ClientError as error:
        if sagemaker_missing(error):
            return  # no such group
        raise
    for package in every(sagemaker, "list_model_packages", "ModelPackageSummaryList", ModelPackageGroupName=group):
        sagemaker.delete_model_package(ModelPackageName=package["ModelPackageArn"])
    sagemaker.delete_model_package_group(ModelPackageGroupName=group)


# What publishing created, deleted in this order (each its own clean-up item): as `destroy --roles --buckets`.
UNPUBLISHED = ("portfolio stack", "roles stack", "asset bucket and the domain's tag")


def _unpublish(demo: Demo, part: str) -> None:
    if "publication" not in demo.found:
        return  # publishing never started
    config = demo.found["config"]
    removed = destroy_region(demo.found["aws"], config, roles=part == UNPUBLISHED[1], buckets=part == UNPUBLISHED[2],
                             say=lambda line: demo.say("    " + line.strip()), poll_seconds=demo.waits.poll,
                             domain_id=config.publish.studio_domain_id)
    if removed:
        demo.say("    removed " + ", ".join(removed))
