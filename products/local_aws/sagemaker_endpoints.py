"""A SageMaker endpoint's answers in the local AWS: the deployed model's own predictions.

moto creates endpoints (InService at once) and answers InvokeEndpoint with "body", or with whatever a test queued
beforehand; InvokeEndpointAsync writes a queued answer to a bucket of its own. Installed in the moto_server process,
InvokeEndpoint instead finds the endpoint's configuration, its
first production variant's model, and that model's primary container (``Image`` and ``ModelDataUrl``), reads the
model archive from S3 (for a model of a model package, the package's container), and computes the predictions for the request's CSV rows in the
local runtime of the container's image (the seed executor's image stand-ins: xgboost in the version that image
ships). This is the stand-in for the endpoint's container: no container runs, and only the XGBoost image's
``text/csv`` requests are served.

Each endpoint type answers as AWS's does: realtime and serverless endpoints through InvokeEndpoint; an async endpoint
(its configuration's AsyncInferenceConfig) through InvokeEndpointAsync only, reading the request from its
InputLocation and writing the answer under the configuration's S3OutputPath (a model's failure under S3FailurePath)
before it returns, where AWS queues it and answers later. Each answer is captured as the configuration says
(``sagemaker_capture``). The refusals for the wrong invocation are ours in wording.

Not emulated: instance types and counts, serverless memory and concurrency, scaling (to zero or otherwise), variants'
weights, the container's other content types, latency and cold starts, async notifications (SNS).
"""

import json
import subprocess
import tempfile
import uuid
from pathlib import Path

from products.local_aws import sagemaker_capture
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


def _endpoint_and_config(account: str, region: str, endpoint_name: str):
    from moto.sagemaker.models import sagemaker_backends

    backend = sagemaker_backends[account][region]
    endpoint = backend.endpoints.get(endpoint_name)
    if endpoint is None:
        raise ModelError(f"Endpoint {endpoint_name} of account {account} not found.")
    return backend, endpoint, backend.endpoint_configs[endpoint.endpoint_config_name]


def served_model(account: str, region: str, endpoint_name: str) -> tuple[str, str, str]:
    """The image and model data URL the endpoint serves, and the variant: its configuration's first."""
    from moto.sagemaker.models import sagemaker_backends

    backend, _, config = _endpoint_and_config(account, region, endpoint_name)
    variant = config.production_variants[0]
    model = backend.describe_model(variant["ModelName"])
    container = model.primary_container or (model.containers or [{}])[0]
    if container.get("ModelPackageName"):  # a versioned package: its inference specification's container
        name = container["ModelPackageName"]  # an ARN names the package's account (a stage reads the project's)
        owner = sagemaker_backends[name.split(":")[4]][region] if name.startswith("arn:") else backend
        package = owner.describe_model_package(name)
        container = package.inference_specification["Containers"][0]
    return container.get("Image", ""), container.get("ModelDataUrl", ""), variant.get("VariantName", "")


def _s3_object(uri: str):
    """The bucket's backend (in the account that owns it), the bucket and the key of an S3 URI."""
    from moto.s3.models import s3_backends

    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if bucket not in s3_backends.bucket_accounts:
        raise ModelError(f"the bucket of {uri} does not exist")
    partition, owner = s3_backends.bucket_accounts[bucket]
    return s3_backends[owner][partition], bucket, key


def _model_archive(model_data_url: str) -> bytes:
    """The archive, from the account that owns its bucket (a stage account's endpoint reads the project's
    bucket; that cross-account read is not checked here: `publish.py grants` checks its policies)."""
    backend, bucket, key = _s3_object(model_data_url)
    stored = backend.get_object(bucket, key)
    if stored is None:
        raise ModelError(f"the model data {model_data_url} does not exist")
    return stored.value


def answer(account: str, region: str, endpoint_name: str, body: str) -> tuple[str, str]:
    """The predictions for ``body``, and the variant that answered; the pair captured as the endpoint's
    configuration says."""
    image, model_data_url, variant = served_model(account, region, endpoint_name)
    with tempfile.TemporaryDirectory(prefix="endpoint-") as work:
        predictions = endpoint_predictions(_model_archive(model_data_url), image, body, Path(work))
    _, endpoint, config = _endpoint_and_config(account, region, endpoint_name)
    sagemaker_capture.capture(endpoint.arn, endpoint_name, variant, config, body, predictions)
    return predictions, variant


def async_output(config) -> dict:
    """The configuration's AsyncInferenceConfig.OutputConfig; ModelError when it is not an async endpoint's."""
    output = (getattr(config, "async_inference_config", None) or {}).get("OutputConfig")
    if not output:
        raise ModelError(f"endpoint configuration {config.endpoint_config_name} is not asynchronous: "
                         "use InvokeEndpoint")
    return output


def answer_async(account: str, region: str, endpoint_name: str, input_location: str) -> tuple[str, str, str]:
    """Answer the request at ``input_location``: the inference id, and where the answer and a failure go (the
    answer already written there, or the failure)."""
    _, _, config = _endpoint_and_config(account, region, endpoint_name)
    output = async_output(config)
    backend, bucket, key = _s3_object(input_location)
    stored = backend.get_object(bucket, key)
    if stored is None:
        raise ModelError(f"the request {input_location} does not exist")
    inference_id = str(uuid.uuid4())
    output_location = f"{output['S3OutputPath'].rstrip('/')}/{inference_id}.out"
    failure_location = f"{output.get('S3FailurePath', output['S3OutputPath']).rstrip('/')}/{inference_id}-error.out"
    try:
        text, location = answer(account, region, endpoint_name, stored.value.decode())[0], output_location
    except ModelError as error:
        text, location = str(error), failure_location
    target, target_bucket, target_key = _s3_object(location)
    target.put_object(target_bucket, target_key, text.encode())
    return inference_id, output_location, failure_location


def install() -> None:
    """Patch moto's SageMaker runtime (in this process): both invocations answer with the model's predictions."""
    from urllib.parse import unquote

    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

    def invoke_endpoint(self):
        endpoint_name = unquote(self.path.split("/")[2])  # /endpoints/NAME/invocations
        body = self.body.decode() if isinstance(self.body, bytes) else (self.body or "")
        try:
            _, _, config = _endpoint_and_config(self.current_account, self.region, endpoint_name)
            if getattr(config, "async_inference_config", None):
                raise ModelError(f"endpoint {endpoint_name} is asynchronous: use InvokeEndpointAsync")
            predictions, variant = answer(self.current_account, self.region, endpoint_name, body)
        except ModelError as error:
            raise ValidationError(message=str(error)) from None
        return 200, {"Content-Type": "text/csv", "x-Amzn-Invoked-Production-Variant": variant}, predictions

    def invoke_endpoint_async(self):
        endpoint_name = unquote(self.path.split("/")[2])  # /endpoints/NAME/async-invocations
        try:
            inference_id, output, failure = answer_async(self.current_account, self.region, endpoint_name,
                                                         self.headers.get("X-Amzn-SageMaker-InputLocation", ""))
        except ModelError as error:
            raise ValidationError(message=str(error)) from None
        headers = {"X-Amzn-SageMaker-OutputLocation": output, "X-Amzn-SageMaker-FailureLocation": failure}
        return 202, headers, json.dumps({"InferenceId": inference_id})

    SageMakerRuntimeResponse.invoke_endpoint = invoke_endpoint
    SageMakerRuntimeResponse.invoke_endpoint_async = invoke_endpoint_async
