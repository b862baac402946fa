"""A generated data card: what is in the dataset, what it cost, and what to beware of.

Written from the records themselves, never by hand, so the numbers in the card
are the numbers in the files. The card is a ``huggingface_hub.DatasetCard``: a
YAML header the Hub reads (language, license, size, task, data files) from
``DatasetCardData``, then a Markdown body from ``templates/data_card.md.j2``.
Sections follow the usual dataset-card questions (Gebru et al., "Datasheets for
Datasets"): composition, collection and acceptance, cost and pay, language,
license, known biases, provenance fields.

Taught in notebooks/03_answer_validation.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

from huggingface_hub import DatasetCard, DatasetCardData

from ..provenance import utc_now
from ..records import CATEGORIES, Assignment, Decision, Prompt, QCResult
from .curate import CuratedDataset, latest_by

LANGUAGE_NAMES = {
    "sw": "Swahili",
    "en": "English",
    "yo": "Yoruba",
    "ha": "Hausa",
    "so": "Somali",
    "am": "Amharic",
    "zu": "Zulu",
    "ig": "Igbo",
    "rw": "Kinyarwanda",
    "lg": "Luganda",
}
PROVENANCE = {
    "id": "the crowd assignment that wrote the answer",
    "prompt_id": "the prompt answered (splits never share a prompt or a near-duplicate of one)",
    "prompt": "model input: instruction, then context after a blank line",
    "answer": "the worker's answer (NFC-normalised, otherwise as written)",
    "score": "aggregated helpfulness from validators' votes (0-1)",
    "confidence": "the aggregation's confidence in the verdict (0-1)",
    "votes": "number of validation votes cast on the answer",
    "lang_check": "language detected by quality control",
    "lang_confidence": "the detector's confidence",
    "author": "pseudonymised worker id (not reversible to a platform account)",
    "round": "collection round (0 = first; later rounds re-collect rejected prompts)",
    "source": "crowd backend that collected the answer",
}


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def _as_dict(cost: Any) -> dict | None:
    if cost is None or isinstance(cost, dict):
        return cost
    if dataclasses.is_dataclass(cost):
        return dataclasses.asdict(cost)
    return dict(vars(cost))


def _summary(ds: CuratedDataset, prompts, answers, decisions) -> list[list]:
    accepted = sum(d.verdict == "accept" for d in decisions)
    refs = sum(len(r["references"]) for r in ds.heldout)
    return [
        ["prompts", len(prompts)],
        ["answers collected (all rounds)", len(answers)],
        ["answers accepted", f"{accepted} ({_pct(accepted, len(answers))})"],
        ["training rows (after selection)", len(ds.train)],
        ["held-out prompts (references)", f"{len(ds.heldout)} ({refs})"],
        ["preference pairs (DPO)", len(ds.preference)],
        ["distinct authors of training rows", len({r["author"] for r in ds.train})],
    ]


def _categories(ds: CuratedDataset, prompts: list[Prompt]) -> list[list]:
    n_prompts = Counter(p.category for p in prompts)
    n_train = Counter(r["category"] for r in ds.train)
    n_held = Counter(r["category"] for r in ds.heldout)
    cats = [c for c in CATEGORIES if n_prompts[c] or n_train[c]] + sorted(
        set(n_prompts) - set(CATEGORIES)
    )
    return [[c, n_prompts[c], n_train[c], n_held[c]] for c in cats]


def _acceptance(answers: list[Assignment], decisions: list[Decision], qc: list[QCResult]) -> dict:
    n = len(answers)
    verdicts = Counter(d.verdict for d in decisions)
    undecided = max(n - len({d.assignment_id for d in decisions}), 0)
    reasons = Counter(
        r for d in decisions if d.verdict == "reject" for r in (d.reasons or ["low_helpfulness"])
    )
    flags = Counter(r for q in qc for r in q.reasons)
    return {
        "verdicts": [
            ["accept", verdicts["accept"], _pct(verdicts["accept"], n)],
            ["reject", verdicts["reject"], _pct(verdicts["reject"], n)],
            ["no decision", undecided, _pct(undecided, n)],
        ],
        "reasons": [[r, k, _pct(k, n)] for r, k in reasons.most_common()],
        "flags": [[r, k, _pct(k, len(qc))] for r, k in flags.most_common()]
        or [["none", 0, "0.0%"]],
    }


def _cost(cost: dict | None, accepted: int, n_train: int) -> dict | None:
    if not cost:
        return None
    total = cost.get("total_usd", cost.get("total"))
    known = isinstance(total, (int, float))
    hourly = cost.get("effective_hourly_pay_usd", cost.get("effective_hourly_pay"))
    return {
        "rows": [[k, v] for k, v in cost.items()],
        "per_accepted": (total / accepted if accepted else "n/a") if known else None,
        "per_train_row": (total / n_train if n_train else "n/a") if known else None,
        "hourly": hourly if hourly is not None else "not measured",
        "target": cost.get("target_hourly_pay_usd", cost.get("hourly_pay_usd")),
    }


def _language(ds: CuratedDataset, prompts: list[Prompt], lang: str) -> dict:
    ok = sum(r["lang_check"] == lang for r in ds.train)
    conf = [r["lang_confidence"] for r in ds.train if r["lang_check"]]
    return {
        "name": LANGUAGE_NAMES.get(lang, lang),
        "code": lang,
        "detected": ok,
        "train_rows": len(ds.train),
        "detected_share": _pct(ok, len(ds.train)),
        "mean_confidence": f"{sum(conf) / len(conf):.3f}" if conf else "n/a",
        "origin": Counter(p.translation_origin for p in prompts),
    }


def _biases(ds: CuratedDataset, prompts: list[Prompt], answers: list[Assignment]) -> dict:
    authors = Counter(r["author"] for r in ds.train)
    top = sorted(authors.values(), reverse=True)[: max(1, len(authors) // 10)]
    machine = [p for p in prompts if p.translation_origin == "machine"]
    cats = Counter(r["category"] for r in ds.train)
    return {
        "authors": len(authors),
        "top_share": _pct(sum(top), len(ds.train)),
        "simulated": sum(a.backend == "simulated" for a in answers),
        "answers": len(answers),
        "machine": len(machine),
        "prompts": len(prompts),
        "machine_models": ", ".join(
            sorted({p.translation_model for p in machine if p.translation_model})
        ),
        "largest_category": max(cats.values()) if cats else None,
        "smallest_category": min(cats.values()) if cats else None,
    }


def _groups(decisions: list[Decision], groups: dict[str, str] | None, simulated: bool):
    """Acceptance by the writer's region, with intervals and the honest limits of the check."""
    if not groups:
        return None
    from ..quality.groups import acceptance_by_group, largest_gap

    rows = acceptance_by_group(decisions, groups)
    columns = ("group", "answers", "accepted", "rejected", "acceptance")
    return {
        "rows": [[*(r[c] for c in columns), f"{r['ci_low']}-{r['ci_high']}"] for r in rows],
        "gap": largest_gap(rows),
        "simulated": simulated,
    }


