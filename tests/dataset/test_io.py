"""save_dataset / load_split: round trips in every accepted form, NFC, clear errors."""

from __future__ import annotations

import json
import unicodedata

import pytest

from tutorial_lib.config import DatasetConfig
from tutorial_lib.dataset import build_dataset, load_split, save_dataset
from tutorial_lib.rundir import RunDir


@pytest.fixture
def saved(world, tmp_path):
    ds = build_dataset(
        world.prompts, world.answers, world.decisions, world.qc, DatasetConfig(), votes=world.votes
    )
    # A decomposed (NFD) string must come out composed (NFC).
    ds.train[0]["answer"] = unicodedata.normalize("NFD", "Café ya Mzee Ñaña")
    out = RunDir(tmp_path / "run").stage_dir("dataset")
    return ds, save_dataset(ds, out), tmp_path / "run"


def test_files_written_and_nfc(saved):
    ds, paths, _ = saved
    for key in ("train", "heldout", "preference", "train_parquet", "filters"):
        assert paths[key].exists(), key
    raw = paths["train"].read_text(encoding="utf-8")
    assert unicodedata.normalize("NFC", "Café ya Mzee Ñaña") in raw
    assert unicodedata.is_normalized("NFC", raw)
    assert json.loads(paths["filters"].read_text(encoding="utf-8")) == ds.filters


def test_round_trip_every_form(saved):
    ds, paths, run_root = saved
    expected = json.loads(json.dumps(ds.train, ensure_ascii=False))
    expected[0]["answer"] = unicodedata.normalize("NFC", expected[0]["answer"])
    assert load_split(paths["train"]) == expected
    assert load_split(paths["train_parquet"]) == expected
    assert load_split(run_root) == expected  # run directory
    assert load_split(paths["train"].parent) == expected  # dataset folder
    assert load_split(run_root, "heldout") == ds.heldout
    assert load_split(paths["heldout_parquet"], "heldout") == ds.heldout
    assert load_split(run_root, "preference") == ds.preference


def test_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing_here"):
        load_split(tmp_path / "nothing_here")
    with pytest.raises(FileNotFoundError, match="train.jsonl or train.parquet"):
        load_split(tmp_path)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"prompt": "a", "answer": "b"}\n{"prompt": "c", "text": "d"}\n', encoding="utf-8"
    )
    with pytest.raises(
        ValueError, match=r"bad.jsonl:2: missing column\(s\) answer.*found prompt, text"
    ):
        load_split(bad)
    with pytest.raises(ValueError, match="unknown split"):
        load_split(bad, "dev")
    other = tmp_path / "rows.csv"
    other.write_text("prompt,answer\n", encoding="utf-8")
    with pytest.raises(ValueError, match=".jsonl or .parquet"):
        load_split(other)
