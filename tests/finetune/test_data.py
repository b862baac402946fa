"""Reading splits, the instruction format, truncation counts, dynamic padding, batching."""

import json

import pandas as pd
import pytest
from transformers import AutoTokenizer

from tutorial_lib.finetune.data import DataError, encode_pairs, load_pairs
from tutorial_lib.instruction import model_input


def _write_jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )


def test_run_directory_means_curated_splits(tmp_path):
    _write_jsonl(
        tmp_path / "05_dataset" / "train.jsonl",
        [{"prompt": "Habari?", "answer": "Nzuri.", "prompt_id": "p1"}],
    )
    _write_jsonl(
        tmp_path / "05_dataset" / "heldout.jsonl",
        [{"prompt": "Jina lako?", "references": ["Amina.", "Juma."]}],
    )
    assert load_pairs(tmp_path, "train")[0] == [("Habari?", "Nzuri.")]
    assert load_pairs(tmp_path, "heldout")[0] == [("Jina lako?", "Amina.")]  # first reference


def test_parquet_and_in_memory_rows(tmp_path):
    path = tmp_path / "held.parquet"
    pd.DataFrame([{"prompt": "Swali", "references": ["Jibu"]}]).to_parquet(path)
    assert load_pairs(path, "heldout")[0] == [("Swali", "Jibu")]
    assert load_pairs([{"prompt": "a", "answer": "b"}], "train")[0] == [("a", "b")]


def test_context_follows_the_prompt():
    assert model_input("Fupisha:", "Maandishi.") == "Fupisha:\n\nMaandishi."
    assert model_input(" Swali ", "") == "Swali"


@pytest.mark.parametrize(
    "rows, message",
    [
        (
            [{"prompt": "a", "answer": "b"}, {"instruction": "a", "answer": "b"}],
            (
                r"train rows\[1\]: train rows need columns 'prompt' and 'answer'; "
                r"found columns \['answer', 'instruction'\]"
            ),
        ),
        ([{"prompt": "a", "answer": "  "}], r"rows\[0\]: answer is empty"),
        ([], "the train split is empty"),
    ],
)
def test_bad_rows_are_named(rows, message):
    with pytest.raises(DataError, match=message):
        load_pairs(rows, "train")


def test_missing_split_in_run_dir_says_what_to_run(tmp_path):
    with pytest.raises(
        FileNotFoundError, match="05_dataset/train.jsonl.*tutorial-lib run --stage dataset"
    ):
        load_pairs(tmp_path, "train")


def test_invalid_json_line_names_file_and_line(tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_text('{"prompt": "a", "answer": "b"}\n{oops\n')
    with pytest.raises(DataError, match=r"train.jsonl:2: invalid JSON"):
        load_pairs(path, "train")


def test_truncation_keeps_eos_and_is_counted(tiny_model_dir):
    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    long_answer = "Mvua ilinyesha sana, kwa hiyo barabara zilijaa maji. " * 6
    pairs = [("Habari", "Nzuri sana"), ("Eleza mvua", long_answer), ("Andika", long_answer)]
    full = [len(tok(text_target=t)["input_ids"]) for _, t in pairs]
    limit = 12
    assert full[0] <= limit < full[1]
    enc = encode_pairs(tok, pairs, max_source_length=64, max_target_length=limit)
    assert (enc.n_truncated_targets, enc.n_truncated_sources, enc.n_rows) == (2, 0, 3)
    labels = enc.dataset["labels"]
    assert [len(x) for x in labels] == [full[0], limit, limit]
    assert all(x[-1] == tok.eos_token_id for x in labels)
    assert enc.dataset["target_length"] == [len(t) for t in labels]
    assert enc.real_tokens == sum(map(len, enc.dataset["input_ids"])) + sum(map(len, labels))
