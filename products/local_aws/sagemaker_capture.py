"""An endpoint's data capture in the local AWS: each sampled request and its answer, written where its endpoint
configuration's DataCaptureConfig says.

SageMaker writes captured requests as JSON lines under
``<DestinationS3Uri>/<endpoint>/<variant>/yyyy/mm/dd/hh/`` (SageMaker developer guide, "Data capture": captureData's
endpointInput and endpointOutput, eventMetadata's eventId and inferenceTime). This stand-in writes one file per
captured request in that layout, when the request is answered (SageMaker buffers several into one file), sampling
deterministically: of every 100 requests, InitialSamplingPercentage are captured, evenly spread (SageMaker samples at
random). The object is written by the local S3 backend directly: the execution role's right to write it is checked by
the grant matrix (``publish.py grants``), not here. An async endpoint's requests are captured the same way; AWS
documents capture for real-time endpoints, so the async record format is assumed to be theirs.
"""

import threading
import uuid
from collections import Counter
from datetime import datetime, timezone

from products.local_aws.seed_executor import seed_module

_COUNTS: Counter = Counter()
_LOCK = threading.Lock()


def sampled(endpoint_arn: str, percentage: int) -> bool:
    """Whether the endpoint's next request is captured: ``percentage`` of every 100, evenly spread."""
    with _LOCK:
        _COUNTS[endpoint_arn] += 1
        count = _COUNTS[endpoint_arn]
    return (count * percentage) // 100 > ((count - 1) * percentage) // 100


def capture(endpoint_arn: str, endpoint_name: str, variant: str, config, request: str, answer: str) -> str | None:
    """Write the request and answer as captured data if the configuration captures and samples it: its S3 URI."""
    from moto.s3.models import s3_backends

    settings = getattr(config, "data_capture_config", None) or {}
    if not settings.get("EnableCapture", False) or not sampled(endpoint_arn, int(settings.get("InitialSamplingPercentage", 0))):
        return None
    at = datetime.now(timezone.utc)
    bucket, _, prefix = settings["DestinationS3Uri"].removeprefix("s3://").partition("/")
    key = f"{prefix.rstrip('/')}/{endpoint_name}/{variant}/{at:%Y/%m/%d/%H}/{uuid.uuid4()}.jsonl"
    if bucket not in s3_backends.bucket_accounts:
        return None  # as in AWS, a capture SageMaker cannot write is lost; the endpoint still answers
    partition, owner = s3_backends.bucket_accounts[bucket]
    # The record in the model-build seed's own capture format, the one its drift check reads.
    record = seed_module("abalone_pipeline.capture").capture_record(
        request, answer, str(uuid.uuid4()), at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")
    s3_backends[owner][partition].put_object(bucket, key, record.encode())
    return f"s3://{bucket}/{key}"
