"""Staging test: the staging endpoint is InService and predicts plausible ages.

Sends a few real abalone rows (test/abalone-sample.csv) and checks every answer is a
number of rings in a plausible range. Writes a JSON report and exits non-zero when any
check fails, which fails the pipeline's TestStaging stage before the prod approval.

Usage (see test/buildspec.yml):
    python test/test.py --stack-name STAGING_STACK --import-build-config staging-config-export.json \
        --export-test-results test-results.json
"""

import argparse
import csv
import json
import sys
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


def stack_endpoint_name(cloudformation, stack_name: str) -> str:
    """The endpoint the staging stack created (its EndpointName output)."""
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    return outputs["EndpointName"]


def run_checks(runtime, sagemaker, endpoint_name: str, rows: list[list[str]]) -> list[dict]:
    checks = []
    try:
        status = sagemaker.describe_endpoint(EndpointName=endpoint_name)["EndpointStatus"]
    except ClientError as error:
        return [{"name": "endpoint is InService", "passed": False, "detail": error.response["Error"]["Message"]}]
    checks.append({"name": "endpoint is InService", "passed": status == "InService", "detail": status})
    if status != "InService":
        return checks
    body = "\n".join(model_input(row) for row in rows)
    response = runtime.invoke_endpoint(EndpointName=endpoint_name, ContentType="text/csv", Body=body)
    answer = response["Body"].read().decode()
    try:
        predictions = parse_predictions(answer)
    except ValueError:
        return checks + [{"name": "predictions are numbers", "passed": False, "detail": answer[:200]}]
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
    model_package = json.loads(args.import_build_config.read_text())["Parameters"]["ModelPackageName"]
    rows = list(csv.reader(SAMPLE.open()))
    try:
        session = staging_session(args.role_arn)
        endpoint_name = stack_endpoint_name(session.client("cloudformation"), args.stack_name)
    except (ClientError, KeyError, IndexError) as error:
        endpoint_name, checks = None, [{"name": "staging stack has an endpoint", "passed": False, "detail": str(error)}]
    else:
        checks = run_checks(session.client("sagemaker-runtime"), session.client("sagemaker"), endpoint_name, rows)
    passed = bool(checks) and all(check["passed"] for check in checks)
    report = {"endpoint_name": endpoint_name, "model_package": model_package, "passed": passed, "checks": checks}
    args.export_test_results.write_text(json.dumps(report, indent=2) + "\n")
    for check in checks:
        print(f"{'PASS' if check['passed'] else 'FAIL'}  {check['name']}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
