"""scripts/drift.py: the baseline of the training features, and the check of captured requests."""

import json

import numpy as np
import pytest

from abalone_pipeline.capture import capture_record, drifted
from abalone_pipeline.local_run import PACKAGED_DATA
from abalone_pipeline.scripts import drift, preprocess
from abalone_pipeline.settings import FEATURE_NAMES


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    root = tmp_path_factory.mktemp("drift")
    (root / "input").mkdir()
    (root / "input" / "abalone.data").write_bytes(PACKAGED_DATA.read_bytes())
    preprocess.preprocess(root / "input", root)
    drift.baseline(root / "train", root / "baseline", FEATURE_NAMES, 0.2)
    return root


def _capture(folder, rows, time="2026-11-26T02:00:00Z", encoding="CSV"):
    folder.mkdir(parents=True, exist_ok=True)
    lines = [capture_record(",".join(f"{v:g}" for v in row), "9.5", f"e{i}", time) for i, row in enumerate(rows)]
    if encoding == "BASE64":
        import base64

        records = [json.loads(line) for line in lines]
        for record in records:
            request = record["captureData"]["endpointInput"]
            request["data"], request["encoding"] = base64.b64encode(request["data"].encode()).decode(), "BASE64"
        lines = [json.dumps(record) for record in records]
    (folder / "capture.jsonl").write_text("\n".join(lines))


def _rows(splits, split="test"):
    return np.loadtxt(splits / split / f"{split}.csv", delimiter=",")[:, 1:].tolist()


def _check(splits, captured, **kwargs):
    return drift.check(captured, splits / "baseline" / "statistics.json", splits / "baseline" / "constraints.json",
                       captured.parent / "report", kwargs.get("window_hours", 24), kwargs.get("now"))


def test_feature_names_are_the_ones_preprocess_writes():
    assert FEATURE_NAMES == preprocess.FEATURES


def test_the_baseline_describes_every_feature_of_the_training_split(splits):
    statistics = json.loads((splits / "baseline" / "statistics.json").read_text())
    assert [f["name"] for f in statistics["features"]] == FEATURE_NAMES
    assert statistics["dataset"]["item_count"] == 2923
    sex = next(f for f in statistics["features"] if f["name"] == "sex_M")
    assert sex["bins"] == {"kind": "categories", "values": [0.0, 1.0]} and abs(sum(sex["shares"]) - 1) < 1e-9
    constraints = json.loads((splits / "baseline" / "constraints.json").read_text())
    assert constraints["drift"] == {"measure": "population_stability_index", "threshold": 0.2}


def test_unseen_rows_of_the_same_population_do_not_drift(splits, tmp_path):
    _capture(tmp_path / "captured", _rows(splits))
    report = _check(splits, tmp_path / "captured")
    assert report["item_count"] == 628 and report["violations"] == 0
    assert max(report["features"].values()) < 0.2 and report["summary"] == "no drift in 628 captured rows"


def test_larger_animals_drift_and_the_summary_names_the_worst_first(splits, tmp_path):
    _capture(tmp_path / "captured", [drifted(row) for row in _rows(splits)], encoding="BASE64")
    report = _check(splits, tmp_path / "captured")
    assert report["violations"] == 7  # the seven measurements; the sex one-hot columns did not change
    names = [part.split(" PSI")[0] for part in report["summary"].split("; ")]
    assert names[0] in ("length", "diameter") and set(names) == set(FEATURE_NAMES[:7])
    assert json.loads((tmp_path / "report" / "drift.json").read_text()) == report


def test_only_requests_in_the_window_before_now_count(splits, tmp_path):
    _capture(tmp_path / "captured" / "old", [drifted(row) for row in _rows(splits)], time="2026-11-20T02:00:00Z")
    _capture(tmp_path / "captured" / "new", _rows(splits), time="2026-11-26T02:00:00Z")
    report = _check(splits, tmp_path / "captured", now="2026-11-26T04:00:00Z")
    assert report["item_count"] == 628 and report["violations"] == 0
    assert _check(splits, tmp_path / "captured")["violations"] > 0  # no window: every request, the old ones too


def test_a_file_that_is_not_data_capture_is_an_error_naming_it(splits, tmp_path):
    (tmp_path / "captured").mkdir()
    (tmp_path / "captured" / "notes.jsonl").write_text('{"hello": 1}\n')
    with pytest.raises(drift.DriftError, match="notes.jsonl:1: not a data capture record"):
        _check(splits, tmp_path / "captured")


def test_requests_of_another_width_are_an_error(splits, tmp_path):
    _capture(tmp_path / "captured", [row[:5] for row in _rows(splits)])
    with pytest.raises(drift.DriftError, match="5 columns; the baseline has 10 features"):
        _check(splits, tmp_path / "captured")
