"""A SageMaker endpoint's answers in the local AWS: the deployed model's own predictions.

moto creates endpoints (InService at once) and answers InvokeEndpoint with "body", or with whatever a test queued
beforehand. Installed in the moto_server process, InvokeEndpoint instead finds the endpoint's configuration, its
first production variant's model, and that model's primary container (``Image`` and ``ModelDataUrl``), reads the
model archive from S3 (for a model of a model package, the package's container), and computes the predictions for the request's CSV rows in the
local runtime of the container's image (the seed executor's image stand-ins: xgboost in the version that image
ships). This is the stand-in for the endpoint's container: no container runs, and only the XGBoost image's
``text/csv`` requests are served.

Not emulated: instance types and counts, variants' weights, the container's other content types, latency,
data capture (no request is written to S3), async and serverless endpoints.
"""

import subprocess
import tempfile
from pathlib import Path

from products.local_aws.seed_executor import executor_module

PREDICT = (
    "import sys, tarfile, numpy, xgboost\n"
    "booster = xgboost.Booster()\n"
    "booster.load_model(bytearray(tarfile.open(sys.argv[1]).extractfile('xgboost-model').read()))\n"
    "features = numpy.loadtxt(sys.argv[2], delimiter=',', ndmin=2)\n"
    "print('\\n'.join(f'{p:.4f}' for p in booster.predict(xgboost.DMatrix(features))))\n"
)


class ModelError(Exception):
    """The model could not answer the request (SageMaker's ModelError); the message says why."""


def endpoint_predictions(model_archive: bytes, image: str, request_body: str, work: Path) -> str:
    """What the endpoint answers: the model's predictions for the request's rows, one a line, computed in the
    local runtime of the endpoint's image."""
    images, container = executor_module("images"), executor_module("container")
    python = container.runtime_python(images.runtime_for(image), say=lambda _line: None)
    (work / "model.tar.gz").write_bytes(model_archive)
    (work / "request.csv").write_text(request_body)
    result = subprocess.run([str(python), "-c", PREDICT, str(work / "model.tar.gz"), str(work / "request.csv")],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise ModelError(result.stderr.strip().splitlines()[-1])
    return result.stdout.strip()


def served_model(account: str, region: str, endpoint_name: str) -> tuple[str, str, str]:
    """The image and model data URL the endpoint serves, and the variant: its configuration's first."""
    from moto.sagemaker.models import sagemaker_backends

    backend = sagemaker_backends[account][region]
    endpoint = backend.endpoints.get(endpoint_name)
    if endpoint is None:
        raise ModelError(f"Endpoint {endpoint_name} of account {account} not found.")
    config = backend.endpoint_configs[endpoint.endpoint_config_name]
    variant = config.production_variants[0]
    model = backend.describe_model(variant["ModelName"])
    container = model.primary_container or (model.containers or [{}])[0]
    if container.get("ModelPackageName"):  # a versioned package: its inference specification's container
        name = container["ModelPackageName"]  # an ARN names the package's account (a stage reads the project's)
        owner = sagemaker_backends[name.split(":")[4]][region] if name.startswith("arn:") else backend
        package = owner.describe_model_package(name)
        container = package.inference_specification["Containers"][0]
    return container.get("Image", ""), container.get("ModelDataUrl", ""), variant.get("VariantName", "")


def _model_archive(model_data_url: str) -> bytes:
    """The archive, from the account that owns its bucket (a stage account's endpoint reads the project's
    bucket; that cross-account read is not checked here: `publish.py grants` checks its policies)."""
    from moto.s3.models import s3_backends

    bucket, _, key = model_data_url.removeprefix("s3://").partition("/")
    if bucket not in s3_backends.bucket_accounts:
        raise ModelError(f"the model data {model_data_url} does not exist")
    partition, owner = s3_backends.bucket_accounts[bucket]
    stored = s3_backends[owner][partition].get_object(bucket, key)
    if stored is None:
        raise ModelError(f"the model data {model_data_url} does not exist")
    return stored.value


def answer(account: str, region: str, endpoint_name: str, body: str) -> tuple[str, str]:
    """The predictions for ``body``, and the variant that answered."""
    image, model_data_url, variant = served_model(account, region, endpoint_name)
    with tempfile.TemporaryDirectory(prefix="endpoint-") as work:
        return endpoint_predictions(_model_archive(model_data_url), image, body, Path(work)), variant


def install() -> None:
    """Patch moto's SageMaker runtime (in this process): InvokeEndpoint answers with the model's predictions."""
    from urllib.parse import unquote

    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

    def invoke_endpoint(self):
        endpoint_name = unquote(self.path.split("/")[2])  # /endpoints/NAME/invocations
        body = self.body.decode() if isinstance(self.body, bytes) else (self.body or "")
        try:
            predictions, variant = answer(self.current_account, self.region, endpoint_name, body)
        except ModelError as error:
            raise ValidationError(message=str(error)) from None
        return 200, {"Content-Type": "text/csv", "x-Amzn-Invoked-Production-Variant": variant}, predictions

    SageMakerRuntimeResponse.invoke_endpoint = invoke_endpoint
