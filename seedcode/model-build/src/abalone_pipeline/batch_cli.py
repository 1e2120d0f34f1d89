"""`run-batch-pipeline`: score new data with the latest approved model.

CodeBuild runs it whenever a model package of the project's group is approved (the
project's batch buildspec, `batch-buildspec.yml`): it looks up the latest approved
package, upserts the batch pipeline (`batch_pipeline.py`) with that model as its
parameters' defaults, and starts one run. The project's schedule starts the same
pipeline later, so every scheduled run scores with the latest approved model.
Exit codes: 0 success; 1 the run failed (no approved model, a step, AWS); 2 bad command line.
"""

import argparse
import contextlib
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from abalone_pipeline.cli import (
    EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, add_run_arguments, collector_paused, parse_kwargs, parse_parameters,
    parse_tags, quiet_sdk, wait_for,
)
from abalone_pipeline.builders import build_batch_pipeline
from abalone_pipeline.local_run import OFFLINE_KWARGS, PACKAGED_DATA, LocalRunError, offline_with_approved_model
from abalone_pipeline.registry import NoApprovedModel, latest_approved_model
from abalone_pipeline.settings import BATCH_INPUT_FOLDER, INPUT_DATA_FILE

BATCH_ARGUMENTS = ["region", "role", "default_bucket", "pipeline_name", "model_package_group_name", "base_job_prefix",
                   "batch_input_url"]
REQUIRED = BATCH_ARGUMENTS[:-1]
# Scheduler's <aws.scheduler.scheduled-time> format; a run started here is dated the same way.
BATCH_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def ensure_batch_input(kwargs: dict, say=print) -> str:
    """The batch input prefix; an empty one gets the bundled data set as a sample to score."""
    url = kwargs.get("batch_input_url") or f"s3://{kwargs['default_bucket']}/{kwargs['base_job_prefix']}/{BATCH_INPUT_FOLDER}/"
    bucket, _, prefix = url[len("s3://"):].partition("/")
    s3 = boto3.client("s3", region_name=kwargs["region"])
    if not s3.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1).get("KeyCount"):
        s3.upload_file(str(PACKAGED_DATA), bucket, f"{prefix.rstrip('/')}/{INPUT_DATA_FILE}")
        say(f"{url} was empty: uploaded the bundled data set as a sample (put your own files there)")
    return url


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run-batch-pipeline",
        description="Upsert the batch inference pipeline for the latest approved model and start it, "
                    "or run its steps on this machine (--local).",
        epilog="Exit codes: 0 success, 1 the run failed (or no approved model), 2 bad command line.",
    )
    add_run_arguments(
        parser, f"JSON object: {', '.join(BATCH_ARGUMENTS)} (batch_input_url optional)",
        "with --local: S3 and SageMaker are emulated in this process; as no model is approved there, the "
        "model-build pipeline runs first and its model is approved",
        "TransformInstanceType=ml.m5.xlarge", "build/local-batch",
    )
    return parser


def _batch_kwargs(args) -> dict:
    if args.offline and not args.local:
        raise UsageError("--offline goes with --local")
    if not args.local and not args.role_arn:
        raise UsageError("--role-arn is required (or use --local)")
    kwargs = parse_kwargs(args.kwargs, [] if args.offline else REQUIRED, BATCH_ARGUMENTS)
    kwargs = {**OFFLINE_KWARGS, "pipeline_name": f"{OFFLINE_KWARGS['pipeline_name']}-batch", **kwargs} if args.offline else kwargs
    kwargs.setdefault("batch_input_url", None)
    return kwargs


def run_batch_pipeline(argv=None) -> int:
    cli = parser()
    args = cli.parse_args(argv)
    quiet_sdk(args.verbose)
    try:
        kwargs = _batch_kwargs(args)
        parameters = {"BatchTime": datetime.now(timezone.utc).strftime(BATCH_TIME_FORMAT), **parse_parameters(args.parameter)}
        tags = parse_tags(args.tags)
    except UsageError as error:
        cli.print_usage(sys.stderr)
        print(f"run-batch-pipeline: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.local:
            from abalone_pipeline.local_run import prepare_work_dir

            work_dir = prepare_work_dir(args.work_dir)
            offline = offline_with_approved_model(kwargs, work_dir) if args.offline else contextlib.nullcontext()
            with collector_paused(), offline:
                return _run_local(kwargs, parameters, work_dir)
        return _run_in_sagemaker(kwargs, parameters, args, tags)
    except NoApprovedModel as error:
        print(f"run-batch-pipeline: {error}", file=sys.stderr)
    except LocalRunError as error:
        print(f"run-batch-pipeline: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (ClientError, BotoCoreError) as error:
        print(f"run-batch-pipeline: error: {error}", file=sys.stderr)
    return EXIT_FAILED


def _run_in_sagemaker(kwargs: dict, parameters: dict, args, tags: list) -> int:
    sagemaker = boto3.client("sagemaker", region_name=kwargs["region"])
    model = latest_approved_model(sagemaker, kwargs["model_package_group_name"])
    print(f"latest approved model: {model['arn']}")
    kwargs = {**kwargs, "batch_input_url": ensure_batch_input(kwargs)}
    build_batch_pipeline(kwargs, model).upsert(role_arn=args.role_arn, tags=tags,
                                         description=f"Batch inference with model package {model['arn']}")
    print(f"upserted pipeline {kwargs['pipeline_name']}")
    execution_arn = sagemaker.start_pipeline_execution(
        PipelineName=kwargs["pipeline_name"],
        PipelineParameters=[{"Name": name, "Value": value} for name, value in parameters.items()],
    )["PipelineExecutionArn"]
    print(f"started {execution_arn}")
    if not args.wait:
        return EXIT_OK
    status = wait_for(execution_arn, kwargs["region"], args.poll_seconds)
    print(f"execution {status}")
    return EXIT_OK if status == "Succeeded" else EXIT_FAILED


def _run_local(kwargs: dict, parameters: dict, work_dir: Path) -> int:
    from abalone_pipeline import local_run

    started = time.perf_counter()
    model = latest_approved_model(boto3.client("sagemaker", region_name=kwargs["region"]), kwargs["model_package_group_name"])
    print(f"latest approved model: {model['arn']}")
    kwargs = {**kwargs, "batch_input_url": ensure_batch_input(kwargs)}
    (work_dir / "batch").mkdir()
    run = local_run.execute_definition(build_batch_pipeline(kwargs, model).definition(), parameters, kwargs, work_dir / "batch")
    if run.result.status != "Succeeded":
        print(f"run-batch-pipeline: failed: {run.result.failure_reason}", file=sys.stderr)
        return EXIT_FAILED
    output = run.result.properties("BatchTransform")["TransformOutput"]["S3OutputPath"]
    print(f"local batch run Succeeded in {time.perf_counter() - started:.2f}s: predictions under {output}; "
          f"each step's request and outputs are in {work_dir / 'batch' / 'steps'}")
    return EXIT_OK
