"""What an acceptance run will create in the account, and a rough cost: said before the run asks.

The cost is an estimate for a person deciding whether to go ahead, not a quote: approximate on-demand list prices
(USD, us-east-1, as the AWS pricing pages gave them in 2026; the run does not look them up) times what a run
uses. What bills while it runs: the SageMaker jobs of two model builds (the one the model-build pipeline's
creation starts, and the push's), the CodeBuild minutes (the model build waits for its SageMaker pipeline), the
CodePipeline V2 action minutes, and the two endpoints from staging's deployment to the projects' deletion.
"""

import json
from collections import Counter
from dataclasses import dataclass

from products.render.synth import SEEDCODE_DIR, RenderedCatalog

# Approximate on-demand prices, USD: SageMaker instances per hour; CodeBuild per build minute (general1.small,
# Linux); CodePipeline V2 per action-execution minute.
HOURLY = {"ml.m5.large": 0.115, "ml.m5.xlarge": 0.23}
CODEBUILD_MINUTE, PIPELINE_ACTION_MINUTE = 0.005, 0.002
# What one run uses, roughly (minutes): a SageMaker job with its start-up; a model build's CodeBuild (it waits for
# the SageMaker pipeline); the deploy pipeline's builds; staging's and prod's endpoints up until the deletion.
JOB_MINUTES, MODEL_BUILD_MINUTES, DEPLOY_BUILD_MINUTES = 6, 25, 4
STAGING_MINUTES, PROD_MINUTES = 30, 20
MODEL_BUILDS, JOBS_PER_BUILD, JOB_INSTANCE = 2, 4, "ml.m5.xlarge"  # the seed pipeline's defaults
RUN_MINUTES = (60, 90)


@dataclass(frozen=True)
class Estimate:
    lines: tuple[str, ...]
    dollars: float


def resource_counts(catalog: RenderedCatalog, product: str) -> str:
    """The resources a project of ``product`` gets from its stack, by type: "17 resources (3 CodeBuild::Project,...)"."""
    types = Counter(r["Type"].removeprefix("AWS::") for r in
                    json.loads(catalog.product_templates[product].data)["Resources"].values())
    return f"{sum(types.values())} resources (" + ", ".join(f"{n} {t}" for t, n in sorted(types.items())) + ")"


def stage_parameters() -> dict[str, dict]:
    """Staging's and prod's stage configurations, as the model-deploy seed ships them."""
    return {stage: json.loads((SEEDCODE_DIR / "model-deploy" / f"{stage}-config.json").read_text())["Parameters"]
            for stage in ("staging", "prod")}


def endpoint_cost(stage: str, parameters: dict, minutes: int) -> tuple[str, float]:
    """A stage's endpoint for ``minutes``: its instances' hours; a serverless one bills only the run's few requests
    (a few seconds of compute, under a cent)."""
    if parameters.get("EndpointType", "realtime") == "serverless":
        return f"{stage} serverless, per request", 0.0
    instances = parameters["MinCapacity"] if parameters["EnableAutoScaling"] else parameters["EndpointInstanceCount"]
    instance_type = parameters["EndpointInstanceType"]
    return (f"{stage} on {instances} x {instance_type} ~{minutes} min",
            instances * minutes / 60 * HOURLY[instance_type])


def estimate() -> Estimate:
    """The rough cost of one run, item by item."""
    stages = stage_parameters()
    jobs = MODEL_BUILDS * JOBS_PER_BUILD * JOB_MINUTES / 60 * HOURLY[JOB_INSTANCE]
    staging, prod = (endpoint_cost("staging", stages["staging"], STAGING_MINUTES),
                     endpoint_cost("prod", stages["prod"], PROD_MINUTES))
    build_minutes = MODEL_BUILDS * MODEL_BUILD_MINUTES + 2 * DEPLOY_BUILD_MINUTES
    builds = build_minutes * CODEBUILD_MINUTE
    pipelines = (build_minutes + STAGING_MINUTES) * PIPELINE_ACTION_MINUTE
    items = {
        f"SageMaker jobs: {MODEL_BUILDS} model builds x {JOBS_PER_BUILD} jobs on {JOB_INSTANCE}, ~{JOB_MINUTES} min each": jobs,
        f"endpoints: {staging[0]}, {prod[0]}": staging[1] + prod[1],
        f"CodeBuild: ~{build_minutes} build minutes": builds,
        "CodePipeline V2 action minutes": pipelines,
    }
    lines = tuple(f"~${cost:.2f}  {item}" for item, cost in items.items())
    lines += ("~$0.05  the rest: S3 requests and storage, CloudWatch Logs, KMS keys (prorated), EventBridge",)
    return Estimate(lines, sum(items.values()) + 0.05)


def statement(sandbox, catalog: RenderedCatalog, config) -> list[str]:
    """Everything the run will create, and its rough cost and duration (``sandbox``: the run's Preflight)."""
    publish = config.publish
    cost = estimate()
    return [
        f"accept: account {sandbox.account} as {sandbox.caller}, region {sandbox.region}, Studio domain {sandbox.domain_id}",
        "It creates, then deletes (also on failure and on Ctrl-C):",
        f"  publishing: stacks {publish.roles_stack} (the catalog's roles and the S3-route user policy) and "
        f"{publish.portfolio_stack} (a portfolio and {len(catalog.product_templates)} products); the asset bucket "
        "with the products' templates (both routes') and seed code; the Studio domain's S3-templates tag",
        f"  a role {sandbox.person_role.rsplit('/', 1)[1]}, which the run acts as: a Studio user who creates, pushes, "
        "approves and deletes",
        f"  project {sandbox.project_name} (build-train-deploy, Service Catalog route): "
        + resource_counts(catalog, "build-train-deploy"),
        f"  project {sandbox.project_name}-s3 (deploy, S3 route): " + resource_counts(catalog, "deploy"),
        f"  while it runs: SageMaker jobs, a SageMaker pipeline, model packages, endpoints {sandbox.project_name}-staging "
        f"and {sandbox.project_name}-prod with their models and configurations; the projects' buckets and model "
        "package groups (kept by their templates), the SageMaker pipeline and the log groups are deleted at the end too",
        "  left after it: the SageMaker jobs' records and their streams in SageMaker's shared log groups, and the "
        "projects' KMS keys, which their stacks' deletion schedules for deletion after KMS's waiting period (30 days)",
        f"Rough cost: ${cost.dollars:.2f} (approximate on-demand list prices; your prices and free tier may differ):",
        *(f"  {line}" for line in cost.lines),
        f"It takes about {RUN_MINUTES[0]}-{RUN_MINUTES[1]} minutes in AWS.",
    ]
