"""Measure seedcode/model-deploy/build.py on a model package group of 1,000 packages
(moto, in process): the AWS API calls it makes and its wall time (median of 5 runs).
Run: .venv/bin/python tests/bench/bench_model_deploy_build.py
"""

import importlib.util
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import boto3
from moto import mock_aws

SEED = Path(__file__).resolve().parents[2] / "seedcode" / "model-deploy"
PACKAGES, RUNS = 1000, 5


def main() -> int:
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    os.environ.pop("AWS_ENDPOINT_URL", None)
    spec = importlib.util.spec_from_file_location("build", SEED / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    with mock_aws(), tempfile.TemporaryDirectory() as workdir:
        sagemaker = boto3.client("sagemaker")
        group = "abalone-p-abc123def456"
        sagemaker.create_model_package_group(ModelPackageGroupName=group)
        started = time.perf_counter()
        for index in range(PACKAGES):
            sagemaker.create_model_package(
                ModelPackageGroupName=group,
                ModelApprovalStatus=("Approved", "Rejected", "PendingManualApproval")[index % 3],
                InferenceSpecification={
                    "Containers": [{"Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"}],
                    "SupportedContentTypes": ["text/csv"],
                    "SupportedResponseMIMETypes": ["text/csv"],
                },
            )
        print(f"registered {PACKAGES} packages in {time.perf_counter() - started:.1f}s")
        for name in ("staging-config.json", "prod-config.json"):
            (Path(workdir) / name).write_bytes((SEED / name).read_bytes())
        os.chdir(workdir)
        calls = Counter()
        sagemaker.meta.events.register("before-call.sagemaker", lambda model, **_: calls.update([model.name]))
        args = [
            "--model-package-group-name", group, "--model-execution-role", "arn:aws:iam::123456789012:role/r",
            "--sagemaker-project-name", "abalone", "--sagemaker-project-id", "p-abc123def456", "--s3-bucket", "b",
        ]
        times = []
        for _ in range(RUNS):
            calls.clear()
            started = time.perf_counter()
            assert build.main(args, sagemaker=sagemaker) == 0
            times.append(time.perf_counter() - started)
        print(f"API calls per run: {sum(calls.values())} ({dict(calls)})")
        print(f"wall time: median {statistics.median(times) * 1000:.0f} ms over {RUNS} runs "
              f"(min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
