"""Command-line entry points: `run-pipeline` and `get-pipeline-definition`.

Both use the usual AWS configuration of boto3 (profile, region, AWS_ENDPOINT_URL).
Exit codes: 0 success; 1 the run failed (a step, the data, AWS); 2 bad command line.
"""

import argparse
import contextlib
import gc
import json
import os
import logging
import sys
import time
import warnings
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from abalone_pipeline.builders import build_pipeline
from abalone_pipeline.local_run import OFFLINE_KWARGS, PACKAGED_DATA, LocalRunError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# get_pipeline's arguments (tests/test_cli.py checks they match its signature); the
# SageMaker SDK is imported only when a pipeline is built, as it needs a region to import.
PIPELINE_ARGUMENTS = [
    "region", "role", "default_bucket", "pipeline_name", "model_package_group_name", "base_job_prefix",
    "input_data_url", "processing_image_uri",
]
REQUIRED_FOR_CLOUD = PIPELINE_ARGUMENTS[:-2]
FINISHED = {"Succeeded", "Failed", "Stopped"}


class UsageError(ValueError):
    pass


def _json_argument(text: str | None, flag: str, kind: type):
    if text is None:
        return kind()
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"{flag}: not valid JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(value, kind):
        raise UsageError(f"{flag}: expected a JSON {'object' if kind is dict else 'list'}")
    return value


def parse_kwargs(text: str | None, required: list[str], known: list[str] = PIPELINE_ARGUMENTS) -> dict:
    kwargs = _json_argument(text, "--kwargs", dict)
    unknown = sorted(set(kwargs) - set(known))
    if unknown:
        raise UsageError(f"--kwargs: unknown key {unknown[0]!r}; expected keys: {', '.join(known)}")
    missing = [name for name in required if name not in kwargs]
    if missing:
        raise UsageError(f"--kwargs: missing {', '.join(missing)}")
    return kwargs


def parse_tags(text: str | None) -> list[dict]:
    tags = _json_argument(text, "--tags", list)
    if not all(isinstance(t, dict) and set(t) == {"Key", "Value"} for t in tags):
        raise UsageError('--tags: expected a list of {"Key": ..., "Value": ...} objects')
    return tags


class _QuietSdk(logging.Filter):
    """Drops the SDK's records below ERROR: the SDK sets its loggers' levels itself, on
    import and when a pipeline is built, so levels alone cannot keep it quiet."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name.split(".")[0] == "sagemaker" and record.levelno < logging.ERROR)


def quiet_sdk(verbose: bool) -> None:
    """The SDK's log and warnings only with --verbose."""
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
    if verbose:
        logging.getLogger("sagemaker").setLevel(logging.INFO)
        return
    for handler in logging.root.handlers:
        handler.addFilter(_QuietSdk())
    warnings.filterwarnings("ignore", module=r"sagemaker(\..*)?$")


@contextlib.contextmanager
def collector_paused():
    """Python's cyclic garbage collector off for the block, and what the block made frozen after it.

    For a command's work from importing the SDK to its exit. Importing the SDK (and moto, for
    --offline) makes some 400,000 objects that live until the process ends: modules, classes,
    pydantic schemas, botocore's service models. The collector takes them for new objects and
    scans them all again whenever their number has grown by a quarter, and once more as the
    process exits: about 3 s of a 12 s local run (two cores, profiled). Frozen, they are never
    scanned again; the few cycles of garbage made meanwhile (a few MB) are kept until the
    process ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def parse_parameters(values: list[str]) -> dict[str, str]:
    parameters = {}
    for value in values:
        name, separator, text = value.partition("=")
        if not separator or not name:
            raise UsageError(f"--parameter {value!r}: expected Name=Value (a pipeline parameter, e.g. MseThreshold=5.5)")
        parameters[name] = text
    return parameters


def upload_packaged_data(kwargs: dict) -> str:
    """Put the bundled data set where the pipeline's InputDataUrl default points."""
    key = f"{kwargs['base_job_prefix']}/input/abalone.data"
    boto3.client("s3", region_name=kwargs["region"]).upload_file(str(PACKAGED_DATA), kwargs["default_bucket"], key)
    return f"s3://{kwargs['default_bucket']}/{key}"


def poll_delays(poll_seconds: float):
    """The waits between two reads: 1 s, then half as long again each time, at most ``poll_seconds``.

    A short run is reported within seconds of its end, and a long one is read every ``poll_seconds``, so
    the API calls a run costs stay few (SageMaker throttles DescribePipelineExecution per account)."""
    delay = min(1.0, poll_seconds)
    while True:
        yield delay
        delay = min(delay * 1.5, poll_seconds)


