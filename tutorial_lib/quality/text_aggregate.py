"""One text per task from several workers' texts: crowd-kit's ROVER and TextHRRASA as estimators.

ROVER aligns the workers' word sequences and votes word by word; TextHRRASA
picks the text closest to a skill-weighted centre in an embedding space.
crowd-kit's examples embed with a sentence-transformers model, which needs a
Hub download; :func:`char_ngram_encoder` is the kit's model-free stand-in, and
any ``str -> vector`` callable can replace it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import crowdkit.aggregation as ck
import numpy as np
import pandas as pd

from .vote_input import AggregationError, require_columns

TEXT_COLUMNS = ("task", "worker", "text")


def char_ngram_encoder(n_features: int = 512) -> Callable[[str], np.ndarray]:
    """An offline text encoder (hashed character 1-3-grams, L2-normalised) for HRRASA.

    Args:
        n_features: the vector length.

    Returns:
        A function from a text to a unit vector.

    Examples:
        >>> encode = char_ngram_encoder(64)
        >>> round(float(np.linalg.norm(encode("mvua inanyesha"))), 6)
        1.0
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


class TextAggregator:
    """Base of the text estimators: checks the rows, fits crowd-kit, keeps ``texts_``.

    Attributes:
        texts_: task -> the aggregated text, sorted by task.
        model_: the fitted crowd-kit model.
    """

    method = ""

    def _fit_model(self, frame: pd.DataFrame) -> pd.Series:
        raise NotImplementedError

    def fit(self, data: pd.DataFrame) -> TextAggregator:
        """Fit on ``task, worker, text`` rows.

        Args:
            data (DataFrame): the workers' texts, one row per worker and task,
                with ``task``, ``worker`` and ``text`` columns (other columns are ignored).

        Returns:
            TextAggregator: self, with ``texts_`` and ``model_`` set.

        Raises:
            AggregationError: a missing column, no rows or an empty cell.
        """
        require_columns(data, TEXT_COLUMNS, f"aggregation '{self.method}'")
        frame = data[list(TEXT_COLUMNS)].astype({"text": str})
        self.texts_ = self._fit_model(frame).sort_index(kind="stable").rename("text")
        return self

    def fit_predict(self, data: pd.DataFrame) -> pd.Series:
        """Fit the model and return the aggregated text of each task.

        Args:
            data (DataFrame): the workers' texts, one row per worker and task,
                with ``task``, ``worker`` and ``text`` columns.

        Returns:
            Series: the tasks' texts, indexed by ``task`` (sorted) so that
            ``texts.loc[task]`` is the one text that stands for the crowd's.

        Raises:
            AggregationError: a missing column, no rows or an empty cell (see :meth:`fit`).
        """
        return self.fit(data).texts_

    def result_frame(self) -> pd.DataFrame:
        """The fitted texts as ``task, text`` rows, sorted by task (what the CLI writes).

        Returns:
            DataFrame: one row per task, with ``task`` and ``text`` columns.
        """
        return pd.DataFrame({"task": self.texts_.index, "text": self.texts_.to_numpy()})


class ROVER(TextAggregator):
    """ROVER: align the texts word by word and take each position's majority.

    Tokenises on single spaces and joins with one space, crowd-kit's documented setting.

    Examples:
        >>> texts = pd.DataFrame({"task": ["t1"] * 3, "worker": ["a", "b", "c"],
        ...                       "text": ["mvua inanyesha leo", "mvua inanyesha sana leo",
        ...                                "mvua inanyesha leo"]})
        >>> ROVER().fit_predict(texts).to_dict()
        {'t1': 'mvua inanyesha leo'}
    """

    method = "rover"

    def _fit_model(self, frame: pd.DataFrame) -> pd.Series:
        self.model_ = ck.ROVER(tokenizer=lambda s: s.split(" "), detokenizer=lambda t: " ".join(t))
        return self.model_.fit_predict(frame)


class TextHRRASA(TextAggregator):
    """TextHRRASA: the text nearest a skill-weighted centre of the texts' embeddings.

    Args:
        encoder: ``str -> vector``; default :func:`char_ngram_encoder` (offline).
        n_iter: the maximum number of iterations.
    """

    method = "hrrasa"

    def __init__(self, encoder: Callable[[str], Any] | None = None, n_iter: int = 100) -> None:
        self.encoder, self.n_iter = encoder, n_iter

    def _fit_model(self, frame: pd.DataFrame) -> pd.Series:
        encoder = self.encoder or char_ngram_encoder()
        self.model_ = ck.TextHRRASA(encoder=encoder, n_iter=self.n_iter)
        return self.model_.fit_predict(frame, None)


TEXT_AGGREGATORS = {cls.method: cls for cls in (ROVER, TextHRRASA)}
TEXT_METHODS = tuple(TEXT_AGGREGATORS)


def make_text_aggregator(method: str) -> TextAggregator:
    """The unfitted text estimator for a method name (``rover`` or ``hrrasa``).

    Args:
        method: one of :data:`TEXT_METHODS`; ``hrrasa`` gets the offline
            :func:`char_ngram_encoder`.

    Returns:
        A :class:`TextAggregator` with default settings; call ``fit`` or ``fit_predict`` on it.

    Raises:
        AggregationError: an unknown method.

    Examples:
        >>> type(make_text_aggregator("rover")).__name__
        'ROVER'
    """
    cls = TEXT_AGGREGATORS.get(method)
    if cls is None:
        raise AggregationError(
            f"unknown text method {method!r}; choose one of {', '.join(TEXT_METHODS)}"
        )
    return cls()
