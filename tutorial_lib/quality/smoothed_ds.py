"""Dawid-Skene with each worker's confusion matrix shrunk toward the crowd's (own EM, numpy).

Why it exists: maximum-likelihood confusion matrices reach exactly 0 or 1 once
a worker has agreed with the consensus on their 20-50 tasks; a single vote of
such a worker then decides an answer alone and the posterior is
overconfident, which breaks a confidence-based stopping rule (dynamic
overlap). In every M-step each worker gets ``smoothing`` pseudo-votes per
true class, distributed like the pooled confusion matrix of all workers under
the majority-vote start (empirical Bayes), computed once: a uniform prior, or
one re-estimated each step, lets a rare class's column turn uninformative
with 2 votes per task, and EM then collapses to "everything helpful".

Why its own EM: crowd-kit's ``DawidSkene`` has no public hook for a prior
that applies in every M-step (``initial_error`` only enters the first one),
and overriding its private ``_m_step`` would break silently on an upgrade.
The loop below follows crowd-kit 1.4.2's ``DawidSkene.fit`` step for step
(majority-vote start, E-step, priors, M-step, evidence lower bound, ``tol``),
so ``smoothing=0`` reproduces crowd-kit's estimates (tests check it), and it
exposes the same fitted attributes: ``probas_``, ``priors_``, ``errors_``,
``labels_``, ``loss_history_``.
"""

from __future__ import annotations

import crowdkit.aggregation as ck
import numpy as np
import pandas as pd

_EPS = 1e-10  # crowd-kit's floor for probabilities before a log


