"""Scores of items from side-by-side votes: crowd-kit's Bradley-Terry, behind one wrapper.

The one place the kit fits Bradley-Terry: the ``aggregate`` command (any
``worker, left, right, label`` file) and the model ranking of the evaluate
wing (:func:`tutorial_lib.evaluate.ranking.rank_models`, with bootstrap
intervals) both call :func:`make_pairwise_aggregator`. Two methods:

- ``bt``: Bradley-Terry, every vote counts alike (crowd-kit ``BradleyTerry``);
- ``noisybt``: Noisy Bradley-Terry, which also learns each worker's
  reliability and position bias (crowd-kit ``NoisyBradleyTerry``).
"""

from __future__ import annotations

from typing import Any

import crowdkit.aggregation as ck
import numpy as np
import pandas as pd

from .vote_input import AggregationError, require_columns

PAIRWISE_COLUMNS = ("worker", "left", "right", "label")


class PairwiseAggregator:
    """Base of the pairwise estimators: checks the votes, fits crowd-kit, keeps ``scores_``.

    Attributes:
        scores_: item -> score (higher is better), best first.
        model_: the fitted crowd-kit model.
    """

    method = ""

    def __init__(self, n_iter: int = 100) -> None:
        self.n_iter = n_iter

    def _model(self) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n_iter={self.n_iter})"

    def fit(self, data: pd.DataFrame) -> PairwiseAggregator:
        """Fit on ``worker, left, right, label`` rows; ``label`` is the winner.

        Args:
            data (DataFrame): the workers' side-by-side votes, one row per vote,
                with ``worker``, ``left``, ``right`` and ``label`` columns (other
                columns are ignored).

        Returns:
            PairwiseAggregator: self, with ``scores_`` and ``model_`` set.

        Raises:
            AggregationError: a missing column, no rows, an empty cell, or a
                winner that is neither the left nor the right item (its 0-based row).
        """
        check_pairwise(data, f"aggregation '{self.method}'")
        self.model_ = self._model()
        scores = self.model_.fit_predict(data[list(PAIRWISE_COLUMNS)]).astype(float)
        self.scores_ = scores.sort_values(ascending=False, kind="stable").rename("score")
        return self

    def fit_predict(self, data: pd.DataFrame) -> pd.Series:
        """Fit the model and return each item's score.

        Args:
            data (DataFrame): the workers' side-by-side votes, one row per vote,
                with ``worker``, ``left``, ``right`` and ``label`` columns, where
                ``label`` is the winner (the left or the right item).

        Returns:
            Series: the items' scores, indexed by item and sorted best first, so
            that ``scores.loc[item]`` is how strongly it wins (higher is better).

        Raises:
            AggregationError: a missing column, no rows, an empty cell, or a
                winner that is neither the left nor the right item (see :meth:`fit`).
        """
        return self.fit(data).scores_

    def result_frame(self) -> pd.DataFrame:
        """The fitted scores as ``item, score`` rows, best first (what the CLI writes).

        Returns:
            DataFrame: one row per item, with ``item`` and ``score`` columns.
        """
        return pd.DataFrame({"item": self.scores_.index, "score": self.scores_.to_numpy()})


class BradleyTerry(PairwiseAggregator):
    """Bradley-Terry: P(i beats j) = s_i / (s_i + s_j); scores sum to 1.

    Args:
        n_iter: the maximum number of iterations.

    Examples:
        >>> votes = pd.DataFrame({"worker": ["w1", "w2", "w3"], "left": ["big", "big", "small"],
        ...                       "right": ["small", "tiny", "tiny"],
        ...                       "label": ["big", "big", "small"]})
        >>> BradleyTerry().fit_predict(votes).round(3).to_dict()
        {'big': 0.762, 'small': 0.238, 'tiny': 0.0}
    """

    method = "bt"

    def _model(self) -> Any:
        return ck.BradleyTerry(n_iter=self.n_iter)


class NoisyBradleyTerry(PairwiseAggregator):
    """Bradley-Terry with a reliability and a position bias per worker (``skills_``, ``biases_``).

    Args:
        n_iter: the maximum number of iterations.
    """

    method = "noisybt"

    def _model(self) -> Any:
        return ck.NoisyBradleyTerry(n_iter=self.n_iter)

    def fit(self, data: pd.DataFrame) -> NoisyBradleyTerry:
        """Fit as :meth:`PairwiseAggregator.fit`, also keeping ``skills_`` and ``biases_``.

        Args:
            data (DataFrame): the workers' side-by-side votes, one row per vote,
                with ``worker``, ``left``, ``right`` and ``label`` (the winner) columns.

        Returns:
            NoisyBradleyTerry: self, with ``scores_``, ``model_``, ``skills_`` (each
            worker's reliability) and ``biases_`` (each worker's tendency to pick
            the left item), both indexed by worker, set.

        Raises:
            AggregationError: as :meth:`PairwiseAggregator.fit`.
        """
        super().fit(data)
        self.skills_, self.biases_ = self.model_.skills_, self.model_.biases_
        return self


PAIRWISE_AGGREGATORS = {cls.method: cls for cls in (BradleyTerry, NoisyBradleyTerry)}
PAIRWISE_METHODS = tuple(PAIRWISE_AGGREGATORS)


def make_pairwise_aggregator(method: str, n_iter: int = 100) -> PairwiseAggregator:
    """The unfitted pairwise estimator for a method name.

    Args:
        method: ``bt`` or ``noisybt`` (:data:`PAIRWISE_METHODS`).
        n_iter: the maximum number of iterations.

    Returns:
        A :class:`PairwiseAggregator`; call ``fit`` or ``fit_predict`` on it.

    Raises:
        AggregationError: an unknown method.

    Examples:
        >>> make_pairwise_aggregator("noisybt", n_iter=50)
        NoisyBradleyTerry(n_iter=50)
    """
    cls = PAIRWISE_AGGREGATORS.get(method)
    if cls is None:
        raise AggregationError(
            f"unknown pairwise method {method!r}; choose one of {', '.join(PAIRWISE_METHODS)}"
        )
    return cls(n_iter=n_iter)


def check_pairwise(data: pd.DataFrame, what: str) -> None:
    """Check side-by-side votes: the columns, and that every winner was one of the pair.

    Args:
        data: ``worker, left, right, label`` rows.
        what: the caller's name, for the message.

    Raises:
        AggregationError: a missing column, no rows, an empty cell, or a
            winner that is neither the left nor the right item.
    """
    require_columns(data, PAIRWISE_COLUMNS, what)
    bad = ~((data["label"] == data["left"]) | (data["label"] == data["right"]))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise AggregationError(
            f"{what}: vote row {row} (0-based): winner {data['label'].iloc[row]!r} is neither "
            "the left nor the right item"
        )
