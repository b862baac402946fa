"""Aggregation of crowd answers with crowd-kit 1.4.2: labels, texts and pairwise votes.

Thin, estimator-style wrappers: each function builds the crowd-kit model,
fits it on a ``task, worker, label`` (or ``text`` / ``left, right``) frame
and returns a tidy frame plus, on request, the fitted model (its ``_``
attributes hold worker skills, confusion matrices, loss history). Results
equal crowd-kit's own call with the same settings: the tests check it on
CIFAR-10N and CrowdSpeech.

Confidence is the posterior probability of the chosen label where the method
has one (Dawid-Skene, GLAD, MACE) and the (skill-weighted) vote share for
majority vote and Wawa.

Taught in notebooks/03_answer_validation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import crowdkit.aggregation as ck
import numpy as np
import pandas as pd
from crowdkit.aggregation.utils import get_accuracy
from crowdkit.metrics.data import alpha_krippendorff

from ..errors import TutorialLibError

logger = logging.getLogger(__name__)

LABEL_METHODS = ("mv", "wawa", "ds", "glad", "mace")
TEXT_METHODS = ("rover", "hrrasa")
PAIRWISE_METHODS = ("bt", "noisybt")
# MACE is slow (restarts x iterations of variational EM): bounded by default.
MACE_DEFAULTS = {"n_restarts": 2, "n_iter": 30}


class AggregationError(TutorialLibError, ValueError):
    """Input that an aggregation method cannot use; the message says what is missing."""


def require_columns(data: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    """Raise naming the missing and the found columns, and reject empty or null input."""
    if not isinstance(data, pd.DataFrame):
        raise AggregationError(f"{what} needs a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise AggregationError(
            f"{what} needs column(s) {', '.join(missing)}; found {', '.join(map(str, data.columns))}"
        )
    if data.empty:
        raise AggregationError(f"{what}: no rows to aggregate")
    nulls = [c for c in columns if data[c].isna().any()]
    if nulls:
        row = int(np.flatnonzero(data[nulls[0]].isna().to_numpy())[0])
        raise AggregationError(f"{what}: column {nulls[0]!r} is empty in row {row} (0-based)")


class SmoothedDawidSkene(ck.DawidSkene):
    """crowd-kit's Dawid-Skene with each worker's confusion matrix shrunk toward the crowd's.

    Maximum-likelihood confusion matrices reach exactly 0 or 1 once a worker
    has agreed with the consensus on their 20-50 tasks; a single vote of such
    a worker then decides an answer alone and the posterior is overconfident,
    which breaks a confidence-based stopping rule. In every M-step each
    worker gets ``smoothing`` pseudo-votes per true class, distributed like
    the pooled confusion matrix of all workers under the majority-vote start
    (empirical Bayes), computed once: a uniform prior, or one re-estimated
    each step, lets a rare class's column turn uninformative with 2 votes
    per task, and EM then collapses to "everything helpful".
    """

    def __init__(self, n_iter: int = 100, tol: float = 1e-5, smoothing: float = 1.0) -> None:
        super().__init__(n_iter=n_iter, tol=tol)
        self.smoothing = float(smoothing)
        self._pooled = None

    def fit(self, data, true_labels=None, initial_error=None):
        self._pooled = None  # re-estimated from this data's majority-vote start
        return super().fit(data, true_labels, initial_error)

    def _m_step(self, data, probas, initial_error=None, initial_error_strategy=None):
        joined = data.join(probas, on="task").drop(columns=["task"])
        counts = joined.groupby(["worker", "label"], sort=False).sum()
        labels = list(probas.columns)
        workers = pd.unique(data["worker"])
        index = pd.MultiIndex.from_product([workers, labels], names=["worker", "label"])
        counts = counts.reindex(index, fill_value=0.0)[labels]
        if self._pooled is None:  # first M-step: probas are the majority vote
            pooled = counts.groupby(level="label", sort=False).sum().reindex(labels) + 1e-6
            self._pooled = (pooled / pooled.sum()).to_numpy()
        counts = counts + np.tile(self.smoothing * self._pooled, (len(workers), 1))
        return counts / counts.groupby("worker", sort=False).sum()


def make_label_aggregator(
    method: str, n_iter: int | None = None, seed: int = 0, smoothing: float = 0.0
) -> Any:
    """The crowd-kit model for ``method`` (one of :data:`LABEL_METHODS`).

    ``smoothing > 0`` turns ``ds`` into :class:`SmoothedDawidSkene`; 0 keeps
    crowd-kit's own estimator exactly.

    Taught in notebooks/03_answer_validation.
    """
    if method == "mv":
        return ck.MajorityVote()
    if method == "wawa":
        return ck.Wawa()
    if method == "ds":
        if smoothing > 0:
            return SmoothedDawidSkene(n_iter=n_iter or 100, smoothing=smoothing)
        return ck.DawidSkene(n_iter=n_iter or 100)
    if method == "glad":
        return ck.GLAD(n_iter=n_iter or 100)
    if method == "mace":
        return ck.MACE(
            n_restarts=MACE_DEFAULTS["n_restarts"],
            n_iter=n_iter or MACE_DEFAULTS["n_iter"],
            random_state=seed,
        )
    raise AggregationError(
        f"unknown label method {method!r}; choose one of {', '.join(LABEL_METHODS)}"
    )


def aggregate_labels(
    data: pd.DataFrame,
    method: str = "ds",
    *,
    n_iter: int | None = None,
    seed: int = 0,
    smoothing: float = 0.0,
    return_fitted: bool = False,
):
    """One label per task with its confidence, from ``task, worker, label`` rows.

    Returns a frame ``task, label, confidence`` sorted by task; with
    ``return_fitted=True`` a tuple ``(frame, fitted_model)``. ``smoothing``
    (``ds`` only) adds a Dirichlet prior, see :class:`SmoothedDawidSkene`.

    Examples:
        >>> df = pd.DataFrame({"task": ["t1", "t1", "t1"], "worker": ["a", "b", "c"],
        ...                    "label": [1, 1, 0]})
        >>> aggregate_labels(df, "mv")
          task  label  confidence
        0   t1      1    0.666667

    Taught in notebooks/03_answer_validation.
    """
    require_columns(data, ("task", "worker", "label"), f"aggregation '{method}'")
    frame, notes = clean_votes(data[["task", "worker", "label"]], f"aggregation '{method}'")
    thin = _too_thin(frame)
    if thin and method != "mv":
        notes.append(
            f"{thin}: no model can learn worker skills from this; majority vote used "
            f"instead of {method!r}, confidence is the share of votes"
        )
        method = "mv"
    model = make_label_aggregator(method, n_iter=n_iter, seed=seed, smoothing=smoothing)
    probas = model.fit_predict_proba(frame)
    labels = model.labels_
    conf = probas.max(axis=1)
    out = pd.DataFrame(
        {
            "task": labels.index,
            "label": labels.to_numpy(),
            "confidence": conf.reindex(labels.index).to_numpy(dtype=float),
        }
    )
    out = out.sort_values("task", kind="stable").reset_index(drop=True)
    out = _only_given_labels(out, frame, method, notes)
    for note in notes:
        logger.warning("%s", note)
    out.attrs["warnings"] = notes
    return (out, model) if return_fitted else out


def _normal_label(value: Any) -> Any:
    """``1``, ``1.0``, `` 1`` and ``01`` are one class: numeric labels compare as numbers."""
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    if not np.isfinite(number):
        return text
    return int(number) if number.is_integer() else number


def clean_votes(frame: pd.DataFrame, what: str) -> tuple[pd.DataFrame, list[str]]:
    """Normalise labels and count a worker's repeated vote on a task once; returns notes.

    Labels are stripped, and labels that read as numbers compare as numbers; a
    mix of numeric and non-numeric labels is refused, since no rule can say
    whether ``"1"`` and ``"yes"`` are one class.

    Raises:
        AggregationError: numeric and non-numeric labels in one file.
    """
    notes = []
    labels = frame["label"].map(_normal_label)
    kinds = {isinstance(v, str) for v in labels}
    if kinds == {True, False}:
        text = sorted({v for v in labels if isinstance(v, str)})[:3]
        raise AggregationError(
            f"{what}: labels mix numbers and words (e.g. {', '.join(text)}); use one kind of label"
        )
    spellings = pd.DataFrame({"raw": frame["label"].astype(str), "norm": labels.astype(str)})
    merged = spellings.drop_duplicates().groupby("norm").size()
    if (merged > 1).any():  # "1", "1.0", " 1", "01": one class, compared as numbers
        examples = spellings.drop_duplicates()
        examples = examples[examples["norm"].isin(merged[merged > 1].index)]["raw"].tolist()[:4]
        notes.append(
            f"labels written differently but equal as numbers were merged "
            f"({', '.join(map(repr, examples))})"
        )
        frame = frame.assign(label=labels)
    repeated = frame.duplicated(["task", "worker"], keep="first")
    if repeated.any():
        notes.append(
            f"{int(repeated.sum())} repeated vote(s) (same worker, same task) counted "
            "once: the first one is kept"
        )
        frame = frame[~repeated]
    return frame.reset_index(drop=True), notes


def _too_thin(frame: pd.DataFrame) -> str | None:
    if frame["worker"].nunique() < 2:
        return "one worker gave every vote"
    if frame.groupby("task").size().max() < 2:
        return "every task has a single vote"
    return None


def _only_given_labels(
    out: pd.DataFrame, frame: pd.DataFrame, method: str, notes: list[str]
) -> pd.DataFrame:
    """Replace a label no worker gave on that task by the task's majority vote (and say so)."""
    given = frame.groupby("task")["label"].agg(set)
    bad = [i for i, row in out.iterrows() if row["label"] not in given.get(row["task"], set())]
    if not bad:
        return out
    mv = aggregate_labels(frame[frame["task"].isin(out.loc[bad, "task"])], "mv")
    fix = mv.set_index("task")
    out = out.copy()
    for i in bad:
        out.at[i, "label"] = fix.at[out.at[i, "task"], "label"]
        out.at[i, "confidence"] = fix.at[out.at[i, "task"], "confidence"]
    notes.append(
        f"{method!r} chose a label no worker gave on {len(bad)} task(s); their majority "
        "vote is used instead"
    )
    return out


