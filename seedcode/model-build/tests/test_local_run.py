"""run-pipeline --local: the pipeline's own definition executed here, step by step.

Every test runs the definition the SDK builds (what SageMaker would receive) through
pipeline_executor; S3 and SageMaker are moto (in this process).
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from abalone_pipeline import cli
from conftest import BUCKET, GROUP, KWARGS

SRC = Path(__file__).resolve().parent.parent / "src"


def run_local(tmp_path, *extra, offline=False):
    kwargs = [] if offline else ["--kwargs", json.dumps(KWARGS)]
    return cli.run_pipeline(["--local", *(["--offline"] if offline else []), "--work-dir", str(tmp_path / "run"),
                             *kwargs, *extra])


def _model_archive(tmp_path) -> bytes:
    return (tmp_path / "run" / "steps" / "Train" / "model.tar.gz").read_bytes()


def test_local_run_registers_a_pending_model_with_its_metrics(aws, tmp_path, capsys):
    assert run_local(tmp_path) == 0
    out = capsys.readouterr().out
    for step in ["Preprocess", "DriftBaseline", "Train", "Evaluate", "CheckMSE", "RegisterModel"]:
        assert f"  {step} succeeded" in out
    assert "test MSE 5.3420" in out  # the bundled data, the settings' hyperparameters
    sagemaker = boto3.client("sagemaker")
    (package,) = sagemaker.list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"]
    assert package["ModelApprovalStatus"] == "PendingManualApproval"
    described = sagemaker.describe_model_package(ModelPackageName=package["ModelPackageArn"])
    metrics_uri = described["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"]
    bucket, key = metrics_uri.removeprefix("s3://").split("/", 1)
    assert bucket == BUCKET
    stored = json.loads(boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
    assert round(stored["regression_metrics"]["mse"]["value"], 4) == 5.3420
    model_uri = described["InferenceSpecification"]["Containers"][0]["ModelDataUrl"]
    model_key = model_uri.split(BUCKET + "/")[1]
    assert model_key.endswith("/output/model.tar.gz")  # <S3OutputPath>/<job>/output/, where SageMaker writes it
    body = boto3.client("s3").get_object(Bucket=BUCKET, Key=model_key)["Body"].read()
    assert body == _model_archive(tmp_path)


@pytest.fixture(scope="module")
def offline_run(tmp_path_factory):
    """One offline run, shared: in a fresh folder with the relative --work-dir `make run-local` uses."""
    folder = tmp_path_factory.mktemp("offline")
    previous = os.getcwd()
    os.chdir(folder)
    try:
        assert cli.run_pipeline(["--local", "--offline", "--work-dir", "build/local-run"]) == 0
    finally:
        os.chdir(previous)
    return folder / "build" / "local-run"


def test_a_relative_work_dir_works_as_make_run_local_gives_it(offline_run):
    assert (offline_run / "steps" / "Train" / "model.tar.gz").is_file()


def test_model_archive_is_identical_across_runs_whatever_the_clock(offline_run, tmp_path, monkeypatch):
    """gzip and tar stamp the current time unless told not to; this run sees a clock an hour later."""
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3600)
    assert run_local(tmp_path, offline=True) == 0
    assert _model_archive(tmp_path) == (offline_run / "steps" / "Train" / "model.tar.gz").read_bytes()


def test_offline_run_needs_no_aws_and_keeps_every_request(offline_run):
    request = json.loads((offline_run / "steps" / "RegisterModel.json").read_text())
    assert request["ModelApprovalStatus"] == "PendingManualApproval"
    assert request["InferenceSpecification"]["Containers"][0]["Image"].endswith("/sagemaker-xgboost:1.7-1")
    assert json.loads((offline_run / "pipeline-definition.json").read_text())["Version"] == "2020-12-01"


def test_a_parameter_changes_the_run_like_start_pipeline_execution(aws, tmp_path, capsys):
    assert run_local(tmp_path, "--parameter", "MseThreshold=1.0") == 1
    err = capsys.readouterr().err
    assert "MSEAboveThreshold" in err and "The model's test MSE is above the threshold of 1.0" in err
    assert boto3.client("sagemaker").list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"] == []


def test_an_unknown_parameter_fails_the_run(tmp_path, capsys):
    assert run_local(tmp_path, "--parameter", "Threshold=1.0", offline=True) == 1
    assert "parameter Threshold is not a parameter of the pipeline" in capsys.readouterr().err


def test_missing_data_file_is_a_usage_error(tmp_path, capsys):
    assert run_local(tmp_path, "--data", str(tmp_path / "nope.csv"), offline=True) == 2
    assert "nope.csv: file not found" in capsys.readouterr().err


def test_missing_group_fails_at_registration(tmp_path, capsys):
    from moto import mock_aws

    with mock_aws():
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        assert run_local(tmp_path) == 1
    assert "RegisterModel" in capsys.readouterr().err


def test_refuses_to_empty_a_folder_it_did_not_make(tmp_path, capsys):
    precious = tmp_path / "run"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    assert run_local(tmp_path, offline=True) == 2
    assert "was not made by a local run" in capsys.readouterr().err
    assert (precious / "notes.txt").read_text() == "keep me"


@pytest.fixture
def pipeline_copy(tmp_path, monkeypatch):
    """A copy of the seed package to edit, imported instead of the installed one."""
    copy = tmp_path / "src"
    shutil.copytree(SRC / "abalone_pipeline", copy / "abalone_pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.syspath_prepend(str(copy))
    for name in [m for m in sys.modules if m.startswith("abalone_pipeline")]:
        monkeypatch.delitem(sys.modules, name)
    yield copy / "abalone_pipeline"
    for name in [m for m in sys.modules if m.startswith("abalone_pipeline")]:
        sys.modules.pop(name)  # the edited copy must not leak into later tests


DATA_CHECK_SCRIPT = '''
import pathlib, sys
rows = pathlib.Path("/opt/ml/processing/input/abalone.data").read_text().splitlines()
pathlib.Path("/opt/ml/processing/report").mkdir(parents=True, exist_ok=True)
pathlib.Path("/opt/ml/processing/report/rows.txt").write_text(str(len(rows)))
print(f"data check: {len(rows)} rows")
sys.exit(0 if len(rows) > 100 else 1)
'''


DATA_CHECK_STEP = '''

def data_check_step(processor, input_data, jobs):
    """DataCheck: scripts/data_check.py counts the raw data's rows."""
    return ProcessingStep(
        name="DataCheck",
        step_args=processor.run(
            code=str(SCRIPTS / "data_check.py"),
            inputs=[processing_input("input", input_data, "/opt/ml/processing/input")],
            outputs=[processing_output("report", jobs.output_path("report"), "/opt/ml/processing/report")],
        ),
    )
