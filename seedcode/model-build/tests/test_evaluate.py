"""evaluate.py: the evaluation.json shape the pipeline's MSE check and the registry read."""

import json

import numpy as np

import tarfile

import xgboost
from abalone_pipeline.settings import EVALUATION_JSON_PATH
from abalone_pipeline.scripts import evaluate


def _write_split(directory, name, rows):
    (directory / name).mkdir(parents=True)
    np.savetxt(directory / name / f"{name}.csv", rows, delimiter=",")


def _train(csv, model_dir):
    """A model.tar.gz holding xgboost-model, as the training step writes it."""
    table = np.loadtxt(csv, delimiter=",")
    booster = xgboost.train({"max_depth": 3, "seed": 0}, xgboost.DMatrix(table[:, 1:], label=table[:, 0]), 50)
    model_dir.mkdir()
    (model_dir / "xgboost-model").write_bytes(bytes(booster.save_raw(raw_format="ubj")))
    with tarfile.open(model_dir / "model.tar.gz", "w:gz") as tar:
        tar.add(model_dir / "xgboost-model", arcname="xgboost-model")


def test_evaluation_json_shape_and_values(tmp_path):
    rng = np.random.default_rng(0)
    features = rng.random((300, 10))
    rows = np.column_stack([features[:, 0] * 10 + 5, features])
    for name in ("train", "validation", "test"):
        _write_split(tmp_path / "splits", name, rows)
    _train(tmp_path / "splits" / "train" / "train.csv", tmp_path / "model")
    assert evaluate.main([
        "--model-dir", str(tmp_path / "model"), "--test-dir", str(tmp_path / "splits" / "test"),
        "--output-dir", str(tmp_path / "evaluation"),
    ]) == 0
    report = json.loads((tmp_path / "evaluation" / "evaluation.json").read_text())
    assert set(report) == {"regression_metrics"} and set(report["regression_metrics"]) == {"mse"}
    mse = report["regression_metrics"]["mse"]
    assert set(mse) == {"value", "standard_deviation"}
    value = report
    for part in EVALUATION_JSON_PATH.split("."):
        value = value[part]
    assert value == mse["value"] and 0 <= mse["value"] < 1.0  # an easy target, learnt well
    assert mse["standard_deviation"] >= 0
