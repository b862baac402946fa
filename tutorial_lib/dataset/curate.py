"""Accepted crowd answers -> a curated instruction dataset: train rows, held-out prompts, DPO pairs.

Every training row carries its provenance (aggregated score, confidence,
number of votes, language check, pseudonymised author, round, backend) so a
reader can audit why it is there. The split is by prompt (see ``split.py``),
the training selection shows what each filter cost (see ``select.py``), and
answers that were not accepted are counted by reason, never silently lost.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from ..config import DatasetConfig
from ..instruction import model_input
from ..records import Assignment, Decision, Prompt, QCResult
from .preference import preference_pairs
from .select import filter_record, select_for_training
from .split import split_prompts

logger = logging.getLogger(__name__)

TRAIN_COLUMNS = (
    "id",
    "prompt_id",
    "prompt",
    "answer",
    "category",
    "lang",
    "score",
    "confidence",
    "votes",
    "lang_check",
    "lang_confidence",
    "author",
    "round",
    "source",
)
HELDOUT_COLUMNS = ("prompt_id", "prompt", "references", "category", "lang")
PREFERENCE_COLUMNS = ("prompt", "chosen", "rejected")


@dataclass
class CuratedDataset:
    """The curated splits plus the filter table and summary numbers behind them."""

    train: list[dict]
    heldout: list[dict]
    preference: list[dict]
    filters: list[dict]
    stats: dict = field(default_factory=dict)


def latest_by(records: list, key: str) -> dict:
    """The record per ``key`` with the highest round (later rounds supersede earlier ones).

    A rerun or a later crowd round writes a fresh record for the same answer;
    curation must see only the newest, never both.

    Args:
        records: records (answers, decisions, QC results) with a ``key``
            attribute and, optionally, ``round`` (missing counts as round 0).
        key: the attribute that identifies "the same" record, e.g. ``"assignment_id"``.

    Returns:
        ``{key value: record}``; on a tie in round the later record in ``records`` wins.

    Examples:
        >>> from types import SimpleNamespace as R
        >>> rows = [R(id="a", round=1, v="old"), R(id="a", round=2, v="new"), R(id="b", v="x")]
        >>> {k: r.v for k, r in latest_by(rows, "id").items()}
        {'a': 'new', 'b': 'x'}
    """
    out: dict = {}
    for rec in records:
        k = getattr(rec, key)
        if k not in out or getattr(rec, "round", 0) >= getattr(out[k], "round", 0):
            out[k] = rec
    return out


def _index_answers(answers: list[Assignment], prompts: dict[str, Prompt]) -> dict[str, Assignment]:
    for a in answers:
        if a.kind != "answers":
            raise ValueError(
                f"answers holds a {a.kind!r} assignment ({a.assignment_id}); "
                "pass validation votes as votes="
            )
        if a.task_id not in prompts:
            raise ValueError(
                f"answer {a.assignment_id} is for prompt {a.task_id!r}, "
                "which is not among the prompts"
            )
    dupes = [k for k, n in Counter(a.assignment_id for a in answers).items() if n > 1]
    if dupes:
        logger.warning(
            "%d answer id(s) appear more than once (e.g. %s); the latest round is used",
            len(dupes),
            dupes[0],
        )
    return latest_by(answers, "assignment_id")


def _check_decisions(decisions: dict[str, Decision], answers: dict[str, Assignment]) -> None:
    orphans = sorted(set(decisions) - set(answers))
    if orphans:
        raise ValueError(
            f"{len(orphans)} decision(s) name answers that are not in answers, "
            f"e.g. {', '.join(orphans[:3])}"
        )


def _vote_counts(votes: list[Assignment] | None) -> Counter | None:
    if votes is None:
        return None
    return Counter(v.task_id for v in votes if v.kind == "validation")


def _candidate(
    a: Assignment, p: Prompt, d: Decision | None, q: QCResult | None, n_votes: Counter | None
) -> dict:
    """One answer as a row with provenance (the training-row schema plus its verdict)."""
    votes = n_votes[a.assignment_id] if n_votes is not None else (d.votes if d else 0)
    return {
        "id": a.assignment_id,
        "prompt_id": p.id,
        "prompt": model_input(p.prompt, p.context),
        "answer": a.answer or "",
        "category": p.category,
        "lang": p.lang,
        "score": float(d.score) if d else 0.0,
        "confidence": float(d.confidence) if d else 0.0,
        "votes": int(votes),
        "lang_check": q.lang if q else "",
        "lang_confidence": float(q.lang_confidence) if q else 0.0,
        "author": a.worker_id,
        "round": int(a.round),
        "source": a.backend,
        "verdict": d.verdict if d else "undecided",
        "reasons": list(d.reasons) if d else [],
    }


def _not_accepted_reasons(cands: list[dict]) -> dict[str, int]:
    reasons: Counter = Counter()
    for c in cands:
        if c["verdict"] == "undecided":
            reasons["undecided"] += 1
        elif c["verdict"] == "reject":
            reasons.update(c["reasons"] or ["low_helpfulness"])
    return dict(sorted(reasons.items()))


def _heldout_rows(prompts: list[Prompt], heldout: set[str], accepted: list[dict]) -> list[dict]:
    """Held-out prompts with references: the shipped ones first, then accepted crowd answers."""
    crowd: dict[str, list[dict]] = {}
    for c in sorted(accepted, key=lambda c: (-c["score"], c["id"])):
        crowd.setdefault(c["prompt_id"], []).append(c)
    rows = []
    for p in prompts:
        if p.id not in heldout:
            continue
        refs = list(dict.fromkeys([*p.references, *(c["answer"] for c in crowd.get(p.id, []))]))
        rows.append(
            {
                "prompt_id": p.id,
                "prompt": model_input(p.prompt, p.context),
                "references": refs,
                "category": p.category,
                "lang": p.lang,
            }
        )
    return rows


def _candidates(prompts, answers, decisions, qc, votes) -> tuple[list[dict], int]:
    """Every answer (latest round) as a row with provenance; and how many have no QC result."""
    by_id = {p.id: p for p in prompts}
    if len(by_id) != len(prompts):
        raise ValueError("prompts contain a duplicate id; prompt ids must be unique")
    ans = _index_answers(answers, by_id)
    dec = latest_by(decisions, "assignment_id")
    _check_decisions(dec, ans)
    qcs = latest_by(qc, "assignment_id")
    n_votes = _vote_counts(votes)
    cands = [
        _candidate(a, by_id[a.task_id], dec.get(k), qcs.get(k), n_votes) for k, a in ans.items()
    ]
    return cands, sum(k not in qcs for k in ans)


def _first_filters(cands: list[dict], accepted: list[dict], train_pool: list[dict]) -> list[dict]:
    """The filter table's first steps: collected, not accepted, held out."""
    return [
        filter_record("collected", len(cands), len(cands), "Part I answers, all rounds"),
        filter_record(
            "not_accepted",
            len(cands),
            len(accepted),
            "rejected by quality control or validators, or undecided",
            reasons=_not_accepted_reasons(cands),
        ),
        filter_record(
            "heldout_prompts",
            len(accepted),
            len(train_pool),
            "prompt is held out: its answers become references",
        ),
    ]


