"""Label aggregation in crowd-kit's estimator style: ``fit`` / ``fit_predict`` / fitted ``_`` attributes.

One estimator per crowd-kit method (crowd-kit 1.4.2): :class:`MajorityVote`,
:class:`Wawa`, :class:`DawidSkene` (optionally smoothed), :class:`GLAD`,
:class:`MACE`. Each wraps the crowd-kit model and adds what a crowd file
needs before any model sees it (see :mod:`.vote_input`): a worker's repeated
vote counts once, ``1``/``1.0``/``01`` are one class, a mix of numbers and
words is refused in one line, data too thin to learn skills from falls back
to majority vote, and a label no worker gave on a task is replaced by the
task's majority vote. Every such change is logged and kept in ``warnings_``.
Otherwise results equal crowd-kit's own call with the same settings: the
tests check it on CIFAR-10N and CrowdSpeech.

Fitted attributes: ``labels_`` (task -> label, sorted by task),
``probas_`` (the model's task x label posterior), ``confidences_``
(probability of the chosen label; the vote share for majority vote),
``skills_`` (each worker's estimated accuracy, 0..1), ``model_`` (the fitted
crowd-kit model, e.g. Dawid-Skene's ``errors_``) and ``warnings_``.
Texts live in :mod:`.text_aggregate`, pairwise votes in :mod:`.pairwise`.

Taught in notebooks/03_answer_validation.
"""

from __future__ import annotations

import logging
from typing import Any

import crowdkit.aggregation as ck
import pandas as pd
from crowdkit.aggregation.utils import get_accuracy
from crowdkit.metrics.data import alpha_krippendorff

from .smoothed_ds import SmoothedDawidSkene
from .vote_input import LABEL_COLUMNS, AggregationError, clean_votes, require_columns, too_thin

logger = logging.getLogger(__name__)

# MACE is slow (restarts x iterations of variational EM): bounded by default.
MACE_DEFAULTS = {"n_restarts": 2, "n_iter": 30}


class LabelAggregator:
    """Base of the label estimators: checks and cleans votes, fits, keeps fitted attributes.

    Subclasses set :attr:`method` (the CLI/config name) and build the
    crowd-kit model in :meth:`_model`.
    """

    method = ""

    def _model(self) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.endswith("_"))
        return f"{type(self).__name__}({params})"

    def fit(self, data: pd.DataFrame) -> LabelAggregator:
        """Fit on ``task, worker, label`` rows (other columns are ignored).

        Args:
            data (DataFrame): the workers' votes, one row per vote, with ``task``,
                ``worker`` and ``label`` columns.

        Returns:
            LabelAggregator: self, with ``labels_``, ``probas_``, ``confidences_``, ``skills_``,
            ``model_`` and ``warnings_`` set.

        Raises:
            AggregationError: a missing column, no rows, an empty cell, or
                labels that mix numbers and words.
        """
        what = f"aggregation '{self.method}'"
        require_columns(data, LABEL_COLUMNS, what)
        frame, notes = clean_votes(data[list(LABEL_COLUMNS)], what)
        model, thin = self._model(), too_thin(frame)
        if thin and self.method != "mv":
            notes.append(
                f"{thin}: no model can learn worker skills from this; majority vote used "
                f"instead of {self.method!r}, confidence is the share of votes"
            )
            model = ck.MajorityVote()
        self.probas_ = model.fit_predict_proba(frame)
        self.model_ = model
        labels = model.labels_.sort_index(kind="stable")
        confidences = self.probas_.max(axis=1).reindex(labels.index).astype(float)
        self.labels_, self.confidences_ = _only_given_labels(labels, confidences, frame, notes)
        self.skills_ = _skills(model, frame)
        for note in notes:
            logger.warning("%s", note)
        self.warnings_ = notes
        return self

    def fit_predict(self, data: pd.DataFrame) -> pd.Series:
        """Fit the model and return the aggregated label of each task.

        Args:
            data (DataFrame): the workers' votes, one row per vote, with ``task``,
                ``worker`` and ``label`` columns (other columns are ignored).

        Returns:
            Series: the tasks' labels, indexed by ``task`` (sorted) so that
            ``labels.loc[task]`` is the task's most likely true label; always a
            label some worker gave on that task.

        Raises:
            AggregationError: a missing column, no rows, an empty cell, or
                labels that mix numbers and words (see :meth:`fit`).
        """
        return self.fit(data).labels_

    def fit_predict_proba(self, data: pd.DataFrame) -> pd.DataFrame:
        """Fit the model and return each task's probability distribution over labels.

        Args:
            data (DataFrame): the workers' votes, one row per vote, with ``task``,
                ``worker`` and ``label`` columns (other columns are ignored).

        Returns:
            DataFrame: indexed by ``task`` with a column per label, so that
            ``probas.loc[task, label]`` is the probability that the task's true
            label is ``label``; each row sums to 1. This is the model's own
            posterior: a task whose label was replaced by its majority vote
            (see ``warnings_``) keeps the model's row here.

        Raises:
            AggregationError: a missing column, no rows, an empty cell, or
                labels that mix numbers and words (see :meth:`fit`).

        Examples:
            >>> votes = pd.DataFrame({"task": ["t1", "t1", "t1"], "worker": ["a", "b", "c"],
            ...                       "label": ["yes", "yes", "no"]})
            >>> MajorityVote().fit_predict_proba(votes).round(3).loc["t1"].to_dict()
            {'no': 0.333, 'yes': 0.667}
        """
        return self.fit(data).probas_

    def result_frame(self) -> pd.DataFrame:
        """The fitted result as ``task, label, confidence`` rows (what the CLI writes).

        Returns:
            One row per task, sorted by task.
        """
        return pd.DataFrame(
            {
                "task": self.labels_.index,
                "label": self.labels_.to_numpy(),
                "confidence": self.confidences_.to_numpy(dtype=float),
            }
        )


