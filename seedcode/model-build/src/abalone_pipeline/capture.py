"""Records in the format of SageMaker's endpoint data capture, for trying the drift monitor.

SageMaker writes one JSON object per line: ``captureData.endpointInput`` (the request: its
content type, mode INPUT, data and encoding) and ``endpointOutput`` (the response), and
``eventMetadata`` with an ``eventId`` and the ``inferenceTime``. ``scripts/drift.py check``
reads exactly these fields. Nothing here needs AWS or the SageMaker SDK.
"""

import json


def capture_record(features_csv: str, prediction: str, event_id: str, inference_time: str) -> str:
    """One captured request and response, as a line of a capture file."""
    return json.dumps({
        "captureData": {
            "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": features_csv, "encoding": "CSV"},
            "endpointOutput": {"observedContentType": "text/csv; charset=utf-8", "mode": "OUTPUT", "data": prediction,
                               "encoding": "CSV"},
        },
        "eventMetadata": {"eventId": event_id, "inferenceTime": inference_time},
        "eventVersion": "0",
    })


def drifted(features: list[float], factor: float = 1.5) -> list[float]:
    """A request whose measurements are ``factor`` times larger: animals of another population."""
    return [value * factor for value in features[:7]] + features[7:]
