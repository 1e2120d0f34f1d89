"""Run the pipeline's steps on this machine: no Docker, no SageMaker jobs.

The same preprocess.py and evaluate.py the pipeline runs; training with the xgboost
package and exactly the training step's hyperparameters; the same MSE check; and the
same model package registration, sent to whatever SageMaker endpoint boto3 points at
(or written to a JSON file). SageMaker's own local mode needs Docker and cannot run a
register step.
"""

import hashlib
import io
import json
import os
import shutil
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import numpy as np
import xgboost

from abalone_pipeline.scripts import evaluate, preprocess
from abalone_pipeline.settings import (
    CONTENT_TYPES,
    DEFAULT_MSE_THRESHOLD,
    HYPERPARAMETERS,
    INFERENCE_INSTANCES,
    TRANSFORM_INSTANCES,
    XGBOOST_VERSION,
)

PACKAGED_DATA = Path(__file__).resolve().parent / "data" / "abalone.data"
WORK_DIR_MARKER = ".abalone-local-run"  # only folders holding it are ever emptied


class StepFailed(RuntimeError):
    """A step failed; the message says which and why."""


@dataclass
class LocalRun:
    work_dir: Path
    steps: list = field(default_factory=list)  # (name, seconds, detail)
    mse: float | None = None
    model_package_arn: str | None = None
    registration_file: Path | None = None


def xgboost_params() -> tuple[dict, int]:
    """The training step's hyperparameters as xgboost.train arguments."""
    params = {k: v for k, v in HYPERPARAMETERS.items() if k != "num_round"}
    return params, int(HYPERPARAMETERS["num_round"])


def _load_split(directory: Path, name: str) -> xgboost.DMatrix:
    table = np.loadtxt(directory / name / f"{name}.csv", delimiter=",", ndmin=2)
    return xgboost.DMatrix(table[:, 1:], label=table[:, 0])


