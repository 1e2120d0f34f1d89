"""Stand-in for the built-in XGBoost algorithm's inference (image sagemaker-xgboost, no script).

Runs inside the xgboost runtime with /opt/ml mapped (container_paths.py), as a batch
transform's container would: the model archive is unpacked in /opt/ml/model
(``xgboost-model``, as the training stand-in writes it), and each request is a file of
``text/csv`` rows of features, no label and no header, as the algorithm documents for CSV
inference. For every file under the input folder it writes ``<file>.out`` under the output
folder, one prediction per input row, in order (SplitType Line, AssembleWith Line).

    python3 xgboost_inference.py <input folder> <output folder>
"""

import sys
from pathlib import Path

import numpy as np
import xgboost

ROOT = Path("/opt/ml")


class InferenceError(ValueError):
    pass


def load_booster() -> xgboost.Booster:
    path = ROOT / "model" / "xgboost-model"
    if not path.is_file():
        raise InferenceError("the model archive has no xgboost-model file")
    booster = xgboost.Booster()
    booster.load_model(bytearray(path.read_bytes()))
    return booster


def predict_file(booster: xgboost.Booster, source: Path) -> list[str]:
    try:
        rows = np.loadtxt(source, delimiter=",", ndmin=2)
    except ValueError as error:
        raise InferenceError(f"{source.name}: not numeric text/csv rows ({error})") from None
    if rows.shape[1] != booster.num_features():
        raise InferenceError(f"{source.name}: {rows.shape[1]} columns, the model expects {booster.num_features()} "
                             "features (no label column)")
    return [f"{prediction:.6f}" for prediction in booster.predict(xgboost.DMatrix(rows))]


def transform(input_dir: Path, output_dir: Path) -> int:
    booster, count = load_booster(), 0
    for source in sorted(p for p in input_dir.rglob("*") if p.is_file()):
        target = output_dir / f"{source.relative_to(input_dir).as_posix()}.out"
        target.parent.mkdir(parents=True, exist_ok=True)
        predictions = predict_file(booster, source)
        target.write_text("".join(f"{p}\n" for p in predictions))
        count += len(predictions)
    return count


def main(argv: list[str]) -> int:
    input_dir, output_dir = Path(argv[0]), Path(argv[1])
    try:
        count = transform(input_dir, output_dir)
    except InferenceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"predictions: {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
