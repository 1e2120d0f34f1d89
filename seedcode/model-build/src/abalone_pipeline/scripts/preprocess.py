"""Split the abalone data into train, validation and test sets for XGBoost.

Runs as a SageMaker Processing job (scikit-learn image) and on your machine. Reads the raw
CSV (no header) from --input-dir and writes train/, validation/ and test/ CSV files under
--output-dir: target (rings) first, then the features, no header, as SageMaker's XGBoost
expects. Only the target column is moved; nothing learned from the data is applied, so no
information from the validation or test rows reaches training.

    python preprocess.py [--input-dir /opt/ml/processing/input] [--output-dir /opt/ml/processing]

With --batch it prepares data for batch inference instead: each input file (the abalone
columns, with or without rings) becomes batch/<file name> with the features only, in the
order the model reads them. Training and inference share this one encoding.
"""

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

MEASUREMENTS = ["length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight", "shell_weight"]
SEXES = ["F", "I", "M"]
COLUMNS = ["sex", *MEASUREMENTS, "rings"]
TARGET = "rings"
FEATURES = MEASUREMENTS + [f"sex_{sex}" for sex in SEXES]
SPLITS = {"train": 0.7, "validation": 0.15, "test": 0.15}
SEED = 42


class DataError(ValueError):
    """The input data is not the abalone CSV this script expects."""


def input_files(input_dir: Path) -> list[Path]:
    files = sorted(p for p in Path(input_dir).iterdir() if p.is_file()) if Path(input_dir).is_dir() else []
    if not files:
        raise DataError(f"{input_dir}: no input file")
    return files


def read_abalone_file(path: Path, target_optional: bool = False) -> pd.DataFrame:
    """One abalone CSV, checked; without the rings column only if ``target_optional``."""
    try:
        frame = pd.read_csv(path, header=None)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty; expected the abalone CSV (no header, {len(COLUMNS)} columns)") from None
    columns = COLUMNS[:frame.shape[1]] if target_optional and frame.shape[1] == len(COLUMNS) - 1 else COLUMNS
    if frame.shape[1] != len(columns):
        raise DataError(f"{path}: expected {len(COLUMNS)} columns ({', '.join(COLUMNS)}), found {frame.shape[1]}")
    frame.columns = columns
    if str(frame.iloc[0]["sex"]).strip().lower() == "sex":
        raise DataError(f"{path}: row 1 is a header row ({', '.join(map(str, frame.iloc[0]))}); "
                        "the file must have no header, like the UCI abalone file")
    unknown = sorted(set(frame["sex"]) - set(SEXES))
    if unknown:
        raise DataError(f"{path}: column sex: expected one of {SEXES}, found {unknown}")
    numbers = [column for column in columns if column != "sex"]
    numeric = frame[numbers].apply(pd.to_numeric, errors="coerce")
    if numeric.isna().any().any():
        row = int(numeric.isna().any(axis=1).to_numpy().argmax())
        raise DataError(f"{path}: row {row + 1}: expected numbers in every measurement and rings column")
    frame[numbers] = numeric
    return frame


def read_abalone(input_dir: Path) -> pd.DataFrame:
    return pd.concat([read_abalone_file(path) for path in input_files(input_dir)], ignore_index=True)


def features(frame: pd.DataFrame) -> pd.DataFrame:
    """The measurements and sex one-hot (F, I, M), in the order the model reads them."""
    encoded = frame[MEASUREMENTS].astype(float).copy()
    for sex in SEXES:
        encoded[f"sex_{sex}"] = (frame["sex"] == sex).astype(float)
    return encoded


def encode(frame: pd.DataFrame) -> pd.DataFrame:
    """Target first, then the features, as SageMaker's XGBoost trains on CSV."""
    return pd.concat([frame[[TARGET]].astype(float), features(frame)], axis=1)


def split(frame: pd.DataFrame, seed: int = SEED) -> dict[str, pd.DataFrame]:
    order = np.random.default_rng(seed).permutation(len(frame))
    train_end = int(SPLITS["train"] * len(frame))
    validation_end = train_end + int(SPLITS["validation"] * len(frame))
    bounds = {"train": (0, train_end), "validation": (train_end, validation_end), "test": (validation_end, len(frame))}
    return {name: frame.iloc[order[start:end]] for name, (start, end) in bounds.items()}


def preprocess(input_dir: Path, output_dir: Path) -> dict[str, int]:
    """Write the three splits; returns their row counts."""
    parts = split(encode(read_abalone(input_dir)))
    for name, part in parts.items():
        target_dir = Path(output_dir) / name
        target_dir.mkdir(parents=True, exist_ok=True)
        part.to_csv(target_dir / f"{name}.csv", header=False, index=False)
    return {name: len(part) for name, part in parts.items()}


def prepare_batch(input_dir: Path, output_dir: Path) -> dict[str, int]:
    """Write batch/<file name> (features only) for each input file; returns their row counts."""
    target_dir = Path(output_dir) / "batch"
    target_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for path in input_files(input_dir):
        rows = features(read_abalone_file(path, target_optional=True))
        rows.to_csv(target_dir / path.name, header=False, index=False)
        counts[path.name] = len(rows)
    return counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input-dir", type=Path, default=Path("/opt/ml/processing/input"))
    parser.add_argument("--output-dir", type=Path, default=Path("/opt/ml/processing"))
    parser.add_argument("--batch", action="store_true", help="prepare batch inference input (features only)")
    args = parser.parse_args(argv)
    try:
        counts = (prepare_batch if args.batch else preprocess)(args.input_dir, args.output_dir)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print("rows: " + ", ".join(f"{name} {count}" for name, count in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