def wait_for(execution_arn: str, region: str, poll_seconds: float, say=print, client=None, sleep=time.sleep) -> str:
    """Poll the execution, printing each step's status as it changes; returns the final status.

    The execution's status is read before its steps: a step ends before the execution does, so the
    steps listed after a final status are final too, and the step that failed is always shown."""
    sagemaker = client or boto3.client("sagemaker", region_name=region)
    seen: dict[str, str] = {}
    delays = poll_delays(poll_seconds)
    while True:
        status = sagemaker.describe_pipeline_execution(PipelineExecutionArn=execution_arn)["PipelineExecutionStatus"]
        steps = sagemaker.list_pipeline_execution_steps(PipelineExecutionArn=execution_arn, SortOrder="Ascending")
        for step in steps.get("PipelineExecutionSteps", []):
            if seen.get(step["StepName"]) != step["StepStatus"]:
                seen[step["StepName"]] = step["StepStatus"]
                reason = f" ({step['FailureReason']})" if step.get("FailureReason") else ""
                say(f"  {step['StepName']:<18} {step['StepStatus']}{reason}")
        if status in FINISHED:
            return status
        sleep(next(delays))


def add_run_arguments(parser: argparse.ArgumentParser, kwargs_help: str, offline_help: str, parameter_example: str,
                      work_dir: str) -> None:
    """The options `run-pipeline` and `run-batch-pipeline` share."""
    parser.add_argument("--role-arn", help="role SageMaker Pipelines runs the pipeline as (required unless --local)")
    parser.add_argument("--tags", help='JSON list of tags for the pipeline: [{"Key": "k", "Value": "v"}]')
    parser.add_argument("--kwargs", help=kwargs_help)
    parser.add_argument("--wait", action="store_true", help="wait for the execution and fail unless it succeeds")
    parser.add_argument("--poll-seconds", type=float, default=float(os.environ.get("RUN_PIPELINE_POLL_SECONDS", 30)),
                        help="the longest wait between two status reads with --wait, which starts at 1 s and grows by half "
                             "each read (default: $RUN_PIPELINE_POLL_SECONDS, else 30)")
    parser.add_argument("--local", action="store_true",
                        help="execute the pipeline's definition on this machine (no Docker, no SageMaker jobs); "
                             "S3 and SageMaker calls go where boto3 points unless --offline")
    parser.add_argument("--offline", action="store_true", help=offline_help)
    parser.add_argument("--parameter", action="append", default=[], metavar="NAME=VALUE",
                        help=f"a pipeline parameter for this execution, e.g. {parameter_example} (repeatable)")
    parser.add_argument("--work-dir", type=Path, default=Path(work_dir), help="with --local: where outputs go")
    parser.add_argument("--verbose", action="store_true", help="show the SageMaker SDK's log")


def run_pipeline_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run-pipeline",
        description="Upsert the abalone SageMaker Pipeline and start it, or run its steps on this machine (--local).",
        epilog="Exit codes: 0 success, 1 the run failed, 2 bad command line.",
    )
    add_run_arguments(
        parser, f"JSON object of get_pipeline arguments: {', '.join(PIPELINE_ARGUMENTS)}",
        "with --local: S3 and SageMaker are emulated in this process (moto); --kwargs may then be left out",
        "MseThreshold=5.5", "build/local-run",
    )
    parser.add_argument("--data", type=Path, default=PACKAGED_DATA,
                        help="with --local: the raw abalone CSV to upload as the pipeline's input")
    return parser


