"""Evaluate the trained model on the test split and write evaluation.json.

Runs as a SageMaker Processing job (the XGBoost image) and on your machine. Reads
model.tar.gz (holding `xgboost-model`) from --model-dir and test.csv (target first, no
header) from --test-dir; writes --output-dir/evaluation.json:

    {"regression_metrics": {"mse": {"value": ..., "standard_deviation": ...}}}

    python evaluate.py [--model-dir /opt/ml/processing/model] [--test-dir /opt/ml/processing/test]
                       [--output-dir /opt/ml/processing/evaluation]
"""

import argparse
import json
import sys
import tarfile
from pathlib import Path

import numpy as np
import xgboost

MODEL_FILE = "xgboost-model"


def load_model(model_dir: Path) -> xgboost.Booster:
    """The booster in model.tar.gz, read in memory (no extraction, so no path tricks)."""
    with tarfile.open(Path(model_dir) / "model.tar.gz") as tar:
        data = tar.extractfile(tar.getmember(MODEL_FILE)).read()
    booster = xgboost.Booster()
    booster.load_model(bytearray(data))
    return booster


def evaluate(model_dir: Path, test_dir: Path) -> dict:
    test = np.loadtxt(Path(test_dir) / "test.csv", delimiter=",", ndmin=2)
    target, features = test[:, 0], test[:, 1:]
    predictions = load_model(model_dir).predict(xgboost.DMatrix(features))
    squared_errors = (target - predictions) ** 2
    return {
        "regression_metrics": {
            "mse": {"value": float(np.mean(squared_errors)), "standard_deviation": float(np.std(squared_errors))}
        }
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", type=Path, default=Path("/opt/ml/processing/model"))
    parser.add_argument("--test-dir", type=Path, default=Path("/opt/ml/processing/test"))
    parser.add_argument("--output-dir", type=Path, default=Path("/opt/ml/processing/evaluation"))
    args = parser.parse_args(argv)
    report = evaluate(args.model_dir, args.test_dir)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    (args.output_dir / "evaluation.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"mse: {report['regression_metrics']['mse']['value']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
