"""Reading what the demo project has, from the local AWS: executions, outputs, the IAM checks' log, the summary."""

import json
import time
from pathlib import Path

from products.local_aws.codebuild import project_environment


def every(client, operation: str, key: str, **parameters) -> list:
    """Every item of a listing, page after page (AWS pages what the local AWS answers in one)."""
    return [item for page in client.get_paginator(operation).paginate(**parameters) for item in page.get(key, [])]


def sagemaker_missing(error) -> bool:
    """Whether a SageMaker ClientError says the thing asked for does not exist (SageMaker answers
    ValidationException for most missing resources, ResourceNotFound for some)."""
    return error.response["Error"]["Code"] in ("ValidationException", "ResourceNotFound")


def wait_for_execution(sagemaker, arn: str, timeout_seconds: float = 300) -> str:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        status = sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"]
        if status in ("Succeeded", "Failed", "Stopped"):
            return status
        time.sleep(0.5)
    raise RuntimeError(f"{arn} did not finish in {timeout_seconds:.0f}s")


def batch_outputs(clients, props: dict) -> list[str]:
    """The batch prediction files in the project bucket (the product's BatchOutputLocation)."""
    bucket = props["ArtifactBucket"]["BucketName"]
    prefix = f"{props['ModelPackageGroup']['ModelPackageGroupName']}/batch-transform/"
    listed = clients["s3"].list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    if not listed:
        raise RuntimeError(f"no batch predictions under s3://{bucket}/{prefix}")
    return [f"s3://{bucket}/{item['Key']}" for item in listed]


def monitor_variables(props: dict) -> dict:
    """The monitor build's variables: the monitor pipeline's name, prod's stack and capture folder."""
    return project_environment(props["DriftMonitorProject"])


def capture_prefix(props: dict) -> str:
    return monitor_variables(props)["CAPTURE_URI"]


def prod_endpoint(cfn, props: dict) -> str:
    stack = cfn.describe_stacks(StackName=monitor_variables(props)["PROD_STACK_NAME"])
    return {o["OutputKey"]: o["OutputValue"] for o in stack["Stacks"][0]["Outputs"]}["EndpointName"]


def test_rows(s3, props: dict) -> list[str]:
    """The test split the newest model-build run wrote (target first): rows the model never trained on."""
    bucket = props["ArtifactBucket"]["BucketName"]
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=props["ModelPackageGroup"]["ModelPackageGroupName"] + "/")
    splits = [o for o in listed.get("Contents", []) if o["Key"].endswith("/preprocess/test/test.csv")]
    key = max(splits, key=lambda o: o["LastModified"])["Key"]  # the newest model build's (each run writes one)
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().splitlines()


def iam_checks(log: Path) -> dict:
    """Per role: calls checked, the actions checked, and the actions denied (a denial the caller did not tolerate
    failed its step)."""
    counts: dict = {}
    for line in log.read_text().splitlines() if log.exists() else []:
        entry = json.loads(line)
        role = counts.setdefault(entry["role"].removeprefix("AmazonSageMakerServiceCatalogProducts"),
                                 {"checked": 0, "denied": [], "actions": set()})
        role["checked"] += 1
        role["actions"].add(entry["action"])
        if not entry["allowed"] and entry["action"] not in role["denied"]:
            role["denied"].append(entry["action"])
    return counts


def registered_mse(clients, package_arn: str) -> float:
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
        if (tags.get("sagemaker:project-id"), tags.get("sagemaker:project-name")) == (project_id, project_name) \
                and tags.get("sagemaker:deployment-stage"):  # the stage stacks, not the project's own
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