def hub_license(license: str) -> str:
    """A license as written for people (``"CC BY 4.0"``) as the Hub's license id.

    Args:
        license: the license's name, or already a Hub id.

    Returns:
        The lower-case, hyphenated id the Hub's ``license:`` field expects.

    Examples:
        >>> hub_license("CC BY 4.0"), hub_license("CC BY-SA 4.0"), hub_license("apache-2.0")
        ('cc-by-4.0', 'cc-by-sa-4.0', 'apache-2.0')
    """
    return re.sub(r"[\s_]+", "-", license.strip().lower())


def size_category(n: int) -> str:
    """The Hub's ``size_categories`` bucket for ``n`` rows.

    Args:
        n: the number of training rows.

    Returns:
        One of the Hub's buckets (``"n<1K"``, ``"1K<n<10K"``, ...).

    Examples:
        >>> size_category(999), size_category(1000), size_category(25_000)
        ('n<1K', '1K<n<10K', '10K<n<100K')
    """
    for bound, label in ((10**3, "n<1K"), (10**4, "1K<n<10K"), (10**5, "10K<n<100K")):
        if n < bound:
            return label
    return "100K<n<1M" if n < 10**6 else "n>1M"


def card_data(lang: str, license: str, n_train: int) -> DatasetCardData:
    """The card's YAML header, as the Hub reads it (language, license, size, task, files).

    Args:
        lang: the data's language code.
        license: the license's name (see :func:`hub_license`).
        n_train: training rows, for ``size_categories``.

    Returns:
        The :class:`huggingface_hub.DatasetCardData` for the card's header.
    """
    return DatasetCardData(
        language=[lang],
        license=hub_license(license),
        annotations_creators=["crowdsourced"],
        language_creators=["crowdsourced"],
        multilinguality=["monolingual"],
        size_categories=[size_category(n_train)],
        source_datasets=["original"],
        task_categories=["text-generation"],
        pretty_name=f"Crowd-sourced {LANGUAGE_NAMES.get(lang, lang)} instruction data",
        configs=[
            {"config_name": "default", "data_files": [{"split": "train", "path": "train.jsonl"}]},
            {"config_name": "heldout", "data_files": [{"split": "test", "path": "heldout.jsonl"}]},
            {
                "config_name": "preference",
                "data_files": [{"split": "train", "path": "preference.jsonl"}],
            },
        ],
    )


