"""Processing steps: a CreateProcessingJob request, run with the image's local runtime."""

from pipeline_executor import s3io
from pipeline_executor.container import run_python_entrypoint
from pipeline_executor.errors import DefinitionError
from pipeline_executor.images import runtime_for

CONTAINER_ROOT = "/opt/ml"


def _local(root, container_path: str):
    if not container_path.startswith(CONTAINER_ROOT + "/"):
        raise DefinitionError(f"local path {container_path} is not under {CONTAINER_ROOT}")
    return root / container_path[len(CONTAINER_ROOT) + 1:]


def run_processing(step: dict, arguments: dict, context):
    name = context.job_name(step["Name"])
    request = context.validated("CreateProcessingJob", {"ProcessingJobName": name, **arguments}, step["Name"])
    app = request["AppSpecification"]
    runtime = runtime_for(app["ImageUri"])
    context.authorize_job("CreateProcessingJob", "processing-job", name, request["RoleArn"])
    s3 = context.s3_as(request["RoleArn"])  # the job reads and writes its data as its role
    root = context.step_dir(step["Name"]) / "opt-ml"
    for processing_input in request.get("ProcessingInputs", []):
        if "S3Input" not in processing_input:
            raise DefinitionError(f"input {processing_input['InputName']}: only S3Input is supported locally")
        s3_input = processing_input["S3Input"]
        if s3_input.get("S3DataType", "S3Prefix") != "S3Prefix":
            raise DefinitionError(f"input {processing_input['InputName']}: S3DataType {s3_input['S3DataType']} is not supported locally")
        s3io.download_prefix(s3, s3_input["S3Uri"], _local(root, s3_input["LocalPath"]))
    outputs = request.get("ProcessingOutputConfig", {}).get("Outputs", [])
    for output in outputs:
        _local(root, output["S3Output"]["LocalPath"]).mkdir(parents=True, exist_ok=True)
    run_python_entrypoint(app.get("ContainerEntrypoint", []), app.get("ContainerArguments", []), runtime, root,
                          request.get("Environment", {}), context.say)
    for output in outputs:
        s3_output = output["S3Output"]
        s3io.upload_tree(s3, _local(root, s3_output["LocalPath"]), s3_output["S3Uri"])
    arn = context.arn("processing-job", name)
    properties = {**request, "ProcessingJobArn": arn, "ProcessingJobStatus": "Completed"}
    return properties, {"ProcessingJob": {"Arn": arn}}
