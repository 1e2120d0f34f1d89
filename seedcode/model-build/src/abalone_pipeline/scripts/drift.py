"""Data drift: a baseline from the training features, and a check of captured requests against it.

Runs as a SageMaker Processing job (scikit-learn image) and on your machine; one script, two
commands, so the check bins data exactly as the baseline did.

    python drift.py baseline --features length,...,sex_M [--threshold 0.2]
        reads the training split (target first, no header) from --input-dir and writes
        statistics.json (per feature: count, mean, standard deviation, min, max, and the bins:
        deciles of the training values, or its values when it has ten or fewer) and
        constraints.json (the drift measure and threshold) to --output-dir.

    python drift.py check [--window-hours 24] [--now 2026-11-26T03:00:00Z]
        reads the endpoint's data capture files (JSON Lines, as SageMaker's data capture writes
        them: captureData.endpointInput with its data and encoding) from --input-dir, the
        baseline's statistics.json and constraints.json from --statistics and --constraints,
        and writes drift.json to --output-dir: each feature's
        population stability index (PSI) between the training bins and the requests of the
        last --window-hours before --now, and a summary a pipeline condition can read.

PSI sums (captured share - baseline share) * ln(captured share / baseline share) over the bins;
above 0.2 is commonly read as a significant shift.
"""

import argparse
import base64
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_THRESHOLD = 0.2
MAX_CATEGORIES = 10
EPSILON = 1e-4  # share given to an empty bin, so that ln() stays finite


class DriftError(ValueError):
    pass


def read_csv_dir(directory: Path) -> pd.DataFrame:
    files = sorted(p for p in Path(directory).rglob("*") if p.is_file())
    if not files:
        raise DriftError(f"{directory}: no input file")
    return pd.concat([pd.read_csv(path, header=None) for path in files], ignore_index=True)


def bins_of(values: np.ndarray) -> dict:
    distinct = np.unique(values)
    if len(distinct) <= MAX_CATEGORIES:
        return {"kind": "categories", "values": distinct.tolist()}
    edges = np.unique(np.quantile(values, np.linspace(0, 1, 11)[1:-1]))
    return {"kind": "quantiles", "edges": edges.tolist()}


def shares(values: np.ndarray, bins: dict) -> np.ndarray:
    """The share of ``values`` in each bin (a value between categories counts in none)."""
    if bins["kind"] == "categories":
        counts = np.array([(values == category).sum() for category in bins["values"]], dtype=float)
    else:
        counts = np.bincount(np.searchsorted(bins["edges"], values, side="right"), minlength=len(bins["edges"]) + 1)
    return counts / max(len(values), 1)


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    expected, actual = np.clip(expected, EPSILON, None), np.clip(actual, EPSILON, None)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def baseline(input_dir: Path, output_dir: Path, features: list[str], threshold: float) -> dict:
    table = read_csv_dir(input_dir)
    if table.shape[1] != len(features) + 1:
        raise DriftError(f"{input_dir}: {table.shape[1]} columns; expected the target and {len(features)} features")
    described = []
    for name, column in zip(features, table.columns[1:]):
        values = table[column].to_numpy(dtype=float)
        bins = bins_of(values)
        described.append({
            "name": name, "count": int(len(values)), "mean": float(values.mean()), "std_dev": float(values.std()),
            "min": float(values.min()), "max": float(values.max()), "bins": bins,
            "shares": shares(values, bins).tolist(),
        })
    output_dir.mkdir(parents=True, exist_ok=True)
    statistics = {"dataset": {"item_count": int(len(table))}, "features": described}
    constraints = {"drift": {"measure": "population_stability_index", "threshold": threshold},
                   "features": [{"name": name, "columns": len(features)} for name in features]}
    (output_dir / "statistics.json").write_text(json.dumps(statistics, indent=2))
    (output_dir / "constraints.json").write_text(json.dumps(constraints, indent=2))
    return statistics


def captured_rows(input_dir: Path, since: datetime | None, until: datetime | None) -> list[list[float]]:
    """The CSV rows of the captured requests, within [since, until] when given."""
    rows = []
    for path in sorted(p for p in Path(input_dir).rglob("*") if p.is_file()):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                request = record["captureData"]["endpointInput"]
                time = record.get("eventMetadata", {}).get("inferenceTime")
            except (json.JSONDecodeError, KeyError, TypeError):
                raise DriftError(f"{path.name}:{number}: not a data capture record") from None
            if time and (since or until):
                at = datetime.fromisoformat(time.replace("Z", "+00:00"))
                if (since and at < since) or (until and at > until):
                    continue
            data = request["data"]
            text = base64.b64decode(data).decode() if request.get("encoding") == "BASE64" else data
            rows += [[float(value) for value in row.split(",")] for row in text.strip().splitlines() if row.strip()]
    return rows


def check(input_dir: Path, statistics_file: Path, constraints_file: Path, output_dir: Path, window_hours: float,
          now: str | None) -> dict:
    statistics = json.loads(Path(statistics_file).read_text())
    threshold = json.loads(Path(constraints_file).read_text())["drift"]["threshold"]
    until = datetime.fromisoformat(now.replace("Z", "+00:00")) if now else None
    since = until - timedelta(hours=window_hours) if until else None
    rows = np.array(captured_rows(input_dir, since, until), dtype=float)
    features = statistics["features"]
    if len(rows) and rows.shape[1] != len(features):
        raise DriftError(f"captured requests have {rows.shape[1]} columns; the baseline has {len(features)} features")
    scores = {} if not len(rows) else {
        f["name"]: round(psi(np.array(f["shares"]), shares(rows[:, i], f["bins"])), 4) for i, f in enumerate(features)}
    drifted = sorted((name for name, score in scores.items() if score > threshold), key=lambda n: -scores[n])
    report = {
        "item_count": int(len(rows)), "threshold": threshold, "window": {"hours": window_hours, "until": now},
        "features": scores, "violations": len(drifted),
        "summary": ("; ".join(f"{name} PSI {scores[name]:.2f} > {threshold}" for name in drifted)
                    or f"no drift in {len(rows)} captured rows"),
    }
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "drift.json").write_text(json.dumps(report, indent=2))
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("baseline")
    make.add_argument("--input-dir", type=Path, default=Path("/opt/ml/processing/train"))
    make.add_argument("--output-dir", type=Path, default=Path("/opt/ml/processing/baseline"))
    make.add_argument("--features", required=True, help="the feature names, comma-separated, in column order")
    make.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    test = commands.add_parser("check")
    test.add_argument("--input-dir", type=Path, default=Path("/opt/ml/processing/captured"))
    test.add_argument("--statistics", type=Path, default=Path("/opt/ml/processing/statistics/statistics.json"))
    test.add_argument("--constraints", type=Path, default=Path("/opt/ml/processing/constraints/constraints.json"))
    test.add_argument("--output-dir", type=Path, default=Path("/opt/ml/processing/report"))
    test.add_argument("--window-hours", type=float, default=24)
    test.add_argument("--now", help="end of the window (ISO 8601); 'unscheduled' or absent: every captured request")
    args = parser.parse_args(argv)
    try:
        if args.command == "baseline":
            statistics = baseline(args.input_dir, args.output_dir, args.features.split(","), args.threshold)
            print(f"baseline: {statistics['dataset']['item_count']} rows, {len(statistics['features'])} features")
        else:
            now = None if args.now in (None, "", "unscheduled") else args.now
            report = check(args.input_dir, args.statistics, args.constraints, args.output_dir, args.window_hours, now)
            print(f"drift check: {report['summary']}")
    except DriftError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