def _train_row(c: dict) -> dict:
    return {k: c[k] for k in TRAIN_COLUMNS}


def build_dataset(
    prompts: list[Prompt],
    answers: list[Assignment],
    decisions: list[Decision],
    qc: list[QCResult],
    cfg: DatasetConfig,
    seed: int = 0,
    votes: list[Assignment] | None = None,
) -> CuratedDataset:
    """Curate accepted answers into train / held-out / preference splits.

    Args:
        prompts: every prompt of the run (ids must be unique).
        answers: Part I answers of every round (the latest round of an id wins).
        decisions: the verdicts; an answer without one counts as undecided.
        qc: the quality rules' results (language check columns).
        cfg: the ``dataset`` section (held-out share, dedup threshold, filters).
        seed: the split's seed.
        votes: Part II votes; when given they supply the per-row vote count,
            otherwise each decision's ``votes`` is used.

    Returns:
        The splits, the filter table (what each step removed) and summary numbers.

    Raises:
        ValueError: duplicate prompt ids, a vote among the answers, an answer
            for an unknown prompt, or a decision naming an unknown answer.
    """
    cands, without_qc = _candidates(prompts, answers, decisions, qc, votes)
    accepted = [c for c in cands if c["verdict"] == "accept"]
    has_ref = {p.id for p in prompts if p.references} | {c["prompt_id"] for c in accepted}
    split = split_prompts(
        prompts, {pid: True for pid in has_ref}, cfg.heldout_fraction, cfg.dedup_threshold, seed
    )
    train_pool = [c for c in accepted if c["prompt_id"] in split.train]
    train, steps = select_for_training(train_pool, cfg)
    pairs, pair_stats = preference_pairs([c for c in cands if c["prompt_id"] in split.train])
    ds = CuratedDataset(
        train=[_train_row(c) for c in train],
        heldout=_heldout_rows(prompts, split.heldout, accepted),
        preference=pairs,
        filters=_first_filters(cands, accepted, train_pool) + steps,
    )
    ds.stats = _stats(prompts, cands, split, ds, pair_stats, seed, cfg)
    ds.stats["answers_without_qc"] = without_qc
    logger.info(
        "dataset: %d train rows, %d held-out prompts, %d preference pairs",
        len(ds.train),
        len(ds.heldout),
        len(ds.preference),
    )
    return ds


def _stats(
    prompts, cands, split, ds: CuratedDataset, pair_stats: dict, seed: int, cfg: DatasetConfig
) -> dict:
    verdicts = Counter(c["verdict"] for c in cands)
    clusters = Counter(split.cluster_of.values())
    return {
        "seed": seed,
        "config": {k: getattr(cfg, k) for k in cfg.__dataclass_fields__},
        "prompts": len(prompts),
        "answers": len(cands),
        "accepted": verdicts["accept"],
        "rejected": verdicts["reject"],
        "undecided": verdicts["undecided"],
        "train_rows": len(ds.train),
        "train_prompts": len({r["prompt_id"] for r in ds.train}),
        "heldout_prompts": len(ds.heldout),
        "heldout_references": sum(len(r["references"]) for r in ds.heldout),
        "prompts_unused": len(prompts) - len(split.train) - len(split.heldout),
        "near_duplicate_prompt_pairs": len(split.near_duplicate_pairs),
        "near_duplicate_prompt_clusters": sum(n > 1 for n in clusters.values()),
        "train_by_category": dict(sorted(Counter(r["category"] for r in ds.train).items())),
        "heldout_by_category": dict(sorted(Counter(r["category"] for r in ds.heldout).items())),
        "authors": len({r["author"] for r in ds.train}),
        "preference": pair_stats,
    }