class SmoothedDawidSkene:
    """Dawid-Skene whose worker confusion matrices get ``smoothing`` pseudo-votes per class.

    Args:
        n_iter: the maximum number of EM iterations.
        tol: stop when the evidence lower bound (per vote) grows by less.
        smoothing: pseudo-votes per true class added to every worker's
            counts, distributed like the crowd's pooled confusion matrix.

    Attributes:
        probas_: task x label posterior (rows sum to 1).
        priors_: the class prior, indexed by label.
        errors_: ``(worker, observed label) x true label`` probabilities.
        labels_: the most probable label per task.
        loss_history_: the evidence lower bound per vote after each iteration.

    Examples:
        >>> votes = pd.DataFrame({"task": ["t1", "t1", "t1", "t2", "t2", "t2"],
        ...                       "worker": ["a", "b", "c"] * 2, "label": [1, 1, 0, 0, 0, 1]})
        >>> SmoothedDawidSkene(smoothing=1.0).fit_predict(votes).to_dict()
        {'t1': 1, 't2': 0}
    """

    def __init__(self, n_iter: int = 100, tol: float = 1e-5, smoothing: float = 1.0) -> None:
        self.n_iter, self.tol, self.smoothing = int(n_iter), float(tol), float(smoothing)

    def fit(self, data: pd.DataFrame) -> SmoothedDawidSkene:
        """Fit by EM from the majority-vote start.

        Args:
            data (DataFrame): the workers' votes, with ``task``, ``worker`` and
                ``label`` columns, one vote per worker and task.

        Returns:
            SmoothedDawidSkene: self, with ``probas_``, ``priors_``, ``errors_``,
            ``labels_`` and ``loss_history_`` set.
        """
        data = data[["task", "worker", "label"]]
        start = ck.MajorityVote().fit_predict_proba(data)
        tasks, labels = start.index, start.columns
        workers = pd.Index(pd.unique(data["worker"]), name="worker")
        self._rows = (
            tasks.get_indexer(data["task"]),
            workers.get_indexer(data["worker"]),
            labels.get_indexer(data["label"]),
        )
        self._shape = (len(tasks), len(workers), len(labels))
        probas = start.to_numpy(dtype=float)
        priors = probas.mean(axis=0)
        counts = self._counts(probas)
        pooled = counts.sum(axis=0) + 1e-6  # the crowd's confusion under majority vote
        self._pooled = pooled / pooled.sum(axis=0, keepdims=True)
        errors = self._m_step(probas)
        loss, self.loss_history_ = -np.inf, []
        for _ in range(self.n_iter):
            probas = self._e_step(priors, errors)
            priors = probas.mean(axis=0)
            errors = self._m_step(probas)
            new_loss = self._elbo(probas, priors, errors) / len(data)
            self.loss_history_.append(new_loss)
            if new_loss - loss < self.tol:
                break
            loss = new_loss
        self._store(probas, priors, errors, tasks, workers, labels)
        return self

    def fit_predict(self, data: pd.DataFrame) -> pd.Series:
        """Fit the model and return the aggregated label of each task.

        Args:
            data (DataFrame): the workers' votes, with ``task``, ``worker`` and
                ``label`` columns, one vote per worker and task.

        Returns:
            Series: the tasks' labels, indexed by ``task`` so that
            ``labels.loc[task]`` is the task's most probable true label.
        """
        return self.fit(data).labels_

    def fit_predict_proba(self, data: pd.DataFrame) -> pd.DataFrame:
        """Fit the model and return each task's probability distribution over labels.

        Args:
            data (DataFrame): the workers' votes, with ``task``, ``worker`` and
                ``label`` columns, one vote per worker and task.

        Returns:
            DataFrame: indexed by ``task`` with a column per label, so that
            ``probas.loc[task, label]`` is the probability that the task's true
            label is ``label``; each row sums to 1.

        Examples:
            >>> votes = pd.DataFrame({"task": ["t1", "t1"], "worker": ["a", "b"],
            ...                       "label": ["yes", "no"]})
            >>> probas = SmoothedDawidSkene(smoothing=1.0).fit_predict_proba(votes)
            >>> probas.shape, float(probas.sum(axis=1).iloc[0])
            ((1, 2), 1.0)
        """
        return self.fit(data).probas_

    def _counts(self, probas: np.ndarray) -> np.ndarray:
        """Expected counts: worker x observed label x true label."""
        t, w, obs = self._rows
        _, n_workers, n_labels = self._shape
        counts = np.zeros((n_workers, n_labels, n_labels))
        np.add.at(counts, (w, obs), probas[t])
        return counts

    def _m_step(self, probas: np.ndarray) -> np.ndarray:
        counts = self._counts(probas) + self.smoothing * self._pooled[None, :, :]
        return counts / counts.sum(axis=1, keepdims=True)

    def _e_step(self, priors: np.ndarray, errors: np.ndarray) -> np.ndarray:
        t, w, obs = self._rows
        log_lik = np.zeros((self._shape[0], self._shape[2]))
        np.add.at(log_lik, t, np.log(np.clip(errors[w, obs], _EPS, None)))
        log_lik += np.log(np.clip(priors, _EPS, None))
        lik = np.exp(log_lik - log_lik.max(axis=1, keepdims=True))
        return lik / lik.sum(axis=1, keepdims=True)

    def _elbo(self, probas: np.ndarray, priors: np.ndarray, errors: np.ndarray) -> float:
        t, w, obs = self._rows
        log_joint = np.log(np.clip(errors[w, obs], _EPS, None)) + np.log(
            np.clip(priors, _EPS, None)
        )
        expectation = float((probas[t] * log_joint).sum())
        clipped = np.clip(probas, _EPS, None)
        return expectation - float((np.log(clipped) * clipped).sum())

    def _store(self, probas, priors, errors, tasks, workers, labels) -> None:
        self.probas_ = pd.DataFrame(probas, index=tasks, columns=labels)
        self.priors_ = pd.Series(priors, index=labels, name="prior")
        index = pd.MultiIndex.from_product([workers, labels], names=["worker", "label"])
        self.errors_ = pd.DataFrame(errors.reshape(-1, len(labels)), index=index, columns=labels)
        self.labels_ = self.probas_.idxmax(axis=1).rename("agg_label")