def _deterministic_tar(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def train(split_dir: Path, model_dir: Path) -> float:
    """Train and write model.tar.gz (holding xgboost-model, like the training job); returns validation RMSE."""
    params, rounds = xgboost_params()
    training, validation = _load_split(split_dir, "train"), _load_split(split_dir, "validation")
    history: dict = {}
    booster = xgboost.train(params, training, num_boost_round=rounds, evals=[(validation, "validation")],
                            evals_result=history, verbose_eval=False)
    model_dir.mkdir(parents=True, exist_ok=True)
    raw = booster.save_raw(raw_format="ubj")
    (model_dir / "model.tar.gz").write_bytes(_deterministic_tar({evaluate.MODEL_FILE: bytes(raw)}))
    return float(history["validation"]["rmse"][-1])


def model_package_request(group: str, model_data_url: str, evaluation_url: str, approval_status: str, region: str) -> dict:
    """The CreateModelPackage request the pipeline's RegisterModel step makes."""
    os.environ.setdefault("AWS_DEFAULT_REGION", region)  # the SDK needs a region to import
    from sagemaker.core import image_uris

    return {
        "ModelPackageGroupName": group,
        "ModelApprovalStatus": approval_status,
        "InferenceSpecification": {
            "Containers": [{
                "Image": image_uris.retrieve("xgboost", region=region, version=XGBOOST_VERSION),
                "ModelDataUrl": model_data_url,
            }],
            "SupportedContentTypes": CONTENT_TYPES,
            "SupportedResponseMIMETypes": CONTENT_TYPES,
            "SupportedRealtimeInferenceInstanceTypes": INFERENCE_INSTANCES,
            "SupportedTransformInstanceTypes": TRANSFORM_INSTANCES,
        },
        "ModelMetrics": {"ModelQuality": {"Statistics": {"ContentType": "application/json", "S3Uri": evaluation_url}}},
    }


def run_local(
    work_dir: Path,
    model_package_group_name: str,
    data: Path = PACKAGED_DATA,
    approval_status: str = "PendingManualApproval",
    mse_threshold: float = DEFAULT_MSE_THRESHOLD,
    register: bool = True,
    default_bucket: str | None = None,
    base_job_prefix: str = "abalone",
    region: str | None = None,
    report=print,
) -> LocalRun:
    """Run Preprocess, Train, Evaluate, CheckMSE and RegisterModel; raises StepFailed."""
    work_dir = Path(work_dir)
    if work_dir.exists() and any(work_dir.iterdir()):
        if not (work_dir / WORK_DIR_MARKER).exists():
            raise StepFailed(f"--work-dir {work_dir} is not empty and was not made by a local run; choose another folder")
        shutil.rmtree(work_dir)
    run = LocalRun(work_dir)
    if not Path(data).is_file():
        raise StepFailed(f"Preprocess: input data {data} not found")
    (work_dir / "input").mkdir(parents=True)
    (work_dir / WORK_DIR_MARKER).touch()
    shutil.copy(data, work_dir / "input" / "abalone.data")

    def step(name, action):
        started = time.perf_counter()
        try:
            detail = action()
        except preprocess.DataError as error:
            raise StepFailed(f"{name}: {error}") from None
        seconds = time.perf_counter() - started
        run.steps.append((name, seconds, detail))
        report(f"{len(run.steps)}/5 {name:<14} ok  {seconds:7.3f}s  {detail}")

    splits, model_dir, evaluation_dir = work_dir / "preprocess", work_dir / "model", work_dir / "evaluation"
    step("Preprocess", lambda: ", ".join(f"{k} {v}" for k, v in preprocess.preprocess(work_dir / "input", splits).items()))
    step("Train", lambda: f"validation RMSE {train(splits, model_dir):.4f}")

    def run_evaluation():
        metrics = evaluate.evaluate(model_dir, splits / "test")
        evaluation_dir.mkdir(parents=True)
        (evaluation_dir / "evaluation.json").write_text(json.dumps(metrics, indent=2) + "\n")
        run.mse = metrics["regression_metrics"]["mse"]["value"]
        return f"test MSE {run.mse:.4f}, RMSE {run.mse ** 0.5:.4f}"

    step("Evaluate", run_evaluation)
    if run.mse > mse_threshold:
        raise StepFailed(f"CheckMSE: the model's test MSE {run.mse:.4f} is above the threshold of {mse_threshold}")
    step("CheckMSE", lambda: f"{run.mse:.4f} <= {mse_threshold}")

    def registration():
        region_name = region or boto3.Session().region_name or "us-east-1"
        model_bytes = (model_dir / "model.tar.gz").read_bytes()
        key_prefix = f"{base_job_prefix}/local-run/{hashlib.sha256(model_bytes).hexdigest()[:12]}"
        bucket = default_bucket or "<bucket>"
        request = model_package_request(
            model_package_group_name,
            f"s3://{bucket}/{key_prefix}/model/model.tar.gz",
            f"s3://{bucket}/{key_prefix}/evaluation/evaluation.json",
            approval_status,
            region_name,
        )
        if not register:
            run.registration_file = work_dir / "registration.json"
            run.registration_file.write_text(json.dumps(request, indent=2) + "\n")
            return f"not registered (--no-register): request in {run.registration_file}"
        if not default_bucket:
            raise StepFailed("RegisterModel: default_bucket is needed to upload the model (--kwargs)")
        s3, sagemaker = boto3.client("s3", region_name=region_name), boto3.client("sagemaker", region_name=region_name)
        s3.put_object(Bucket=bucket, Key=f"{key_prefix}/model/model.tar.gz", Body=model_bytes)
        s3.put_object(Bucket=bucket, Key=f"{key_prefix}/evaluation/evaluation.json",
                      Body=(evaluation_dir / "evaluation.json").read_bytes(), ContentType="application/json")
        run.model_package_arn = sagemaker.create_model_package(**request)["ModelPackageArn"]
        return f"{run.model_package_arn} ({approval_status})"

    step("RegisterModel", registration)
    return run
