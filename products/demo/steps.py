"""The steps every scenario shares besides project_steps.py's: publishing the catalog, and the summary.

A step raises (a RuntimeError saying what is wrong) when what it finds is not what AWS would give; the runner
names the step. Every name comes from the resolved template, never typed here.
"""

from dataclasses import replace

from products.catalog.config import TargetAccount
from products.demo.context import PROD_ACCOUNT, STAGING_ACCOUNT, STUDIO_ROLE, Demo
from products.demo.findings import describe, iam_checks, summarize
from products.publishing.aws import Aws
from products.publishing.publication import Publication

# The pipeline approving a model must start, per scenario (a logical id of the product's template).
APPROVAL_STARTS = {"endpoints": "ModelDeployPipeline", "batch": "BatchInferencePipeline", "monitor": "ModelDeployPipeline",
                   "accounts": "ModelDeployPipeline"}
# The accounts scenario's stage accounts, as the product's parameters name them.
ACCOUNT_PARAMETERS = {"accounts": {"StagingAccountId": STAGING_ACCOUNT, "ProdAccountId": PROD_ACCOUNT}}


def publish_catalog(demo: Demo) -> None:
    """A Studio domain (the demo's account has none), then the catalog published on both routes for it."""
    domain = demo.clients["sagemaker"].create_domain(
        DomainName="demo-studio", AuthMode="IAM", SubnetIds=["subnet-demo"], VpcId="vpc-demo", Tags=[],
        DefaultUserSettings={"ExecutionRole": STUDIO_ROLE},
    )
    publish(demo, Aws(demo.region), domain["DomainArn"].rsplit("/", 1)[1], demo.found["config"].publish.target_accounts)


def scenario_config(config, scenario: str):
    """The configuration a scenario renders and publishes: the accounts scenario's names the two stage accounts as
    target accounts (so its templates allow them and its roles may assume their deploy roles); the others none."""
    targets = tuple(TargetAccount(a, f"arn:aws:iam::{a}:role/OrganizationAccountAccessRole")
                    for a in (STAGING_ACCOUNT, PROD_ACCOUNT)) if scenario == "accounts" else ()
    return replace(config, publish=replace(config.publish, target_accounts=targets, target_stack_set=None,
                                           organization_accounts=()))


def publish(demo: Demo, aws: Aws, domain_id: str, target_accounts: tuple = ()) -> Publication:
    """The real publisher, both routes, for the Studio domain ``domain_id`` and only the ``target_accounts`` given
    (the run answers its question yes)."""
    config = demo.found["config"]
    config = replace(config, publish=replace(
        config.publish, targets=("servicecatalog", "s3"), studio_domain_id=domain_id,
        target_accounts=target_accounts))
    indented = lambda line: demo.say("    " + line.strip())  # noqa: E731
    publication = Publication(config, [aws], demo.catalog, config.publish.targets, say=indented,
                              poll_seconds=demo.waits.poll)
    demo.found.update(config=config, publication=publication)
    publication.run(apply=True, ask=lambda question: indented(f"{question} yes (the run answers)") or True)
    published = publication.plans[0]
    demo.found.update(bucket=published.bucket)
    for stack in published.stacks:
        demo.say(f"    stack {stack['stack']}: {stack['action']}")
    demo.say(f"    {len(published.uploaded)} artifacts in s3://{published.bucket}; "
             f"S3 route: {len(published.s3_route)} change(s)")
    demo.say("    the portfolio stack created the portfolio and its products, which Service Catalog's API lists")
    if any(name.startswith("image-build") for name in config.products):
        demo.say("    not run here: an image-build project's docker build (no Docker daemon: the local CodeBuild fails a "
                 "privileged build, saying so); the tests check its calls against its role without running it")
    return publication


def finish(demo: Demo) -> None:
    """What the project has, found by its name and id, and every call checked against its role."""
    result = demo.result
    result.summary = summarize(demo.clients, result.project_name, result.project_id, demo.props)
    result.iam_checks = iam_checks(demo.work / "iam-checks.jsonl")
    if result.iam_checks:  # the local AWS's log of its checks (AWS checks them all the same, and keeps no such log)
        demo.say("    calls checked against their role's policies: " + ", ".join(
            f"{role} {checks['checked']}" for role, checks in sorted(result.iam_checks.items())))
    for role, checks in sorted(result.iam_checks.items()):
        if checks["denied"]:
            demo.say(f"    denied to {role}, and handled by the caller: {', '.join(checks['denied'])}")
    for line in describe(result.summary):
        demo.say("    " + line)
    if demo.scenario == "accounts":
        demo.say("    not emulated across accounts: the bucket's and key's side of the deploy roles' artifact reads (their "
                 "own policies are checked) and SageMaker reading the model data; `publish.py grants` checks the "
                 "bucket, key and model package group policies for them")
