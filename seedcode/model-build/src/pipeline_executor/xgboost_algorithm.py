"""Stand-in for SageMaker's built-in XGBoost algorithm (image sagemaker-xgboost, no script).

Runs inside the xgboost runtime with /opt/ml mapped (container_paths.py), reading what
SageMaker gives the algorithm's container:

- /opt/ml/input/config/hyperparameters.json: the step's HyperParameters (all strings);
  ``num_round`` is required, the rest are XGBoost parameters;
- /opt/ml/input/config/inputdataconfig.json and /opt/ml/input/data/<channel>/: the
  ``train`` channel (required) and ``validation`` (optional), text/csv with the label in
  the first column and no header, as the algorithm documents for CSV;

and writing /opt/ml/model/xgboost-model (the booster, UBJSON) and
/opt/ml/output/metrics.json (the last round's evaluation metrics, ``validation:rmse``
style names). What it does not support (other content types, script mode, distributed
training) fails with a message, as the algorithm fails on invalid input.
"""

import json
import sys
from pathlib import Path

import numpy as np
import xgboost

ROOT = Path("/opt/ml")
CSV_TYPES = {"text/csv", "csv"}
NOT_XGBOOST_PARAMETERS = {"num_round", "early_stopping_rounds"}


class AlgorithmError(ValueError):
    pass


def read_channel(name: str, content_type: str) -> xgboost.DMatrix:
    if content_type.split(";")[0].strip().lower() not in CSV_TYPES:
        raise AlgorithmError(f"channel {name}: content type {content_type!r} is not supported here (only text/csv)")
    files = sorted(p for p in (ROOT / "input" / "data" / name).rglob("*") if p.is_file())
    if not files:
        raise AlgorithmError(f"channel {name}: no data files")
    table = np.vstack([np.loadtxt(path, delimiter=",", ndmin=2) for path in files])
    return xgboost.DMatrix(table[:, 1:], label=table[:, 0])


def train() -> dict:
    hyperparameters = json.loads((ROOT / "input" / "config" / "hyperparameters.json").read_text())
    channels = json.loads((ROOT / "input" / "config" / "inputdataconfig.json").read_text())
    if "num_round" not in hyperparameters:
        raise AlgorithmError("hyperparameter num_round is required")
    if "train" not in channels:
        raise AlgorithmError("the train channel is required")
    data = {name: read_channel(name, spec.get("ContentType", "text/csv")) for name, spec in channels.items()
            if name in ("train", "validation")}
    params = {k: v for k, v in hyperparameters.items() if k not in NOT_XGBOOST_PARAMETERS}
    history: dict = {}
    booster = xgboost.train(
        params, data["train"], num_boost_round=int(hyperparameters["num_round"]),
        evals=[(matrix, name) for name, matrix in data.items()], evals_result=history, verbose_eval=False,
        early_stopping_rounds=int(hyperparameters["early_stopping_rounds"]) if "early_stopping_rounds" in hyperparameters else None,
    )
    (ROOT / "model").mkdir(parents=True, exist_ok=True)
    (ROOT / "model" / "xgboost-model").write_bytes(bytes(booster.save_raw(raw_format="ubj")))
    metrics = {f"{name}:{metric}": float(values[-1]) for name, results in history.items() for metric, values in results.items()}
    (ROOT / "output").mkdir(parents=True, exist_ok=True)
    (ROOT / "output" / "metrics.json").write_text(json.dumps(metrics, sort_keys=True))
    return metrics


def main() -> int:
    try:
        metrics = train()
    except AlgorithmError as error:
        (ROOT / "output").mkdir(parents=True, exist_ok=True)
        (ROOT / "output" / "failure").write_text(str(error))
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(" ".join(f"{name}={value:.6f}" for name, value in sorted(metrics.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