'''


def _add_data_check_step(package):
    """A new ProcessingStep, added as a data scientist would: a script, a function returning the
    step in pipeline.py, and in get_pipeline a line calling it and its name in the steps list."""
    (package / "scripts" / "data_check.py").write_text(DATA_CHECK_SCRIPT)
    pipeline = package / "pipeline.py"
    text = pipeline.read_text()
    edits = {
        "    return Pipeline(\n":
            '    data_check = data_check_step(sklearn_processor, parameters["InputDataUrl"], jobs)\n    return Pipeline(\n',
        "steps=[preprocess, drift_baseline, train, evaluate, check]":
            "steps=[data_check, preprocess, drift_baseline, train, evaluate, check]",
    }
    for anchor, replacement in edits.items():
        assert text.count(anchor) == 1, f"pipeline.py no longer has {anchor!r} once: update this test"
        text = text.replace(anchor, replacement)
    pipeline.write_text(text + DATA_CHECK_STEP)


def test_a_step_added_to_pipeline_py_runs_locally_with_no_other_change(pipeline_copy, tmp_path, capsys):
    _add_data_check_step(pipeline_copy)
    from abalone_pipeline import cli as edited_cli

    assert edited_cli.run_pipeline(["--local", "--offline", "--work-dir", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert "DataCheck succeeded" in out and "data check: 4177 rows" in out
    report = tmp_path / "run" / "steps" / "DataCheck" / "opt-ml" / "processing" / "report" / "rows.txt"
    assert report.read_text() == "4177"


def test_a_failing_added_step_fails_the_run(pipeline_copy, tmp_path, capsys):
    _add_data_check_step(pipeline_copy)
    (pipeline_copy / "scripts" / "data_check.py").write_text("import sys\nprint('no rows', file=sys.stderr)\nsys.exit(3)\n")
    from abalone_pipeline import cli as edited_cli

    assert edited_cli.run_pipeline(["--local", "--offline", "--work-dir", str(tmp_path / "run")]) == 1
    assert "DataCheck: AlgorithmError" in capsys.readouterr().err


def test_an_image_without_a_local_runtime_fails_naming_the_step(pipeline_copy, tmp_path, capsys):
    pipeline = pipeline_copy / "pipeline.py"
    pipeline.write_text(pipeline.read_text().replace(
        'sklearn_image = image_uris.retrieve("sklearn", region=region, version=SKLEARN_VERSION, instance_type="ml.m5.xlarge")',
        'sklearn_image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-team-image:latest"'))
    from abalone_pipeline import cli as edited_cli

    assert edited_cli.run_pipeline(["--local", "--offline", "--work-dir", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "Preprocess" in err and "my-team-image:latest has no local runtime" in err


def test_the_sdk_is_quiet_by_default(tmp_path):
    """As a process (pytest's own log handlers would hide the SDK's lines in-process); building
    the definition is where the SDK logs and warns."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    command = [str(Path(sys.executable).parent / "get-pipeline-definition"), "--offline"]
    quiet = subprocess.run([*command, "--file-name", str(tmp_path / "a.json")], capture_output=True, text=True, env=env)
    assert quiet.returncode == 0, quiet.stderr
    assert not any(word in quiet.stdout + quiet.stderr for word in ("INFO sagemaker", "DEBUG sagemaker", "Warning"))


def test_verbose_shows_the_sdks_log(tmp_path):
    """Also as a process: the SDK's loggers write through handlers of their own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    command = [str(Path(sys.executable).parent / "get-pipeline-definition"), "--offline", "--verbose"]
    verbose = subprocess.run([*command, "--file-name", str(tmp_path / "b.json")], capture_output=True, text=True, env=env)
    assert verbose.returncode == 0 and "sagemaker" in verbose.stderr

@pytest.mark.parametrize("content, message", [
    ("", "the file is empty"),
    ("Sex,Length,Diameter,Height,Whole,Shucked,Viscera,Shell,Rings\nM,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15\n",
     "row 1 is a header row"),
    ("M,0.4,0.3\n", "expected 9 columns"),
])
def test_bad_data_is_one_line_naming_the_users_file(tmp_path, capsys, content, message):
    data = tmp_path / "my-data.csv"
    data.write_text(content)
    assert run_local(tmp_path, "--data", str(data), offline=True) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{data}: " in err[0] and message in err[0] and "/opt/ml" not in err[0].split("exited 1:")[1]


def test_without_kwargs_the_error_says_how_to_run_with_no_aws(tmp_path, capsys):
    assert cli.run_pipeline(["--local", "--work-dir", str(tmp_path / "run")]) == 2
    assert "add --offline, or use `make run-local`" in capsys.readouterr().err
