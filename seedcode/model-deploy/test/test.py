"""Staging test: the staging endpoint is InService and predicts plausible ages.

Sends a few real abalone rows (test/abalone-sample.csv) and checks every answer is a
number of rings in a plausible range. Writes a JSON report and exits non-zero when any
check fails, which fails the pipeline's TestStaging stage before the prod approval.

A realtime or serverless endpoint answers the request directly. An async endpoint takes the
rows from S3 (under the stage's AsyncInferencePath, input/) and writes its answer to S3
(output/, or failure/); the test submits, then reads the answer as it appears, waiting up to
--async-timeout seconds (an endpoint scaled to zero instances first starts one).

Usage (see test/buildspec.yml):
    python test/test.py --stack-name STAGING_STACK --import-build-config staging-config-export.json \
        --export-test-results test-results.json
"""

import argparse
import csv
import json
import sys
import time
import uuid
from pathlib import Path

import boto3
from botocore.exceptions import ClientError

SAMPLE = Path(__file__).with_name("abalone-sample.csv")
PLAUSIBLE_RINGS = (0.0, 30.0)  # the data set's rings run from 1 to 29
SEXES = ("F", "I", "M")


def model_input(row: list[str]) -> str:
    """One CSV line as the model expects it: the 7 measurements, then sex one-hot (F, I, M).

    Must match the model-build repo's preprocessing.
    """
    sex, measurements = row[0], row[1:8]
    return ",".join(measurements + ["1" if sex == code else "0" for code in SEXES])


def parse_predictions(body: str) -> list[float]:
    return [float(value) for value in body.replace("\n", ",").split(",") if value.strip()]


def stack_endpoint(cloudformation, stack_name: str) -> tuple[str, str]:
    """The endpoint the staging stack created and how it is served (its EndpointName and EndpointType outputs;
    a stack from before endpoint types is realtime)."""
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    return outputs["EndpointName"], outputs.get("EndpointType", "realtime")


class Answer:
    """How the test reaches the endpoint: directly, or through S3 for an async endpoint."""

    def __init__(self, session: boto3.Session, async_path: str = "", timeout: float = 900, poll: float = 5):
        self.session, self.async_path, self.timeout, self.poll = session, async_path, timeout, poll

    def __call__(self, endpoint_name: str, body: str) -> tuple[str, str]:
        """The endpoint's answer to ``body``, and where it came from (or an empty answer and why not)."""
        runtime = self.session.client("sagemaker-runtime")
        if not self.async_path:
            response = runtime.invoke_endpoint(EndpointName=endpoint_name, ContentType="text/csv", Body=body)
            return response["Body"].read().decode(), "answered directly"
        s3 = self.session.client("s3")
        bucket, _, prefix = self.async_path.removeprefix("s3://").partition("/")
        key = f"{prefix}/input/staging-test-{uuid.uuid4()}.csv"
        s3.put_object(Bucket=bucket, Key=key, Body=body.encode())
        response = runtime.invoke_endpoint_async(EndpointName=endpoint_name, ContentType="text/csv",
                                                 InputLocation=f"s3://{bucket}/{key}")
        return self._await(s3, response["OutputLocation"], response.get("FailureLocation", ""))

    def _await(self, s3, output: str, failure: str) -> tuple[str, str]:
        """The answer at ``output`` once the endpoint wrote it; its failure's text if it wrote that instead."""
        give_up = time.monotonic() + self.timeout
        while True:
            for location, outcome in ((output, "written to"), (failure, "failed, see")):
                text = _read_if_there(s3, location)
                if text is not None:
                    return (text if outcome == "written to" else ""), f"{outcome} {location}"
            if time.monotonic() >= give_up:
                return "", f"no answer at {output} after {self.timeout:.0f}s"
            time.sleep(self.poll)