def worker_skills(model: Any, data: pd.DataFrame) -> pd.Series:
    """Each worker's estimated accuracy (0..1) from a fitted label model.

    Dawid-Skene: the prior-weighted diagonal of the worker's confusion
    matrix; majority vote and Wawa: agreement with the aggregate (their
    ``skills_``); GLAD and MACE: agreement with their own aggregate.

    Taught in notebooks/03_answer_validation.
    """
    if getattr(model, "skills_", None) is not None:
        return model.skills_.rename("skill")
    if isinstance(model, ck.DawidSkene):
        # errors_ rows are (worker, observed label), columns the true label;
        # a label a worker never gave has no row: probability 0.
        errors, priors = model.errors_, model.priors_
        workers = errors.index.get_level_values("worker").unique()
        diag = {
            w: sum(priors[k] * errors.get(k, {}).get((w, k), 0.0) for k in priors.index)
            for w in workers
        }
        return pd.Series(diag, name="skill", dtype=float).rename_axis("worker")
    return get_accuracy(data[["task", "worker", "label"]], model.labels_, by="worker").rename(
        "skill"
    )


def agreement(data: pd.DataFrame) -> float:
    """Krippendorff's alpha of ``task, worker, label`` rows (1 = perfect, 0 = chance).

    Taught in notebooks/03_answer_validation.
    """
    require_columns(data, ("task", "worker", "label"), "agreement")
    return float(alpha_krippendorff(data[["task", "worker", "label"]]))