class MajorityVote(LabelAggregator):
    """The most frequent label per task; confidence is its share of the votes.

    ``skills_`` is each worker's agreement with the result.

    Examples:
        >>> votes = pd.DataFrame({"task": ["t1", "t1", "t1", "t2", "t2", "t2"],
        ...                       "worker": ["a", "b", "c"] * 2, "label": [1, 1, 0, 0, 0, 1]})
        >>> MajorityVote().fit_predict(votes).to_dict()
        {'t1': 1, 't2': 0}
        >>> MajorityVote().fit(votes).confidences_.round(3).tolist()
        [0.667, 0.667]
    """

    method = "mv"

    def _model(self) -> Any:
        return ck.MajorityVote()


class Wawa(LabelAggregator):
    """Worker Agreement with Aggregate: majority vote weighted by each worker's agreement with it.

    Examples:
        >>> votes = pd.DataFrame({"task": ["t1", "t1", "t1", "t2", "t2", "t2"],
        ...                       "worker": ["a", "b", "c"] * 2, "label": [1, 1, 0, 0, 0, 1]})
        >>> Wawa().fit(votes).skills_.to_dict()
        {'a': 1.0, 'b': 1.0, 'c': 0.0}
    """

    method = "wawa"

    def _model(self) -> Any:
        return ck.Wawa()


class DawidSkene(LabelAggregator):
    """Dawid-Skene: a confusion matrix per worker, learned by EM with the true labels.

    Args:
        n_iter: the maximum number of EM iterations.
        smoothing: 0 keeps crowd-kit's ``DawidSkene`` exactly; > 0 uses
            :class:`~.smoothed_ds.SmoothedDawidSkene` (that many pseudo-votes
            per class pull each worker toward the crowd, so one vote of a
            "perfect" worker does not make a verdict certain).

    ``skills_`` is the prior-weighted diagonal of each worker's confusion matrix.

    Examples:
        >>> votes = pd.DataFrame({"task": ["t1", "t1", "t1", "t2", "t2", "t2"],
        ...                       "worker": ["a", "b", "c"] * 2, "label": [1, 1, 0, 0, 0, 1]})
        >>> DawidSkene().fit_predict(votes).to_dict()
        {'t1': 1, 't2': 0}
        >>> DawidSkene(smoothing=1.0).fit(votes).skills_.round(2).to_dict()
        {'a': 0.76, 'b': 0.76, 'c': 0.3}
    """

    method = "ds"

    def __init__(self, n_iter: int = 100, smoothing: float = 0.0) -> None:
        self.n_iter, self.smoothing = n_iter, smoothing

    def _model(self) -> Any:
        if self.smoothing > 0:
            return SmoothedDawidSkene(n_iter=self.n_iter, smoothing=self.smoothing)
        return ck.DawidSkene(n_iter=self.n_iter)


class GLAD(LabelAggregator):
    """GLAD: a skill per worker and a difficulty per task, learned together.

    Args:
        n_iter: the maximum number of EM iterations.

    ``skills_`` is each worker's agreement with GLAD's own labels.
    """

    method = "glad"

    def __init__(self, n_iter: int = 100) -> None:
        self.n_iter = n_iter

    def _model(self) -> Any:
        return ck.GLAD(n_iter=self.n_iter)


