"""Measure `publish.py accept` against the local AWS: wall time per step and in total (median of N runs), clean-up
included, and what it reports as left (nothing, or the bench fails). The same code an adopter runs against a sandbox
account, pointed at a fresh emulator with a Studio domain in it.
Run: .venv/bin/python tests/bench/bench_acceptance.py [--runs 3]
"""

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import boto3  # noqa: E402

import publish  # noqa: E402
from products.local_aws.emulator import moto_server  # noqa: E402

SANDBOX = {"AWS_ACCESS_KEY_ID": "sandbox", "AWS_SECRET_ACCESS_KEY": "sandbox", "AWS_DEFAULT_REGION": "us-east-1"}
STUDIO_ROLE = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-x"


def one_run() -> tuple[float, dict]:
    with moto_server() as endpoint:
        os.environ.update(SANDBOX, AWS_ENDPOINT_URL=endpoint)
        os.environ.pop("AWS_PROFILE", None)
        boto3.client("sagemaker").create_domain(DomainName="sandbox", AuthMode="IAM", SubnetIds=["subnet-1"],
                                                VpcId="vpc-1", Tags=[], DefaultUserSettings={"ExecutionRole": STUDIO_ROLE})
        report, started = io.StringIO(), time.perf_counter()
        with contextlib.redirect_stdout(report), contextlib.redirect_stderr(io.StringIO()):
            code = publish.main(["accept", "--yes", "--output", "json", "--poll-seconds", "0.2"])
        seconds = time.perf_counter() - started
    found = json.loads(report.getvalue())  # with --output json, stdout holds only the report
    if code != 0 or found["left"]:
        raise SystemExit(f"accept exited {code}: {found['result']}; left {found['left']}; {found['failure']}")
    return seconds, found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args(argv)
    totals, per_step = [], {}
    for _ in range(args.runs):
        seconds, found = one_run()
        totals.append(seconds)
        for step in found["steps"]:
            per_step.setdefault(step["title"], []).append(step["seconds"])
    print(f"accept against the local AWS: median {statistics.median(totals):.1f}s over {args.runs} run(s) "
          f"(min {min(totals):.1f}s, max {max(totals):.1f}s), emulator start excluded, clean-up included; nothing left")
    for number, (title, values) in enumerate(per_step.items(), start=1):
        print(f"  {number}. {statistics.median(values):6.2f}s  {title}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
