"""Read XCOPA, XNLI and XStoryCloze documents from local files or the Hub's parquet.

Every loader returns documents with the field names of the Hugging Face
datasets the harness reads (``premise``/``choice1``/... for XCOPA,
``premise``/``hypothesis``/``label`` for XNLI, ``input_sentence_1``... for
XStoryCloze), so one set of templates serves every source. Each document also
carries ``_row``: its 0-based data-row index in the source file, which is the
``idx`` reported with every prediction.

Local formats (the originals, as distributed):
- XCOPA ``*.{lang}.jsonl`` (cambridgeltl/xcopa ``data/{lang}/``).
- XStoryCloze ``spring2016.val.{lang}.tsv.split_20_80_{train,eval}.tsv``: header
  row, tab-separated, no quoting (a ``"`` is text), ``AnswerRightEnding`` 1 or 2.
- XNLI JSONL ``{"premise","hypothesis","label"}`` (label 0/1/2 as in HF
  ``facebook/xnli``), the XNLI-1.0 ``xnli.{dev,test}.tsv`` (filtered by its
  ``language`` column) or any TSV with ``premise``/``hypothesis``/``label`` columns.
- Any of the above as HF-style JSONL or parquet with the Hub's field names.

Hub sources (datasets >= 4 dropped loading scripts, so the parquet conversion
branch ``refs/convert/parquet`` is read directly): ``cambridgeltl/xcopa``,
``facebook/xnli``, ``juletxara/xstory_cloze`` -- the ``dataset_path`` of the
harness's own tasks, config = language code.

Taught in notebooks/04_instruction_finetuning.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from ..data.readers import read_table
from ..hub import hf_offline
from ..jsonl import iter_jsonl
from ..records import RecordError
from .templates import check_lang

logger = logging.getLogger(__name__)

HUB_DATASETS = {
    "xcopa": "cambridgeltl/xcopa",
    "xnli": "facebook/xnli",
    "xstorycloze": "juletxara/xstory_cloze",
}
# The split each harness task evaluates (xnli_* has no test_split: it scores validation).
HARNESS_SPLITS = {"xcopa": "test", "xnli": "validation", "xstorycloze": "eval"}
HUB_PARQUET = "hf://datasets/{repo}@refs%2Fconvert%2Fparquet/{lang}/{split}/*.parquet"

REQUIRED = {
    "xcopa": ("premise", "choice1", "choice2", "question", "label"),
    "xnli": ("premise", "hypothesis", "label"),
    "xstorycloze": (
        "input_sentence_1",
        "input_sentence_2",
        "input_sentence_3",
        "input_sentence_4",
        "sentence_quiz1",
        "sentence_quiz2",
        "answer_right_ending",
    ),
}
# The official XStoryCloze TSV header -> the Hub's field names.
STORY_COLUMNS = {
    "InputStoryid": "story_id",
    "InputSentence1": "input_sentence_1",
    "InputSentence2": "input_sentence_2",
    "InputSentence3": "input_sentence_3",
    "InputSentence4": "input_sentence_4",
    "RandomFifthSentenceQuiz1": "sentence_quiz1",
    "RandomFifthSentenceQuiz2": "sentence_quiz2",
    "AnswerRightEnding": "answer_right_ending",
}
XNLI_LABELS = {"entailment": 0, "neutral": 1, "contradiction": 2, "contradictory": 2}
LABEL_RANGE = {"xcopa": (0, 1), "xnli": (0, 2), "xstorycloze": (1, 2)}
LABEL_FIELD = {"xcopa": "label", "xnli": "label", "xstorycloze": "answer_right_ending"}


class DataFileError(RecordError):
    """A benchmark file that is missing or does not have the expected shape."""


def _check_doc(task: str, doc: dict, where: str) -> dict:
    """Required fields present, texts non-empty, label an int in range; raises naming ``where``."""
    missing = [name for name in REQUIRED[task] if doc.get(name) in (None, "")]
    if missing:
        raise DataFileError(f"{where}: {task} row lacks field(s) {', '.join(missing)}")
    for name in REQUIRED[task]:
        if name != LABEL_FIELD[task] and not isinstance(doc[name], str):
            raise DataFileError(f"{where}: field {name!r} must be text, got {doc[name]!r}")
    field = LABEL_FIELD[task]
    value = doc[field]
    if task == "xnli" and isinstance(value, str) and value.strip().lower() in XNLI_LABELS:
        value = XNLI_LABELS[value.strip().lower()]
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise DataFileError(f"{where}: field {field!r} is {doc[field]!r}, not a label") from None
    low, high = LABEL_RANGE[task]
    if not low <= value <= high:
        raise DataFileError(f"{where}: field {field!r} is {value}; expected {low}..{high}")
    if task == "xcopa" and doc["question"] not in ("cause", "effect"):
        raise DataFileError(
            f"{where}: field 'question' is {doc['question']!r}; expected 'cause' or 'effect'"
        )
    doc[field] = value
    return doc


def _read_jsonl(task: str, path: Path) -> list[dict]:
    docs = []
    for row, (lineno, obj) in enumerate(iter_jsonl(path)):
        if not isinstance(obj, dict):
            raise DataFileError(f"{path}:{lineno}: expected a JSON object")
        docs.append(_check_doc(task, dict(obj, _row=row), f"{path}:{lineno}"))
    return docs


XNLI_COLUMNS = {
    "sentence1": "premise",
    "sentence2": "hypothesis",
    "gold_label": "label",
    "hypo": "hypothesis",
}


def _read_tsv(task: str, path: Path, lang: str) -> list[dict]:
    """Header-row TSV read unquoted (as lm-eval reads it); XStoryCloze and XNLI-1.0 headers renamed."""
    rename = {**STORY_COLUMNS, **(XNLI_COLUMNS if task == "xnli" else {})}
    try:
        table = read_table(path, "\t", quoting="none", rename=rename)
    except RecordError as err:
        raise DataFileError(str(err)) from None
    if not table.columns:
        raise DataFileError(f"{path}: empty file (expected a header row)")
    missing = [name for name in REQUIRED[task] if name not in table.columns]
    if missing:
        raise DataFileError(
            f"{path}:1: header lacks {task} column(s) {', '.join(missing)} "
            f"(header: {', '.join(table.columns)})"
        )
    docs = []
    for raw in table.rows:
        doc = dict(raw.data, _row=raw.index)
        if "language" in doc and doc["language"] != lang:
            continue
        docs.append(_check_doc(task, doc, raw.where))
    return docs


def _read_parquet(task: str, path: Path) -> list[dict]:
    import pandas as pd

    frame = pd.read_parquet(path)
    return [
        _check_doc(task, dict(rec, _row=i), f"{path}: row {i}")
        for i, rec in enumerate(frame.to_dict("records"))
    ]


def read_local(task: str, path: str | os.PathLike, lang: str = "sw") -> list[dict]:
    """Documents from one local file, format chosen by extension (``.jsonl``/``.tsv``/``.parquet``).

    Args:
        task: ``"xcopa"``, ``"xnli"`` or ``"xstorycloze"`` (decides the fields checked).
        path: the file: ``.jsonl``/``.json`` (one object per line), ``.tsv``/``.txt``
            (header row, unquoted) or ``.parquet``; see the module docstring for
            the original distributions each reads.
        lang: keeps only this language's rows of a multilingual TSV (XNLI-1.0's
            ``language`` column); other formats hold one language.

    Returns:
        The documents with the Hub's field names and ``_row``, labels as ints.

    Raises:
        FileNotFoundError: if nothing is at ``path``.
        DataFileError: a folder, an unknown extension, no documents for ``lang``,
            or a row without the task's fields (the message names file and line).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such {task} file")
    if path.is_dir():
        raise DataFileError(f"{path} is a folder; give a {task} file (.jsonl, .tsv or .parquet)")
    name = path.name.lower()
    if name.endswith((".jsonl", ".json")):
        docs = _read_jsonl(task, path)
    elif name.endswith((".tsv", ".txt")):
        docs = _read_tsv(task, path, lang)
    elif name.endswith(".parquet"):
        docs = _read_parquet(task, path)
    else:
        raise DataFileError(f"{path}: unknown format; expected .jsonl, .tsv or .parquet")
    if not docs:
        raise DataFileError(f"{path}: no {task} documents for language {lang!r}")
    logger.info("read %d %s documents from %s", len(docs), task, path)
    return docs


