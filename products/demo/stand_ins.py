"""What the demo does in AWS's place where the local AWS cannot: each function names what it stands in for.

- the endpoint's data capture: requests written in SageMaker's capture format.
"""

from datetime import datetime, timedelta

from products.demo.findings import capture_prefix, test_rows
from products.local_aws.seed_executor import seed_module


def write_drifted_capture(s3, props: dict, endpoint: str, monitor_time: str) -> int:
    """Requests of larger animals (the test split's rows, measurements x 1.5) as the endpoint's data capture
    would hold them, an hour before ``monitor_time``: the seed's own record format and drift, not a copy."""
    capture = seed_module("abalone_pipeline.capture")
    capture_record, drifted = capture.capture_record, capture.drifted
    rows = [[float(v) for v in line.split(",")[1:]] for line in test_rows(s3, props)]
    at = datetime.fromisoformat(monitor_time.replace("Z", "+00:00")) - timedelta(hours=1)
    lines = [capture_record(",".join(f"{v:g}" for v in drifted(row)), "10.0", f"demo-{i}", at.strftime("%Y-%m-%dT%H:%M:%SZ"))
             for i, row in enumerate(rows)]
    bucket, _, prefix = capture_prefix(props).removeprefix("s3://").partition("/")
    key = f"{prefix}{endpoint}/AllTraffic/{at:%Y/%m/%d/%H}/capture.jsonl"
    s3.put_object(Bucket=bucket, Key=key, Body="\n".join(lines).encode())
    return len(lines)