def run_pipeline(argv=None) -> int:
    parser = run_pipeline_parser()
    args = parser.parse_args(argv)
    quiet_sdk(args.verbose)
    try:
        parameters = parse_parameters(args.parameter)
        if args.local:
            try:
                kwargs = parse_kwargs(args.kwargs, [] if args.offline else REQUIRED_FOR_CLOUD)
            except UsageError as error:
                if args.kwargs is None:  # a first try: say how to run with no AWS at all
                    raise UsageError(f"{error} (they name your AWS resources; to run with no AWS account, "
                                     "add --offline, or use `make run-local`)") from None
                raise
            return _run_local(args, {**OFFLINE_KWARGS, **kwargs} if args.offline else kwargs, parameters)
        if args.offline:
            raise UsageError("--offline goes with --local")
        if not args.role_arn:
            raise UsageError("--role-arn is required (or use --local)")
        kwargs = parse_kwargs(args.kwargs, REQUIRED_FOR_CLOUD)
        tags = parse_tags(args.tags)
    except UsageError as error:
        parser.print_usage(sys.stderr)
        print(f"run-pipeline: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if "input_data_url" not in kwargs:
            kwargs["input_data_url"] = upload_packaged_data(kwargs)
            print(f"uploaded the bundled data set to {kwargs['input_data_url']}")
        pipeline = build_pipeline(kwargs)
        pipeline.upsert(role_arn=args.role_arn, tags=tags)
        print(f"upserted pipeline {kwargs['pipeline_name']}")
        execution_arn = boto3.client("sagemaker", region_name=kwargs["region"]).start_pipeline_execution(
            PipelineName=kwargs["pipeline_name"],
            PipelineParameters=[{"Name": name, "Value": value} for name, value in parameters.items()],
        )["PipelineExecutionArn"]
        print(f"started {execution_arn}")
        if not args.wait:
            return EXIT_OK
        status = wait_for(execution_arn, kwargs["region"], args.poll_seconds)
    except (ClientError, BotoCoreError) as error:
        print(f"run-pipeline: error: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"execution {status}")
    return EXIT_OK if status == "Succeeded" else EXIT_FAILED


def _run_local(args, kwargs: dict, parameters: dict[str, str]) -> int:
    from abalone_pipeline import local_run

    started = time.perf_counter()
    build = lambda pipeline_kwargs: build_pipeline(pipeline_kwargs).definition()  # noqa: E731
    try:
        with collector_paused(), (local_run.offline_aws(kwargs) if args.offline else contextlib.nullcontext()):
            run = local_run.run(kwargs, parameters, args.data, args.work_dir, build)
    except LocalRunError as error:
        print(f"run-pipeline: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (ClientError, BotoCoreError) as error:
        print(f"run-pipeline: failed: {error}", file=sys.stderr)
        return EXIT_FAILED
    result = run.result
    seconds = time.perf_counter() - started
    if result.status != "Succeeded":
        print(f"run-pipeline: failed: {result.failure_reason}", file=sys.stderr)
        return EXIT_FAILED
    evaluation = run.work_dir / "steps" / "Evaluate" / "opt-ml" / "processing" / "evaluation" / "evaluation.json"
    mse = json.loads(evaluation.read_text())["regression_metrics"]["mse"]["value"]
    print(f"local run Succeeded in {seconds:.2f}s: test MSE {mse:.4f} (RMSE {mse ** 0.5:.4f}); "
          f"each step's request and outputs are in {run.work_dir / 'steps'}")
    return EXIT_OK


def get_pipeline_definition(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="get-pipeline-definition",
        description="Write the abalone pipeline's JSON definition, as SageMaker receives it. Building it "
                    "uploads the step scripts to default_bucket (the definition names them by S3 URI), so "
                    "it needs AWS unless --offline.",
        epilog="Exit codes: 0 success, 1 failed (AWS), 2 bad command line.",
    )
    parser.add_argument("--kwargs", help=f"JSON object of get_pipeline arguments: {', '.join(PIPELINE_ARGUMENTS)}")
    parser.add_argument("--offline", action="store_true",
                        help="no AWS: the scripts go to an S3 emulated in this process, and --kwargs may be left "
                             "out (placeholder names); for reviewing a change's diff")
    parser.add_argument("--file-name", type=Path, default=Path("pipeline-definition.json"))
    parser.add_argument("--verbose", action="store_true", help="show the SageMaker SDK's log")
    args = parser.parse_args(argv)
    quiet_sdk(args.verbose)
    try:
        kwargs = parse_kwargs(args.kwargs, [] if args.offline else REQUIRED_FOR_CLOUD)
    except UsageError as error:
        parser.print_usage(sys.stderr)
        print(f"get-pipeline-definition: error: {error}"
              + ("" if args.kwargs else " (or add --offline to build it with no AWS)"), file=sys.stderr)
        return EXIT_USAGE
    from abalone_pipeline import local_run

    kwargs = {**OFFLINE_KWARGS, **kwargs} if args.offline else kwargs
    try:
        with collector_paused(), (local_run.offline_aws(kwargs) if args.offline else contextlib.nullcontext()):
            definition = json.loads(build_pipeline(kwargs).definition())
    except (ClientError, BotoCoreError) as error:
        print(f"get-pipeline-definition: error: {error}", file=sys.stderr)
        return EXIT_FAILED
    args.file_name.write_text(json.dumps(definition, indent=2, sort_keys=True) + "\n")
    print(f"wrote {args.file_name}")
    return EXIT_OK
