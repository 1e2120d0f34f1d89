"""preprocess.py on the real data: split sizes, layout, no leakage, clear errors."""

import numpy as np
import pandas as pd
import pytest

from abalone_pipeline.local_run import PACKAGED_DATA
from abalone_pipeline.scripts import preprocess


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    root = tmp_path_factory.mktemp("pre")
    (root / "input").mkdir()
    (root / "input" / "abalone.data").write_bytes(PACKAGED_DATA.read_bytes())
    counts = preprocess.preprocess(root / "input", root / "out")
    tables = {name: pd.read_csv(root / "out" / name / f"{name}.csv", header=None) for name in counts}
    return counts, tables


def test_split_sizes_cover_every_row_once(splits):
    counts, tables = splits
    assert counts == {"train": 2923, "validation": 626, "test": 628}
    assert sum(counts.values()) == 4177
    all_rows = pd.concat(tables.values())
    raw = pd.read_csv(PACKAGED_DATA, header=None)
    assert len(all_rows) == len(raw)
    assert sorted(all_rows[0]) == sorted(raw[8].astype(float))  # every target exactly once


def test_layout_is_target_then_features_without_header(splits):
    _, tables = splits
    for table in tables.values():
        assert table.shape[1] == 1 + len(preprocess.FEATURES)
        assert table[0].between(1, 29).all()  # rings, the target, first
        one_hot = table.iloc[:, -3:]
        assert set(np.unique(one_hot.to_numpy())) <= {0.0, 1.0}
        assert (one_hot.sum(axis=1) == 1).all()


def test_no_target_leakage(splits):
    _, tables = splits
    for table in tables.values():
        features = table.iloc[:, 1:]
        for column in features:
            assert not np.allclose(features[column], table[0]), "a feature column equals the target"
    # splits are disjoint: no raw row lands in two of them
    keys = {name: set(map(tuple, t.round(6).to_numpy())) for name, t in tables.items()}
    assert not keys["train"] & keys["test"] and not keys["train"] & keys["validation"]


def test_split_is_deterministic(tmp_path):
    (tmp_path / "input").mkdir()
    (tmp_path / "input" / "abalone.data").write_bytes(PACKAGED_DATA.read_bytes())
    preprocess.preprocess(tmp_path / "input", tmp_path / "a")
    preprocess.preprocess(tmp_path / "input", tmp_path / "b")
    for name in ("train", "validation", "test"):
        assert (tmp_path / "a" / name / f"{name}.csv").read_bytes() == (tmp_path / "b" / name / f"{name}.csv").read_bytes()


@pytest.mark.parametrize(
    "content, message",
    [
        ("M,0.4,0.3,0.1,0.5,0.2,0.1,0.15\n", "expected 9 columns"),
        ("X,0.4,0.3,0.1,0.5,0.2,0.1,0.15,9\n", "column sex"),
        ("M,0.4,0.3,0.1,abc,0.2,0.1,0.15,9\n", "row 1: expected numbers"),
    ],
)
def test_malformed_csv_fails_with_a_clear_error(tmp_path, capsys, content, message):
    (tmp_path / "input").mkdir()
    (tmp_path / "input" / "abalone.data").write_text(content)
    assert preprocess.main(["--input-dir", str(tmp_path / "input"), "--output-dir", str(tmp_path / "out")]) == 1
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_missing_input_fails(tmp_path, capsys):
    assert preprocess.main(["--input-dir", str(tmp_path / "nothing"), "--output-dir", str(tmp_path / "out")]) == 1
    assert "no input file" in capsys.readouterr().err


def test_batch_mode_writes_features_only_per_file_with_or_without_rings(tmp_path):
    FEATURES, prepare_batch = preprocess.FEATURES, preprocess.prepare_batch

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "with-rings.csv").write_text("M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15\n")
    (tmp_path / "in" / "without.csv").write_text("F,0.53,0.42,0.135,0.677,0.2565,0.1415,0.21\nI,0.33,0.255,0.08,0.205,0.0895,0.0395,0.055\n")
    assert prepare_batch(tmp_path / "in", tmp_path / "out") == {"with-rings.csv": 1, "without.csv": 2}
    rows = (tmp_path / "out" / "batch" / "without.csv").read_text().splitlines()
    assert [len(row.split(",")) for row in rows] == [len(FEATURES)] * 2
    assert rows[1].endswith(",0.0,1.0,0.0")  # sex one-hot F, I, M: the same encoding as training
    assert (tmp_path / "out" / "batch" / "with-rings.csv").read_text().split(",")[0] == "0.455"


def test_batch_mode_still_rejects_a_file_of_the_wrong_shape(tmp_path):
    DataError, prepare_batch = preprocess.DataError, preprocess.prepare_batch

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bad.csv").write_text("M,1,2\n")
    with pytest.raises(DataError, match="bad.csv: expected 9 columns"):
        prepare_batch(tmp_path / "in", tmp_path / "out")