def _read_if_there(s3, location: str) -> str | None:
    if not location:
        return None
    bucket, _, key = location.removeprefix("s3://").partition("/")
    try:
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    except ClientError as error:
        if error.response["Error"]["Code"] in ("NoSuchKey", "404"):
            return None
        raise


def run_checks(answer: Answer, sagemaker, endpoint_name: str, rows: list[list[str]]) -> list[dict]:
    checks = []
    try:
        status = sagemaker.describe_endpoint(EndpointName=endpoint_name)["EndpointStatus"]
    except ClientError as error:
        return [{"name": "endpoint is InService", "passed": False, "detail": error.response["Error"]["Message"]}]
    checks.append({"name": "endpoint is InService", "passed": status == "InService", "detail": status})
    if status != "InService":
        return checks
    try:
        text, where = answer(endpoint_name, "\n".join(model_input(row) for row in rows))
    except ClientError as error:
        text, where = "", f"{error.operation_name}: {error.response['Error']['Message']}"
    checks.append({"name": "endpoint answered", "passed": bool(text), "detail": where})
    if not text:
        return checks
    try:
        predictions = parse_predictions(text)
    except ValueError:
        return checks + [{"name": "predictions are numbers", "passed": False, "detail": text[:200]}]
    checks.append({
        "name": "one prediction per row",
        "passed": len(predictions) == len(rows),
        "detail": f"{len(predictions)} predictions for {len(rows)} rows",
    })
    low, high = PLAUSIBLE_RINGS
    checks.append({
        "name": "predictions in a plausible range",
        "passed": all(low <= p <= high for p in predictions),
        "detail": [{"rings": int(row[8]), "predicted": round(p, 2)} for row, p in zip(rows, predictions)],
    })
    return checks


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack-name", required=True, help="the staging endpoint stack")
    parser.add_argument("--import-build-config", type=Path, required=True, help="the staging stack configuration")
    parser.add_argument("--export-test-results", type=Path, required=True, help="where to write the JSON report")
    parser.add_argument("--role-arn", default="",
                        help="a role to assume first: staging's deploy role when staging is in another account "
                             "(empty: this account's credentials)")
    parser.add_argument("--async-timeout", type=float, default=900,
                        help="seconds to wait for an async endpoint's answer (default 900: one scaled to zero "
                             "starts an instance first)")
    return parser.parse_args(argv)


def staging_session(role_arn: str) -> boto3.Session:
    """This account's credentials, or the staging account's deploy role's when it is elsewhere."""
    if not role_arn:
        return boto3.Session()
    credentials = boto3.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="staging-test")["Credentials"]
    return boto3.Session(aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
                         aws_session_token=credentials["SessionToken"])


def main(argv=None) -> int:
    args = parse_args(argv)
    build_parameters = json.loads(args.import_build_config.read_text())["Parameters"]
    model_package = build_parameters["ModelPackageName"]
    rows = list(csv.reader(SAMPLE.open()))
    try:
        session = staging_session(args.role_arn)
        endpoint_name, endpoint_type = stack_endpoint(session.client("cloudformation"), args.stack_name)
    except (ClientError, KeyError, IndexError) as error:
        endpoint_name, endpoint_type = None, None
        checks = [{"name": "staging stack has an endpoint", "passed": False, "detail": str(error)}]
    else:
        async_path = build_parameters["AsyncInferencePath"] if endpoint_type == "async" else ""
        answer = Answer(session, async_path, timeout=args.async_timeout)
        checks = run_checks(answer, session.client("sagemaker"), endpoint_name, rows)
    passed = bool(checks) and all(check["passed"] for check in checks)
    report = {"endpoint_name": endpoint_name, "endpoint_type": endpoint_type, "model_package": model_package,
              "passed": passed, "checks": checks}
    args.export_test_results.write_text(json.dumps(report, indent=2) + "\n")
    for check in checks:
        print(f"{'PASS' if check['passed'] else 'FAIL'}  {check['name']}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
