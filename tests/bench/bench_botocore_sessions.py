"""Time 20 new boto3 sessions, each making a SageMaker and an S3 client and listing EC2's regions (what the publisher
and moto do over and over), with and without botocore's data shared per process (products/analysis/botocore_data.py).

Run: .venv/bin/python tests/bench/bench_botocore_sessions.py   (each mode in a fresh process; prints one line each)
"""

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SESSIONS = 20


def sessions(shared: bool) -> float:
    if shared:
        from products.analysis import botocore_data

        botocore_data.read_once()
    import boto3

    started = time.perf_counter()
    for _ in range(SESSIONS):
        session = boto3.Session(region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        session.client("sagemaker")
        session.client("s3")
        session.get_available_regions("ec2")
    return time.perf_counter() - started


def main() -> int:
    if len(sys.argv) > 1:  # one mode, in this fresh process
        print(f"{sessions(sys.argv[1] == 'shared'):.2f}")
        return 0
    for mode in ("per-session", "shared"):
        seconds = subprocess.run([sys.executable, __file__, mode], cwd=ROOT, capture_output=True, text=True,
                                 check=True).stdout.strip()
        print(f"{mode:<12} {SESSIONS} sessions: {seconds} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
