"""`update-monitor-pipeline`: point the drift monitor at the model in prod.

CodeBuild runs it whenever the project's deploy pipeline has deployed prod (the project's
monitor buildspec, `monitor-buildspec.yml`): it reads which model package the prod endpoint
stack runs (its ModelPackageName parameter) and upserts the monitor pipeline
(`monitor_pipeline.py`) with that package's registered drift baseline as its defaults. The
project's schedule starts the pipeline; nothing is started here.

With --local --offline it shows the monitor on this machine: a model is trained and approved
here, the test split's rows (or, with --simulate-drift, larger animals) are written as captured
requests in SageMaker's data capture format, and the monitor pipeline runs on them.
Exit codes: 0 success (locally: no drift); 1 failed (locally: drift detected; no baseline; AWS); 2 bad command line.
"""

import argparse
import sys
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from abalone_pipeline.cli import (
    EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, collector_paused, parse_kwargs, parse_tags, quiet_sdk,
)
from abalone_pipeline.builders import build_monitor_pipeline
from abalone_pipeline.local_run import OFFLINE_KWARGS, LocalRunError, offline_with_approved_model
from abalone_pipeline.registry import NoApprovedModel, latest_approved_model, model_of

MONITOR_ARGUMENTS = ["region", "role", "default_bucket", "pipeline_name", "base_job_prefix", "prod_stack_name",
                     "capture_url", "model_package_group_name"]
REQUIRED = MONITOR_ARGUMENTS[:7]
OFFLINE_CAPTURE_TIME = "2026-11-26T02:00:00Z"  # inside the default 24-hour window of an unscheduled run


class NoBaseline(RuntimeError):
    pass


def cloudformation_client(region: str, prod_role_arn: str = "", sts=None):
    """CloudFormation where the prod stack is: this account's, or, with ``prod_role_arn`` (prod in another
    account), that account's as the role (its deploy role, which created the stack)."""
    if not prod_role_arn:
        return boto3.client("cloudformation", region_name=region)
    sts = sts or boto3.client("sts", region_name=region)
    credentials = sts.assume_role(RoleArn=prod_role_arn, RoleSessionName="drift-monitor")["Credentials"]
    return boto3.client("cloudformation", region_name=region, aws_access_key_id=credentials["AccessKeyId"],
                        aws_secret_access_key=credentials["SecretAccessKey"], aws_session_token=credentials["SessionToken"])


def model_in_prod(cloudformation, sagemaker, stack_name: str) -> dict:
    """The package the prod endpoint stack deploys (its ModelPackageName parameter), with its baselines.

    A serverless prod has nothing to monitor: AWS excludes data capture from serverless endpoints (SageMaker
    developer guide, Serverless Inference, "Feature exclusions"), so no request would ever reach the monitor."""
    try:
        (stack,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            raise NoBaseline(f"stack {stack_name} does not exist: nothing is in prod yet") from None
        raise
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])}
    if parameters.get("EndpointType") == "serverless":
        raise NoBaseline(f"stack {stack_name} serves prod serverless, and AWS captures no requests of a serverless "
                         "endpoint: set prod-config.json's EndpointType to realtime or async (model-deploy repo) for "
                         "the drift monitor to have requests to check")
    return model_of(sagemaker, parameters["ModelPackageName"])


def monitor_pipeline(kwargs: dict, model: dict):
    if not (model["baseline_statistics"] and model["baseline_constraints"]):
        raise NoBaseline(f"model package {model['arn']} has no drift baseline (DriftCheckBaselines.ModelDataQuality); "
                         "models registered by this repo's pipeline have one: retrain")
    return build_monitor_pipeline(kwargs, model)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="update-monitor-pipeline",
        description="Upsert the drift monitor pipeline for the model the prod endpoint runs, or run it on this "
                    "machine on sample captured requests (--local --offline).",
        epilog="Exit codes: 0 success (locally: no drift), 1 failed (locally: drift detected), 2 bad command line.",
    )
    parser.add_argument("--role-arn", help="role SageMaker Pipelines runs the pipeline as (required unless --local)")
    parser.add_argument("--prod-role-arn", default="",
                        help="prod in another account: the role there to read the prod stack as (empty: this account)")
    parser.add_argument("--tags", help='JSON list of tags for the pipeline: [{"Key": "k", "Value": "v"}]')
    parser.add_argument("--kwargs", help=f"JSON object: {', '.join(REQUIRED)}")
    parser.add_argument("--local", action="store_true", help="with --offline: run the monitor here on sample requests")
    parser.add_argument("--offline", action="store_true", help="with --local: S3 and SageMaker emulated in this process")
    parser.add_argument("--simulate-drift", action="store_true",
                        help="with --local: the sample requests are of animals 1.5 times larger than the training data's")
    parser.add_argument("--work-dir", type=Path, default=Path("build/local-monitor"), help="with --local: where outputs go")
    parser.add_argument("--verbose", action="store_true", help="show the SageMaker SDK's log")
    return parser