def hub_parquet_url(task: str, lang: str, split: str | None = None) -> str:
    """The ``hf://`` parquet glob for a task's language and split (the harness's dataset).

    Args:
        task: ``"xcopa"``, ``"xnli"`` or ``"xstorycloze"``.
        lang: the dataset config (a language code).
        split: the split; None: the one the harness task scores.

    Returns:
        A path ``datasets.load_dataset("parquet", ...)`` reads.

    Examples:
        >>> hub_parquet_url("xcopa", "sw")
        'hf://datasets/cambridgeltl/xcopa@refs%2Fconvert%2Fparquet/sw/test/*.parquet'
    """
    return HUB_PARQUET.format(
        repo=HUB_DATASETS[task], lang=lang, split=split or HARNESS_SPLITS[task]
    )


def read_hub(task: str, lang: str, split: str | None = None) -> list[dict]:
    """Documents from the Hub's parquet conversion; offline -> an error that says what to pass.

    Args:
        task: ``"xcopa"``, ``"xnli"`` or ``"xstorycloze"``.
        lang: the language code.
        split: the split; None: the one the harness task scores.

    Returns:
        The documents with ``_row`` (their index in the split), labels as ints.

    Raises:
        DataFileError: Hugging Face is offline, the download fails (network,
            auth, no such config), or a row lacks the task's fields; the message
            names the local file to pass instead.
    """
    url = hub_parquet_url(task, lang, split)
    hint = (
        f"pass a local file instead: --data-file (e.g. XCOPA test.{lang}.jsonl, XStoryCloze "
        f"spring2016.val.{lang}.tsv.split_20_80_eval.tsv, XNLI's validation split as the "
        f"harness scores it: {lang}/validation.jsonl or XNLI-1.0 xnli.dev.tsv)"
    )
    if hf_offline(for_datasets=True):
        raise DataFileError(
            f"cannot read {url}: Hugging Face is offline (HF_HUB_OFFLINE/"
            f"HF_DATASETS_OFFLINE set); {hint}"
        )
    from datasets import load_dataset

    try:
        data = load_dataset("parquet", data_files={"split": url}, split="split")
    except Exception as err:  # noqa: BLE001 -- network, auth, missing config: one clear message
        raise DataFileError(f"cannot read {url} ({type(err).__name__}: {err}); {hint}") from None
    return [_check_doc(task, dict(rec, _row=i), f"{url}: row {i}") for i, rec in enumerate(data)]


def load_task_docs(
    task: str,
    lang: str = "sw",
    data_file: str | os.PathLike | None = None,
    split: str | None = None,
) -> list[dict]:
    """Documents of one benchmark split: a local file when given, else the Hub's parquet.

    Args:
        task: ``"xcopa"``, ``"xnli"`` or ``"xstorycloze"``.
        lang: the language code, checked against the harness's tasks first.
        data_file: a local copy (see :func:`read_local`); None reads the Hub.
        split: the Hub split; None: the one the harness task scores (XCOPA
            ``test``, XNLI ``validation``, XStoryCloze ``eval``). Ignored for a local file.

    Returns:
        The documents, each with ``_row`` (its data-row index in the source).

    Raises:
        UnknownLanguageError: if the harness has no ``<task>_<lang>``.
        FileNotFoundError: if ``data_file`` does not exist.
        DataFileError: a malformed file, or the Hub unreachable.

    Taught in notebooks/04_instruction_finetuning.
    """
    check_lang(task, lang)
    if data_file is not None:
        return read_local(task, data_file, lang)
    return read_hub(task, lang, split)
