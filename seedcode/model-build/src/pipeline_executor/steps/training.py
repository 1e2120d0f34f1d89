"""Training steps: a CreateTrainingJob request for a built-in algorithm, run locally.

The model archive is written to <S3OutputPath>/<job name>/output/model.tar.gz, where
SageMaker puts it, and that URI is ModelArtifacts.S3ModelArtifacts.
"""

import json
from pathlib import Path

from pipeline_executor import s3io
from pipeline_executor.archive import deterministic_tar_gz
from pipeline_executor.container import run_python_entrypoint
from pipeline_executor.errors import DefinitionError
from pipeline_executor.images import runtime_for

ALGORITHMS = {"xgboost": Path(__file__).resolve().parent.parent / "xgboost_algorithm.py"}


def run_training(step: dict, arguments: dict, context):
    name = context.job_name(step["Name"])
    request = context.validated("CreateTrainingJob", {"TrainingJobName": name, **arguments}, step["Name"])
    specification = request["AlgorithmSpecification"]
    if "TrainingImage" not in specification:
        raise DefinitionError("only training with a TrainingImage (not an AlgorithmName) can run locally")
    runtime = runtime_for(specification["TrainingImage"])
    hyperparameters = request.get("HyperParameters", {})
    if "sagemaker_program" in hyperparameters or runtime.builtin_algorithm is None:
        raise DefinitionError(f"image {specification['TrainingImage']}: only its built-in algorithm can train locally, "
                              "not a training script")
    context.authorize_job("CreateTrainingJob", "training-job", name, request["RoleArn"])
    s3 = context.s3_as(request["RoleArn"])  # the job reads and writes its data as its role
    root = context.step_dir(step["Name"]) / "opt-ml"
    channels = {}
    for channel in request.get("InputDataConfig", []):
        source = channel["DataSource"].get("S3DataSource")
        if not source:
            raise DefinitionError(f"channel {channel['ChannelName']}: only S3DataSource is supported locally")
        s3io.download_prefix(s3, source["S3Uri"], root / "input" / "data" / channel["ChannelName"])
        channels[channel["ChannelName"]] = {"ContentType": channel.get("ContentType", ""),
                                            "TrainingInputMode": channel.get("InputMode", "File")}
    config = root / "input" / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "hyperparameters.json").write_text(json.dumps(hyperparameters))
    (config / "inputdataconfig.json").write_text(json.dumps(channels))
    algorithm = ALGORITHMS[runtime.builtin_algorithm]
    run_python_entrypoint(["python3", str(algorithm)], [], runtime, root, {}, context.say)
    model_uri = f"{request['OutputDataConfig']['S3OutputPath'].rstrip('/')}/{name}/output/model.tar.gz"
    bucket, key = s3io.split_uri(model_uri)
    archive = deterministic_tar_gz(root / "model")
    (root.parent / "model.tar.gz").write_bytes(archive)  # the local copy of what is uploaded
    s3.put_object(Bucket=bucket, Key=key, Body=archive)
    metrics = json.loads((root / "output" / "metrics.json").read_text())
    arn = context.arn("training-job", name)
    properties = {
        **request, "TrainingJobArn": arn, "TrainingJobStatus": "Completed",
        "ModelArtifacts": {"S3ModelArtifacts": model_uri},
        "FinalMetricDataList": [{"MetricName": k, "Value": v} for k, v in sorted(metrics.items())],
    }
    return properties, {"TrainingJob": {"Arn": arn}}
