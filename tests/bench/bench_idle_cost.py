"""What a stage costs per month while nobody calls it, from its stage file (model-deploy seed).

Idle cost is what a stage bills with no requests: a realtime endpoint's instances run around the clock
(InitialInstanceCount, or MinCapacity with autoscaling); an async endpoint with autoscaling keeps MinCapacity
instances (0: none, SageMaker developer guide, "Autoscale an asynchronous endpoint"); a serverless endpoint without
provisioned concurrency bills per request only ("you only pay for what you use", Serverless Inference). Data capture
and async answers in S3, and CloudWatch alarms, are left out (cents).

The hourly price is an input (--hourly-price): this machine cannot read AWS's pricing page
(https://aws.amazon.com/sagemaker/ai/pricing/, "Real-Time Inference", US East (N. Virginia)). The default, $0.115
for ml.m5.large, is the figure third-party pages quote from AWS's Price List (usage type USE1-Host:ml.m5.large);
check it against the page before quoting the result.

    python tests/bench/bench_idle_cost.py                     # staging and prod, before (a git revision) and now
    python tests/bench/bench_idle_cost.py --before 7863493 --hourly-price 0.115

It also counts the resources the endpoint template creates for each type (with the shipped stage files, and an
async stage scaling to zero), resolved as CloudFormation would (products/analysis/resolve.py).
"""

import argparse
import json
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SEED = "seedcode/model-deploy"
HOURS_PER_MONTH = 730  # AWS's pricing examples use 730 hours a month
BEFORE_ENDPOINT_TYPES = "7863493"  # the last commit before stage files chose an endpoint type


def idle_instances(parameters: dict) -> int:
    """Instances that run while no request comes."""
    kind = parameters.get("EndpointType", "realtime")
    if kind == "serverless":
        return 0
    if parameters.get("EnableAutoScaling"):
        return parameters["MinCapacity"]
    return parameters["EndpointInstanceCount"]


def monthly_idle_cost(parameters: dict, hourly_price: float) -> float:
    return idle_instances(parameters) * hourly_price * HOURS_PER_MONTH


def stage_file(stage: str, revision: str | None) -> dict:
    path = f"{SEED}/{stage}-config.json"
    text = (subprocess.run(["git", "show", f"{revision}:{path}"], cwd=REPO, check=True, capture_output=True,
                           text=True).stdout if revision else (REPO / path).read_text())
    return json.loads(text)["Parameters"]


def resources_per_type() -> dict[str, list[str]]:
    """The endpoint stack's resources for each type: staging and prod as shipped, and prod's file made async with
    autoscaling from zero."""
    import sys

    from cfnlint.decode import decode_str

    sys.path.insert(0, str(REPO))
    from products.analysis.resolve import resolve

    template, _ = decode_str((REPO / SEED / "endpoint-config-template.yml").read_text())
    prod = stage_file("prod", None)
    stages = {"serverless (staging as shipped)": stage_file("staging", None), "realtime (prod as shipped)": prod,
              "async, autoscaling from 0": {**{k: v for k, v in prod.items() if k != "TargetInvocationsPerInstance"},
                                            "EndpointType": "async", "MinCapacity": 0, "TargetBacklogPerInstance": 5}}
    base = {"SageMakerProjectName": "abalone", "StageName": "staging", "ModelPackageName": "arn:package",
            "ModelExecutionRoleArn": "arn:aws:iam::123456789012:role/r", "DataCaptureUploadPath": "s3://b/datacapture/s",
            "AsyncInferencePath": "s3://b/async-inference/s"}
    counted = {}
    for name, parameters in stages.items():
        given = {**base, **{k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in parameters.items()}}
        counted[name] = sorted(r["Type"].removeprefix("AWS::") for r in resolve(template, given).resources().values())
    return counted


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default=BEFORE_ENDPOINT_TYPES, help="git revision of the stage files before")
    parser.add_argument("--hourly-price", type=float, default=0.115,
                        help="on-demand price per instance hour of the stage's instance type (default: ml.m5.large)")
    args = parser.parse_args(argv)
    print(f"| stage | before ({args.before}) | idle $/month | now | idle $/month |")
    print("|---|---|---|---|---|")
    for stage in ("staging", "prod"):
        before, now = stage_file(stage, args.before), stage_file(stage, None)
        describe = lambda p: f"{p.get('EndpointType', 'realtime')}, {idle_instances(p)} idle instance(s)"  # noqa: E731
        print(f"| {stage} | {describe(before)} | {monthly_idle_cost(before, args.hourly_price):.2f} | {describe(now)} | "
              f"{monthly_idle_cost(now, args.hourly_price):.2f} |")
    print()
    print("| endpoint type | resources | types |")
    print("|---|---|---|")
    for name, types in resources_per_type().items():
        print(f"| {name} | {len(types)} | {', '.join(types)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
