"""A generated data card (Markdown): what is in the dataset, what it cost, and what to beware of.

Written from the records themselves, never by hand, so the numbers in the card
are the numbers in the files. Sections follow the usual dataset-card questions
(Gebru et al., "Datasheets for Datasets"): composition, collection and
acceptance, cost and pay, language, license, known biases, provenance fields.

Taught in notebooks/03_answer_validation.
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from pathlib import Path
from typing import Any

from ..records import CATEGORIES, Assignment, Decision, Prompt, QCResult
from ..rundir import utc_now
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


def _cell(value: Any) -> str:
    if isinstance(value, float):
        value = f"{value:.4g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines + [""]


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def _as_dict(cost: Any) -> dict | None:
    if cost is None or isinstance(cost, dict):
        return cost
    if dataclasses.is_dataclass(cost):
        return dataclasses.asdict(cost)
    return dict(vars(cost))


def _summary(ds: CuratedDataset, prompts, answers, decisions) -> list[str]:
    accepted = sum(d.verdict == "accept" for d in decisions)
    refs = sum(len(r["references"]) for r in ds.heldout)
    rows = [
        ["prompts", len(prompts)],
        ["answers collected (all rounds)", len(answers)],
        ["answers accepted", f"{accepted} ({_pct(accepted, len(answers))})"],
        ["training rows (after selection)", len(ds.train)],
        ["held-out prompts (references)", f"{len(ds.heldout)} ({refs})"],
        ["preference pairs (DPO)", len(ds.preference)],
        ["distinct authors of training rows", len({r["author"] for r in ds.train})],
    ]
    return ["## Summary", "", *_table(["what", "count"], rows)]


def _categories(ds: CuratedDataset, prompts: list[Prompt]) -> list[str]:
    n_prompts = Counter(p.category for p in prompts)
    n_train = Counter(r["category"] for r in ds.train)
    n_held = Counter(r["category"] for r in ds.heldout)
    cats = [c for c in CATEGORIES if n_prompts[c] or n_train[c]] + sorted(
        set(n_prompts) - set(CATEGORIES)
    )
    rows = [[c, n_prompts[c], n_train[c], n_held[c]] for c in cats]
    return [
        "## Categories",
        "",
        *_table(["category", "prompts", "train rows", "held-out prompts"], rows),
    ]


def _acceptance(
    answers: list[Assignment], decisions: list[Decision], qc: list[QCResult]
) -> list[str]:
    n = len(answers)
    verdicts = Counter(d.verdict for d in decisions)
    undecided = max(n - len({d.answer_id for d in decisions}), 0)
    lines = [
        "## Acceptance",
        "",
        *_table(
            ["verdict", "answers", "rate"],
            [
                ["accept", verdicts["accept"], _pct(verdicts["accept"], n)],
                ["reject", verdicts["reject"], _pct(verdicts["reject"], n)],
                ["no decision", undecided, _pct(undecided, n)],
            ],
        ),
    ]
    reasons = Counter(
        r for d in decisions if d.verdict == "reject" for r in (d.reasons or ["low_helpfulness"])
    )
    lines += ["Rejections by reason (an answer can have several):", ""]
    lines += _table(
        ["reason", "answers", "share of all answers"],
        [[r, k, _pct(k, n)] for r, k in reasons.most_common()],
    )
    flags = Counter(r for q in qc for r in q.reasons)
    lines += [
        "Quality-control flags before validation (kept with their reasons, never deleted):",
        "",
    ]
    lines += _table(
        ["reason", "answers flagged", "share of checked answers"],
        [[r, k, _pct(k, len(qc))] for r, k in flags.most_common()] or [["none", 0, "0.0%"]],
    )
    return lines


def _filters(ds: CuratedDataset) -> list[str]:
    rows = [[f["step"], f["removed"], f["remaining"], f.get("detail", "")] for f in ds.filters]
    return [
        "## Curation filters",
        "",
        "From collected answers to training rows; each step's cost:",
        "",
        *_table(["step", "removed", "remaining", "detail"], rows),
    ]


def _cost(cost: dict | None, accepted: int, n_train: int) -> list[str]:
    lines = ["## Cost and pay", ""]
    if not cost:
        return lines + ["Cost was not recorded for this build.", ""]
    lines += _table(["item", "value"], [[k, v] for k, v in cost.items()])
    total = cost.get("total_usd", cost.get("total"))
    if isinstance(total, (int, float)):
        lines += [
            f"- Cost per accepted answer: {_cell(total / accepted) if accepted else 'n/a'} USD",
            f"- Cost per training row: {_cell(total / n_train) if n_train else 'n/a'} USD",
        ]
    hourly = cost.get("effective_hourly_pay_usd", cost.get("effective_hourly_pay"))
    target = cost.get("target_hourly_pay_usd", cost.get("hourly_pay_usd"))
    lines.append(
        f"- Pay per hour: {_cell(hourly) if hourly is not None else 'not measured'} USD"
        + (f" (target {_cell(target)} USD)" if target is not None else "")
    )
    return lines + [""]


def _language(ds: CuratedDataset, prompts: list[Prompt], lang: str) -> list[str]:
    name = LANGUAGE_NAMES.get(lang, lang)
    ok = sum(r["lang_check"] == lang for r in ds.train)
    conf = [r["lang_confidence"] for r in ds.train if r["lang_check"]]
    origin = Counter(p.translation_origin for p in prompts)
    mean = f"{sum(conf) / len(conf):.3f}" if conf else "n/a"
    return [
        "## Language",
        "",
        f"- Language: {name} (`{lang}`)",
        (
            f"- Training rows detected as `{lang}` by quality control: {ok} of {len(ds.train)} "
            f"({_pct(ok, len(ds.train))}); mean detector confidence {mean}"
        ),
        (
            f"- Prompt origin: {origin['human']} human-translated, {origin['source']} written in "
            f"the language, {origin['machine']} machine-translated"
        ),
        "",
    ]


def _biases(ds: CuratedDataset, prompts: list[Prompt], answers: list[Assignment]) -> list[str]:
    authors = Counter(r["author"] for r in ds.train)
    top = sorted(authors.values(), reverse=True)[: max(1, len(authors) // 10)]
    lines = [
        "## Known biases and limitations",
        "",
        (
            f"- Who annotates: {len(authors)} pseudonymous workers wrote the training rows; the "
            f"top 10% of them wrote {_pct(sum(top), len(ds.train))} of the rows. Crowd workers are "
            "not a random sample of speakers (region, dialect, age, education and internet access "
            "skew who can take part); Sheng and coastal or rural varieties may be "
            "under-represented."
        ),
        "- Validators judged helpfulness, not factual truth: accepted answers can still be wrong.",
    ]
    simulated = sum(a.backend == "simulated" for a in answers)
    if simulated:
        lines.append(
            f"- SIMULATED CROWD: {simulated} of {len(answers)} answers were produced by the "
            "kit's simulated workers, not people. Use this build to learn the pipeline, "
            "not as a Swahili dataset."
        )
    machine = [p for p in prompts if p.translation_origin == "machine"]
    if machine:
        models = sorted({p.translation_model for p in machine if p.translation_model})
        lines.append(
            f"- Machine-translated prompts: {len(machine)} of {len(prompts)} "
            f"({', '.join(models) or 'model not recorded'}); translationese may carry "
            "into answers."
        )
    cats = Counter(r["category"] for r in ds.train)
    if cats:
        lines.append(
            f"- Category balance: largest category {max(cats.values())} rows, smallest "
            f"{min(cats.values())} rows."
        )
    return lines + [""]


def _groups(decisions: list[Decision], groups: dict[str, str] | None, simulated: bool) -> list[str]:
    """Acceptance by the writer's region, with intervals and the honest limits of the check."""
    if not groups:
        return []
    from ..quality.groups import acceptance_by_group, largest_gap

    rows = acceptance_by_group(decisions, groups)
    lines = [
        "## Acceptance by annotator group (writer's region)",
        "",
        *_table(
            ["group", "answers", "accepted", "rejected", "acceptance", "95% interval"],
            [
                [
                    r["group"],
                    r["answers"],
                    r["accepted"],
                    r["rejected"],
                    r["acceptance"],
                    f"{r['ci_low']}-{r['ci_high']}",
                ]
                for r in rows
            ],
        ),
        "",
    ]
    gap = largest_gap(rows)
    if gap:
        verdict = (
            "the intervals overlap: no evidence of a difference at this size"
            if gap["intervals_overlap"]
            else "the intervals do not overlap: look closer"
        )
        lines += [
            f"- Largest gap: {gap['highest']} vs {gap['lowest']}, {gap['gap']:.3f}; {verdict}."
        ]
    if simulated:
        lines += [
            (
                "- Limits: simulated workers' regions are drawn independently of their skill, "
                "so any gap here is chance. A real crowd can differ; this check does not find "
                "bias against answers *about* a region, nor bias in which prompts were chosen."
            )
        ]
    return lines + [""]


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
    """Write the Markdown data card for a curated dataset and return its path.

    ``groups`` (worker id -> region or dialect) adds acceptance by annotator group.
    """
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Later rounds supersede earlier records of the same answer, as in build_dataset.
    answers = list(latest_by(answers, "assignment_id").values())
    decisions = list(latest_by(decisions, "answer_id").values())
    qc = list(latest_by(qc, "answer_id").values())
    name = LANGUAGE_NAMES.get(lang, lang)
    lines = [
        f"# Data card: crowd-sourced {name} instruction data",
        "",
        f"Generated by tutorial-lib on {utc_now()} (seed {ds.stats.get('seed', 'n/a')}).",
        "",
    ]
    lines += _summary(ds, prompts, answers, decisions)
    lines += _categories(ds, prompts)
    lines += _acceptance(answers, decisions, qc)
    lines += _filters(ds)
    lines += _cost(_as_dict(cost), sum(d.verdict == "accept" for d in decisions), len(ds.train))
    lines += _language(ds, prompts, lang)
    lines += [
        "## License",
        "",
        (f"{license}. Prompts keep the license of their source; worker ids are pseudonymised."),
        "",
    ]
    lines += _biases(ds, prompts, answers)
    lines += _groups(decisions, groups, simulated=any(a.backend == "simulated" for a in answers))
    lines += [
        "## Provenance fields (train rows)",
        "",
        *_table(["field", "meaning"], [[k, v] for k, v in PROVENANCE.items()]),
    ]
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    os.replace(tmp, out)
    return out