def write_data_card(
    ds: CuratedDataset,
    out_path: str | os.PathLike,
    *,
    prompts: list[Prompt],
    answers: list[Assignment],
    decisions: list[Decision],
    qc: list[QCResult],
    cost: dict | None,
    lang: str = "sw",
    license: str = "CC BY 4.0",
    groups: dict[str, str] | None = None,
) -> Path:
    """Write the data card (a Hub-ready ``README.md``: YAML header, then Markdown) and return its path.

    The header is :func:`card_data`'s; the body comes from ``templates/data_card.md.j2``
    with every table cell escaped by :func:`tutorial_lib.render.md_cell`.

    Args:
        ds: the curated dataset the card describes.
        out_path: where to write the card (written atomically).
        prompts: every prompt of the run.
        answers: every answer collected, all rounds.
        decisions: accept/reject verdicts.
        qc: quality-control results.
        cost: the crowd cost (``cost.json``'s dict, or a dataclass), or None when not recorded.
        lang: the data's language code.
        license: the data's license.
        groups: worker id -> region or dialect; adds acceptance by annotator group.

    Returns:
        The card's path.
    """
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Later rounds supersede earlier records of the same answer, as in build_dataset.
    answers = list(latest_by(answers, "assignment_id").values())
    decisions = list(latest_by(decisions, "assignment_id").values())
    qc = list(latest_by(qc, "assignment_id").values())
    body = _body(ds, prompts, answers, decisions, qc, _as_dict(cost), lang, license, groups)
    card = DatasetCard(f"---\n{card_data(lang, license, len(ds.train)).to_yaml()}\n---\n\n{body}")
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(str(card), encoding="utf-8")
    os.replace(tmp, out)
    return out


def _body(ds, prompts, answers, decisions, qc, cost, lang, license, groups) -> str:
    """The card's Markdown body, from ``templates/data_card.md.j2``."""
    from ..render import render

    return render(
        "data_card.md.j2",
        generated=utc_now(),
        seed=ds.stats.get("seed", "n/a"),
        summary=_summary(ds, prompts, answers, decisions),
        categories=_categories(ds, prompts),
        acceptance=_acceptance(answers, decisions, qc),
        filters=[
            [f["step"], f["removed"], f["remaining"], f.get("detail", "")] for f in ds.filters
        ],
        cost=_cost(cost, sum(d.verdict == "accept" for d in decisions), len(ds.train)),
        language=_language(ds, prompts, lang),
        license=license,
        biases=_biases(ds, prompts, answers),
        groups=_groups(decisions, groups, simulated=any(a.backend == "simulated" for a in answers)),
        provenance=[[k, v] for k, v in PROVENANCE.items()],
    )
