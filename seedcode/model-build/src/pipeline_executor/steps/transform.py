"""Transform steps: a CreateTransformJob request, run with the model's image stand-in.

SageMaker starts the model's container and sends it every input object (here: split by
line, CSV in, CSV out); the results land in ``<S3OutputPath>/<input key below the
prefix>.out``. The model is the one the step names (usually a Model step's), read with
DescribeModel; its image must have a local inference stand-in (images.py).
"""

import tarfile
from pathlib import Path

from pipeline_executor import s3io
from pipeline_executor.container import run_python_entrypoint
from pipeline_executor.errors import DefinitionError, StepFailed
from pipeline_executor.images import runtime_for

INFERENCE = {"xgboost": Path(__file__).resolve().parent.parent / "xgboost_inference.py"}
SUPPORTED = {"ContentType": {"text/csv"}, "SplitType": {"Line"}, "AssembleWith": {"Line"}, "Accept": {"text/csv"}}


def _check_supported(request: dict) -> None:
    given = {"ContentType": request["TransformInput"].get("ContentType"),
             "SplitType": request["TransformInput"].get("SplitType"),
             "AssembleWith": request["TransformOutput"].get("AssembleWith"),
             "Accept": request["TransformOutput"].get("Accept")}
    for field, value in given.items():
        if value not in SUPPORTED[field]:
            raise DefinitionError(f"{field} {value!r} cannot run locally (supported: {', '.join(sorted(SUPPORTED[field]))})")


def _model_container(context, model_name: str) -> tuple[dict, str]:
    from botocore.exceptions import ClientError

    try:
        model = context.sagemaker_as_pipeline().describe_model(ModelName=model_name)
    except ClientError as error:
        raise StepFailed(f"DescribeModel {model_name}: {error}") from None
    container = model.get("PrimaryContainer") or (model.get("Containers") or [None])[0]
    if not container or "Image" not in container or "ModelDataUrl" not in container:
        raise DefinitionError(f"model {model_name}: only a model with one container, an image and ModelDataUrl runs locally")
    return container, model["ExecutionRoleArn"]


def run_transform(step: dict, arguments: dict, context):
    name = context.job_name(step["Name"])
    request = context.validated("CreateTransformJob", {"TransformJobName": name, **arguments}, step["Name"])
    source = request["TransformInput"]["DataSource"]["S3DataSource"]
    if source.get("S3DataType", "S3Prefix") != "S3Prefix":
        raise DefinitionError(f"S3DataType {source['S3DataType']} is not supported locally")
    _check_supported(request)
    context.authorize_pipeline_call("sagemaker:CreateTransformJob", context.arn("transform-job", name))
    container, role_arn = _model_container(context, request["ModelName"])
    runtime = runtime_for(container["Image"])
    if runtime.builtin_algorithm not in INFERENCE:
        raise DefinitionError(f"image {container['Image']}: no local inference stand-in")
    s3 = context.s3_as(role_arn)  # the job reads the model and data, and writes results, as the model's role
    root = context.step_dir(step["Name"]) / "opt-ml"
    archive = root.parent / "model.tar.gz"
    bucket, key = s3io.split_uri(container["ModelDataUrl"])
    s3.download_file(bucket, key, str(archive))
    with tarfile.open(archive) as tar:
        tar.extractall(root / "model", filter="data")
    s3io.download_prefix(s3, source["S3Uri"], root / "transform" / "input")
    run_python_entrypoint(["python3", str(INFERENCE[runtime.builtin_algorithm])],
                          ["/opt/ml/transform/input", "/opt/ml/transform/output"],
                          runtime, root, container.get("Environment", {}), context.say)
    s3io.upload_tree(s3, root / "transform" / "output", request["TransformOutput"]["S3OutputPath"])
    arn = context.arn("transform-job", name)
    properties = {**request, "TransformJobArn": arn, "TransformJobStatus": "Completed"}
    return properties, {"TransformJob": {"Arn": arn}}
