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
from dataclasses import dataclass, field, replace
from pathlib import Path

from products.analysis.portfolio_access import principal_matches
from products.analysis.resolve import resolve
from products.demo import project_steps
from products.demo.context import AWS_WAITS, Demo, DemoFailed, DemoResult, Waits
from products.demo.people import delete_person_role
from products.demo.run import CLIENTS, run_step
from products.demo.scenarios import SCENARIOS, Step
from products.demo.steps import publish
from products.publishing.assets import AssetBucket, bucket_name
from products.publishing.publisher import destroy_region

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
    return Preflight(account, caller, aws.region, domain_id or _only_domain(aws, account),
                     person_role_arn(config, caller.split(":")[1], account, run_id), f"accept-{run_id}")


def _refuse_if_published(aws, config, account: str) -> None:
    cloudformation = aws.client("cloudformation")
    for stack in (config.publish.roles_stack, config.publish.portfolio_stack):
        try:
            cloudformation.describe_stacks(StackName=stack)
        except cloudformation.exceptions.ClientError as error:
            if "does not exist" in error.response["Error"]["Message"]:
                continue
            raise
        raise Refused(f"stack {stack} already exists in {account} {aws.region}: the acceptance run publishes the "
                      "catalog and deletes it after, so it runs only where the catalog is not published "
                      "(a sandbox account)")
    bucket = bucket_name(config.asset_bucket, account, aws.region)
    if AssetBucket(aws, bucket, account).exists():
        raise Refused(f"bucket {bucket} already exists in {account}: the acceptance run publishes into it and "
                      "deletes it after, so it runs only where the catalog is not published (a sandbox account)")


def _only_domain(aws, account: str) -> str:
    """The account's Studio domain, when it has exactly one (the S3 route tags it)."""
    domains = aws.client("sagemaker").list_domains()["Domains"]
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


def run_acceptance(aws, config, plan: Preflight, catalog, say=print, waits: Waits = AWS_WAITS) -> Outcome:
    """The steps until one fails or Ctrl-C, then the clean-up whatever happened."""
    config = this_account_only(config, plan.domain_id)
    template = json.loads(catalog.product_templates[PRODUCT].data)
    outcome = Outcome(DemoResult(plan.project_name, ""))
    resources = resolve(template, {"SageMakerProjectName": plan.project_name,
                                   "SageMakerProjectId": "p-notcreatedyet"}).resources()
    with tempfile.TemporaryDirectory(prefix="catalog-accept-") as work:
        demo = Demo("endpoints", PRODUCT, catalog, template, resources, Path(work),
                    aws.client("sts").meta.endpoint_url, outcome.result, say,
                    clients={name: aws.client(name) for name in CLIENTS}, found={"config": config, "aws": aws},
                    region=plan.region, account=plan.account, person_role=plan.person_role, waits=waits)
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
    """Everything the run created, deleted newest first; what could not be, named (empty: nothing is left).
    A second Ctrl-C stops it, naming what was not yet deleted."""
    demo.say("\n[clean-up] deleting what the run created")
    actions = [("the projects", project_steps.delete_created_projects),
               ("what the projects keep after deletion (bucket, model package group, SageMaker pipeline)",
                _delete_kept),
               ("the person's role", lambda d: delete_person_role(d.clients["iam"], d.person_role)),
               ("what publishing created", _unpublish)]
    left = []
    for index, (what, action) in enumerate(actions):
        try:
            action(demo)
        except KeyboardInterrupt:
            left += [f"{w} (interrupted)" for w, _ in actions[index:]]
            break
        except Exception as error:  # the clean-up goes on: each item is tried whatever the one before did
            left.append(f"{what} ({type(error).__name__}: {' '.join(str(error).split())[:300]})")
    demo.say("    " + ("not deleted: " + "; ".join(left) if left else "nothing the run created is left"))
    return left


def _delete_kept(demo: Demo) -> None:
    """Each project's resources its template keeps (DeletionPolicy Retain: the bucket, the model package group)
    and the SageMaker pipeline its model build made, which no stack owns."""
    for name, project in demo.found.get("projects", {}).items():
        if project["id"] is None:
            continue  # never created: nothing is named after it
        template = json.loads(demo.catalog.product_templates[project["product"]].data)
        resources = resolve(template, {"SageMakerProjectName": name, "SageMakerProjectId": project["id"],
                                       **project["parameters"]}).resources()
        for logical_id, resource in resources.items():
            if template["Resources"][logical_id].get("DeletionPolicy") == "Retain":
                _delete_kept_resource(demo, resource["Type"], resource["Properties"])
            if resource["Type"] == "AWS::CodeBuild::Project":
                _delete_sagemaker_pipeline(demo, resource["Properties"])
        demo.say(f"    deleted what project {name} kept")


def _delete_kept_resource(demo: Demo, resource_type: str, props: dict) -> None:
    if resource_type == "AWS::S3::Bucket":
        s3 = demo.clients["s3"]
        try:
            for page in s3.get_paginator("list_object_versions").paginate(Bucket=props["BucketName"]):
                doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                          for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
                if doomed:
                    s3.delete_objects(Bucket=props["BucketName"], Delete={"Objects": doomed, "Quiet": True})
            s3.delete_bucket(Bucket=props["BucketName"], ExpectedBucketOwner=demo.account)
        except s3.exceptions.NoSuchBucket:
            pass
    elif resource_type == "AWS::SageMaker::ModelPackageGroup":
        sagemaker, group = demo.clients["sagemaker"], props["ModelPackageGroupName"]
        try:
            for package in sagemaker.list_model_packages(ModelPackageGroupName=group)["ModelPackageSummaryList"]:
                sagemaker.delete_model_package(ModelPackageName=package["ModelPackageArn"])
            sagemaker.delete_model_package_group(ModelPackageGroupName=group)
        except sagemaker.exceptions.ClientError as error:
            if "does not exist" not in error.response["Error"]["Message"]:
                raise


def _delete_sagemaker_pipeline(demo: Demo, build_project: dict) -> None:
    variables = {v["Name"]: v["Value"] for v in build_project.get("Environment", {}).get("EnvironmentVariables", [])}
    name = variables.get("SAGEMAKER_PIPELINE_NAME")
    if not name:
        return
    sagemaker = demo.clients["sagemaker"]
    try:
        sagemaker.delete_pipeline(PipelineName=name, ClientRequestToken=secrets.token_hex(16))
    except sagemaker.exceptions.ClientError as error:
        if error.response["Error"]["Code"] not in ("ResourceNotFound", "ValidationException"):
            raise


def _unpublish(demo: Demo) -> None:
    """The roles and portfolio stacks, the asset bucket and the domain's tag (as ``destroy --roles --buckets``)."""
    if "publication" not in demo.found:
        return  # publishing never started
    config = demo.found["config"]
    removed = destroy_region(demo.found["aws"], config, roles=True, buckets=True,
                             say=lambda line: demo.say("    " + line.strip()), poll_seconds=demo.waits.poll,
                             domain_id=config.publish.studio_domain_id)
    demo.say("    removed " + (", ".join(removed) or "nothing (nothing was there)"))