def char_ngram_encoder(n_features: int = 512) -> Callable[[str], np.ndarray]:
    """An offline text encoder (hashed character 1-3-grams, L2-normalised) for HRRASA.

    crowd-kit's examples use a sentence-transformers model; that needs a Hub
    download, so the kit ships this model-free stand-in. Pass any
    ``str -> vector`` callable to :func:`aggregate_texts` to use a real one.
    """
    from sklearn.feature_extraction.text import HashingVectorizer

    vec = HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(1, 3),
        n_features=n_features,
        alternate_sign=False,
        norm="l2",
        lowercase=True,
    )
    return lambda text: vec.transform([text]).toarray()[0]


def aggregate_texts(
    data: pd.DataFrame,
    method: str = "rover",
    *,
    encoder: Callable[[str], Any] | None = None,
    n_iter: int = 100,
    return_fitted: bool = False,
):
    """One text per task from several workers' texts: ROVER or TextHRRASA.

    ROVER tokenises on single spaces (``s.split(" ")``) and joins with one
    space, crowd-kit's documented setting. Returns ``task, text``.
    """
    require_columns(data, ("task", "worker", "text"), f"aggregation '{method}'")
    frame = data[["task", "worker", "text"]].astype({"text": str})
    if method == "rover":
        model = ck.ROVER(tokenizer=lambda s: s.split(" "), detokenizer=lambda t: " ".join(t))
        texts = model.fit_predict(frame)
    elif method == "hrrasa":
        model = ck.TextHRRASA(encoder=encoder or char_ngram_encoder(), n_iter=n_iter)
        texts = model.fit_predict(frame, None)
    else:
        raise AggregationError(
            f"unknown text method {method!r}; choose one of {', '.join(TEXT_METHODS)}"
        )
    out = pd.DataFrame({"task": texts.index, "text": texts.to_numpy()})
    out = out.sort_values("task", kind="stable").reset_index(drop=True)
    return (out, model) if return_fitted else out


def aggregate_pairwise(
    data: pd.DataFrame, method: str = "bt", *, n_iter: int = 100, return_fitted: bool = False
):
    """Scores of items from side-by-side votes ``worker, left, right, label`` (label = winner).

    Bradley-Terry (``bt``) or NoisyBradleyTerry (``noisybt``, which also
    learns each worker's reliability). Returns ``item, score`` best first.
    """
    require_columns(data, ("worker", "left", "right", "label"), f"aggregation '{method}'")
    bad = ~((data["label"] == data["left"]) | (data["label"] == data["right"]))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise AggregationError(f"pairwise row {row} (0-based): label must equal left or right")
    if method == "bt":
        model = ck.BradleyTerry(n_iter=n_iter)
    elif method == "noisybt":
        model = ck.NoisyBradleyTerry(n_iter=n_iter)
    else:
        raise AggregationError(
            f"unknown pairwise method {method!r}; choose one of {', '.join(PAIRWISE_METHODS)}"
        )
    scores = model.fit_predict(data[["worker", "left", "right", "label"]])
    out = pd.DataFrame({"item": scores.index, "score": scores.to_numpy(dtype=float)})
    out = out.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    return (out, model) if return_fitted else out
