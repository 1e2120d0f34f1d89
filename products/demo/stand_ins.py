"""What the demo does in AWS's place where the local AWS cannot: each function names what it stands in for.

- the endpoint's answers: the registered model's predictions, computed in the local runtime of its image;
- the endpoint's data capture: requests written in SageMaker's capture format;
- a pipeline's CreatePipeline request, for the pipeline the retrain function must find.
"""

import csv
import importlib.util
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

from products.demo.findings import capture_prefix
from products.local_aws.seed_executor import executor_module, seed_module


def staging_request_body(deploy_source: Path) -> str:
    """The CSV the staging test sends: its sample rows through its own model_input()."""
    spec = importlib.util.spec_from_file_location("staging_test", deploy_source / "test" / "test.py")
    test = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(test)
    with open(deploy_source / "test" / "abalone-sample.csv", newline="") as rows:
        return "\n".join(test.model_input(row) for row in csv.reader(rows))


def endpoint_predictions(model_archive: bytes, image: str, request_body: str, work: Path) -> str:
    """What the endpoint would answer: the registered model's predictions for the request's
    rows, computed in the local runtime of the endpoint's image (the emulator's endpoints
    answer only what they are told)."""
    images, container = executor_module("images"), executor_module("container")
    python = container.runtime_python(images.runtime_for(image), say=lambda _line: None)
    (work / "endpoint").mkdir()
    (work / "endpoint" / "model.tar.gz").write_bytes(model_archive)
    (work / "endpoint" / "request.csv").write_text(request_body)
    script = (
        "import sys, tarfile, numpy, xgboost\n"
        "booster = xgboost.Booster()\n"
        "booster.load_model(bytearray(tarfile.open(sys.argv[1]).extractfile('xgboost-model').read()))\n"
        "features = numpy.loadtxt(sys.argv[2], delimiter=',', ndmin=2)\n"
        "print('\\n'.join(f'{p:.4f}' for p in booster.predict(xgboost.DMatrix(features))))\n"
    )
    result = subprocess.run([str(python), "-c", script, *(str(work / "endpoint" / f) for f in ("model.tar.gz", "request.csv"))],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip().splitlines()[-1])
    return result.stdout.strip()


def test_rows(s3, props: dict) -> list[str]:
    """The test split the model-build run wrote (target first): rows the model never trained on."""
    bucket = props["ArtifactBucket"]["BucketName"]
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=props["ModelPackageGroup"]["ModelPackageGroupName"] + "/")
    (key,) = [o["Key"] for o in listed.get("Contents", []) if o["Key"].endswith("/preprocess/test/test.csv")]
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().splitlines()


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


def codepipeline_request(pipeline: dict) -> dict:
    """A resolved AWS::CodePipeline::Pipeline as a CreatePipeline request (stages and actions as declared)."""
    def lower(key: str) -> str:
        return key[0].lower() + key[1:]

    return {"name": pipeline["Name"], "roleArn": pipeline["RoleArn"],
            "artifactStore": {"type": "S3", "location": pipeline["ArtifactStore"]["Location"]},
            "stages": [{"name": stage["Name"], "actions": [
                {"name": action["Name"], "actionTypeId": {lower(k): v for k, v in action["ActionTypeId"].items()},
                 "configuration": {k: str(v) for k, v in action.get("Configuration", {}).items()}}
                for action in stage["Actions"]]} for stage in pipeline["Stages"]]}