def update_monitor_pipeline(argv=None) -> int:
    cli = parser()
    args = cli.parse_args(argv)
    quiet_sdk(args.verbose)
    try:
        if args.local != args.offline:
            raise UsageError("--local and --offline go together (the local run needs a model and captured data it makes)")
        if args.simulate_drift and not args.local:
            raise UsageError("--simulate-drift goes with --local --offline")
        if not args.local and not args.role_arn:
            raise UsageError("--role-arn is required (or use --local --offline)")
        kwargs = parse_kwargs(args.kwargs, [] if args.local else REQUIRED, MONITOR_ARGUMENTS)
        tags = parse_tags(args.tags)
    except UsageError as error:
        cli.print_usage(sys.stderr)
        print(f"update-monitor-pipeline: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.local:
            return _run_local(kwargs, args.work_dir, args.simulate_drift)
        sagemaker = boto3.client("sagemaker", region_name=kwargs["region"])
        model = model_in_prod(cloudformation_client(kwargs["region"], args.prod_role_arn), sagemaker, kwargs["prod_stack_name"])
        print(f"model in prod: {model['arn']}")
        monitor_pipeline(kwargs, model).upsert(role_arn=args.role_arn, tags=tags,
                                               description=f"Drift monitor for model package {model['arn']}")
        print(f"upserted pipeline {kwargs['pipeline_name']}: baseline {model['baseline_statistics']}")
        return EXIT_OK
    except (NoBaseline, NoApprovedModel) as error:
        print(f"update-monitor-pipeline: {error}", file=sys.stderr)
    except LocalRunError as error:
        print(f"update-monitor-pipeline: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (ClientError, BotoCoreError) as error:
        print(f"update-monitor-pipeline: error: {error}", file=sys.stderr)
    return EXIT_FAILED


def _run_local(kwargs: dict, work_dir: Path, simulate_drift: bool) -> int:
    from abalone_pipeline import local_run

    kwargs = {**OFFLINE_KWARGS, "pipeline_name": f"{OFFLINE_KWARGS['pipeline_name']}-monitor", **kwargs}
    kwargs.setdefault("capture_url", f"s3://{kwargs['default_bucket']}/datacapture/prod/")
    work_dir = local_run.prepare_work_dir(work_dir)
    with collector_paused(), offline_with_approved_model(kwargs, work_dir):
        model = latest_approved_model(boto3.client("sagemaker", region_name=kwargs["region"]),
                                      kwargs["model_package_group_name"])
        test_split = work_dir / "model-build" / "steps" / "Preprocess" / "opt-ml" / "processing" / "test" / "test.csv"
        count = write_sample_capture(kwargs["capture_url"], kwargs["region"], test_split, simulate_drift)
        print(f"wrote {count} captured requests ({'drifted' if simulate_drift else 'the test split'}) under {kwargs['capture_url']}")
        (work_dir / "monitor").mkdir()
        run = local_run.execute_definition(monitor_pipeline(kwargs, model).definition(), {}, kwargs, work_dir / "monitor")
    if run.result.status != "Succeeded":
        print(f"update-monitor-pipeline: the monitor run failed: {run.result.failure_reason}", file=sys.stderr)
        return EXIT_FAILED
    print(f"local monitor run Succeeded: no drift; the report is in {work_dir / 'monitor' / 'steps' / 'DriftCheck'}")
    return EXIT_OK


def write_sample_capture(capture_url: str, region: str, rows_csv: Path, simulate_drift: bool) -> int:
    """The rows (target first) as one capture file of requests and the model's answer placeholder."""
    from abalone_pipeline.capture import capture_record, drifted

    lines = []
    for number, row in enumerate(rows_csv.read_text().splitlines()):
        features = [float(value) for value in row.split(",")[1:]]
        features = drifted(features) if simulate_drift else features
        lines.append(capture_record(",".join(f"{v:g}" for v in features), "0", f"local-{number}", OFFLINE_CAPTURE_TIME))
    bucket, _, prefix = capture_url[len("s3://"):].partition("/")
    key = f"{prefix.rstrip('/')}/local-endpoint/AllTraffic/2026/11/26/02/capture.jsonl"
    boto3.client("s3", region_name=region).put_object(Bucket=bucket, Key=key, Body="\n".join(lines).encode())
    return len(lines)