class MACE(LabelAggregator):
    """MACE: each worker either knows the answer or spams; learns who spams how often.

    Args:
        n_iter: variational EM iterations per restart.
        n_restarts: random restarts (the best is kept).
        seed: the random state, so a rerun gives the same labels.

    ``skills_`` is each worker's agreement with MACE's own labels.
    """

    method = "mace"

    def __init__(
        self,
        n_iter: int = MACE_DEFAULTS["n_iter"],
        n_restarts: int = MACE_DEFAULTS["n_restarts"],
        seed: int = 0,
    ) -> None:
        self.n_iter, self.n_restarts, self.seed = n_iter, n_restarts, seed

    def _model(self) -> Any:
        return ck.MACE(n_restarts=self.n_restarts, n_iter=self.n_iter, random_state=self.seed)


LABEL_AGGREGATORS = {cls.method: cls for cls in (MajorityVote, Wawa, DawidSkene, GLAD, MACE)}
LABEL_METHODS = tuple(LABEL_AGGREGATORS)


def make_label_aggregator(
    method: str, *, n_iter: int | None = None, seed: int = 0, smoothing: float = 0.0
) -> LabelAggregator:
    """The unfitted estimator for a method name (``quality.aggregation`` in the config).

    Args:
        method: one of :data:`LABEL_METHODS` (``mv``, ``wawa``, ``ds``, ``glad``, ``mace``).
        n_iter: iterations for the iterative methods (their default when None).
        seed: MACE's random state.
        smoothing: Dawid-Skene's pseudo-votes (ignored by the other methods).

    Returns:
        A :class:`LabelAggregator`; call ``fit`` or ``fit_predict`` on it.

    Raises:
        AggregationError: an unknown method.

    Examples:
        >>> make_label_aggregator("ds", smoothing=1.0)
        DawidSkene(n_iter=100, smoothing=1.0)

    Taught in notebooks/03_answer_validation.
    """
    cls = LABEL_AGGREGATORS.get(method)
    if cls is None:
        raise AggregationError(
            f"unknown label method {method!r}; choose one of {', '.join(LABEL_METHODS)}"
        )
    params: dict[str, Any] = {}
    if n_iter is not None and cls in (DawidSkene, GLAD, MACE):
        params["n_iter"] = n_iter
    if cls is DawidSkene:
        params["smoothing"] = smoothing
    if cls is MACE:
        params["seed"] = seed
    return cls(**params)


def _only_given_labels(
    labels: pd.Series, confidences: pd.Series, frame: pd.DataFrame, notes: list[str]
) -> tuple[pd.Series, pd.Series]:
    """Replace a label no worker gave on that task by the task's majority vote (and say so)."""
    given = frame.groupby("task")["label"].agg(set)
    bad = [t for t, label in labels.items() if label not in given.get(t, set())]
    if not bad:
        return labels, confidences
    mv = ck.MajorityVote()
    mv_probas = mv.fit_predict_proba(frame[frame["task"].isin(bad)])
    labels, confidences = labels.copy(), confidences.copy()
    labels[bad] = mv.labels_[bad]
    confidences[bad] = mv_probas.max(axis=1)[bad]
    notes.append(
        f"the model chose a label no worker gave on {len(bad)} task(s); their majority "
        "vote is used instead"
    )
    return labels, confidences


def _skills(model: Any, frame: pd.DataFrame) -> pd.Series:
    """Each worker's estimated accuracy (0..1) from a fitted crowd-kit model."""
    if getattr(model, "skills_", None) is not None:
        return model.skills_.rename("skill")
    if isinstance(model, (ck.DawidSkene, SmoothedDawidSkene)):
        # errors_ rows are (worker, observed label), columns the true label;
        # a label a worker never gave has no row: probability 0.
        errors, priors = model.errors_, model.priors_
        workers = errors.index.get_level_values("worker").unique()
        diag = {
            w: sum(priors[k] * errors.get(k, {}).get((w, k), 0.0) for k in priors.index)
            for w in workers
        }
        return pd.Series(diag, name="skill", dtype=float).rename_axis("worker")
    return get_accuracy(frame, model.labels_, by="worker").rename("skill")


def agreement(data: pd.DataFrame) -> float:
    """Krippendorff's alpha of ``task, worker, label`` rows (1 = perfect, 0 = chance).

    Args:
        data: one row per vote.

    Returns:
        Alpha; a value near 0 means the votes agree no more than chance.

    Raises:
        AggregationError: a missing column, no rows or an empty cell.

    Examples:
        >>> votes = pd.DataFrame({"task": ["t1", "t1", "t2", "t2"], "worker": ["a", "b"] * 2,
        ...                       "label": [1, 1, 0, 0]})
        >>> agreement(votes)
        1.0

    Taught in notebooks/03_answer_validation.
    """
    require_columns(data, LABEL_COLUMNS, "agreement")
    return float(alpha_krippendorff(data[list(LABEL_COLUMNS)]))
