"""Create and delete each product's project stack in the local AWS, as CloudFormation there does it: the
published template, the sample project's parameters, the launch role. Prints, per product, the resource types
the local CloudFormation created (or the one it cannot create yet), and the create and delete times (median
of 3), against one emulator with the roles stack and the seed zips in place (the Git products' team repositories
created empty on the Git host stand-in first). The pipelines do not start their first run here
($EMULATOR_NO_CREATION_RUNS): this measures the stacks.

Run: .venv/bin/python tests/bench/bench_project_stack.py
"""

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from products import PRODUCTS  # noqa: E402
from products.catalog.config import DEFAULT_CONFIG, load_config  # noqa: E402
from products.local_aws import git_host  # noqa: E402
from products.local_aws.codepipeline_runs import NO_CREATION_RUNS  # noqa: E402
from products.local_aws.emulator import moto_server  # noqa: E402
from products.publishing.stacks import template_body  # noqa: E402
from products.render.synth import synthesize  # noqa: E402
from tests.conftest import sample_parameters  # noqa: E402

REGION, ACCOUNT, RUNS = "us-east-1", "123456789012", 3
LAUNCH_ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonSageMakerServiceCatalogProductsLaunchRole"


def _settled(cfn, stack_id: str) -> str:
    while True:
        status = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"]
        if not status.endswith("_IN_PROGRESS"):
            return status
        time.sleep(0.05)


def _one_run(cfn, s3, catalog, product: str, run: int, git_hosts: Path) -> tuple[float, float, str]:
    template = json.loads(catalog.product_templates[product].data)
    for name, parameter in template["Parameters"].items():
        if name.endswith("SeedCodeKey"):
            repo = "model-build" if name.startswith("ModelBuild") else "model-deploy"
            s3.put_object(Bucket=f"sagemaker-catalog-{ACCOUNT}-{REGION}", Key=parameter["Default"], Body=catalog.seed_zips[repo].data)
    parameters = {**sample_parameters(template), "SageMakerProjectId": f"p-bench{run}{abs(hash(product)) % 10**5:05d}"}
    for role in ("ModelBuild", "ModelDeploy"):  # a Git product's team repositories, empty, as a team creates them
        if f"{role}CodeRepositoryFullname" in parameters:
            name = parameters[f"{role}CodeRepositoryFullname"] = f"acme/{product}-{run}-{role.lower()}"
            git_host.create_repository(parameters["CodeConnectionArn"], name, git_hosts)
    started = time.perf_counter()
    s3.put_object(Bucket=f"sagemaker-catalog-{ACCOUNT}-{REGION}", Key=f"bench/{product}-{run}.json", Body=json.dumps(template).encode())
    url = f"https://sagemaker-catalog-{ACCOUNT}-{REGION}.s3.{REGION}.amazonaws.com/bench/{product}-{run}.json"
    stack_id = cfn.create_stack(StackName=f"SC-{product}-{run}", TemplateURL=url, RoleARN=LAUNCH_ROLE,
                                Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
                                Capabilities=["CAPABILITY_IAM"])["StackId"]
    status = _settled(cfn, stack_id)
    created = time.perf_counter() - started
    if status != "CREATE_COMPLETE":
        failed = [e.get("ResourceStatusReason", "") for e in cfn.describe_stack_events(StackName=stack_id)["StackEvents"]
                  if e["ResourceStatus"] == "CREATE_FAILED"]
        return created, 0.0, f"{status}: {'; '.join(failed)[:120]}"
    started = time.perf_counter()
    cfn.delete_stack(StackName=stack_id)
    _settled(cfn, stack_id)
    return created, time.perf_counter() - started, status


def main() -> int:
    catalog = synthesize(load_config(DEFAULT_CONFIG, PRODUCTS))
    with tempfile.TemporaryDirectory(prefix="bench-git-host-") as git_hosts, moto_server(
            env={NO_CREATION_RUNS: "1", "EMULATOR_GIT_HOST_DIR": git_hosts}) as endpoint:
        def client(service):
            return boto3.client(service, region_name=REGION, endpoint_url=endpoint, aws_access_key_id="bench",
                                aws_secret_access_key="bench")

        cfn, s3 = client("cloudformation"), client("s3")
        cfn.create_stack(StackName="roles", TemplateBody=template_body(json.loads(catalog.roles.data)),
                         Capabilities=["CAPABILITY_NAMED_IAM"])
        s3.create_bucket(Bucket=f"sagemaker-catalog-{ACCOUNT}-{REGION}")
        for product in sorted(PRODUCTS):
            runs = [_one_run(cfn, s3, catalog, product, run, Path(git_hosts)) for run in range(RUNS)]
            types = sorted({r["Type"] for r in json.loads(catalog.product_templates[product].data)["Resources"].values()})
            outcome = runs[0][2]
            if outcome == "CREATE_COMPLETE":
                print(f"{product:<32} create {statistics.median(r[0] for r in runs):5.2f}s  delete "
                      f"{statistics.median(r[1] for r in runs):5.2f}s  {len(types)} types: {', '.join(types)}")
            else:
                print(f"{product:<32} {outcome}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
