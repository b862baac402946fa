"""One registry of sourced facts: look a number up by id, cite it, list the references.

Notebooks and slides never type a number about the world; they call ``value(id)`` or
``cite(id)`` so the figure, its source and its retrieval date travel together, and
``tutorial-lib facts`` prints the same list a References slide shows.

Examples:
    >>> from tutorial_lib.facts import registry
    >>> registry.value("gpt3_sw_word_share")
    0.0003
    >>> registry.get("hara_median_hourly_wage").category
    'crowdwork'
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from functools import cache

from ..errors import TutorialLibError
from ..resources import shipped_dir

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CATEGORY_TITLES = {
    "trends": "LLM trends and labour markets",
    "representation": "Languages in public training data",
    "swahili": "Swahili",
    "tokenizer": "Tokenizer premium",
    "benchmarks": "Published results in Swahili",
    "crowdwork": "Fair pay and crowd work",
}


class FactError(TutorialLibError, KeyError):
    """A fact id that is not in the registry, or an entry missing its source or date."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class Fact:
    """One sourced statement: what it claims, the number, and where and when it was read."""

    id: str
    category: str
    claim: str
    value: float | int | str
    unit: str
    source_url: str
    retrieved: str
    extra: dict = field(default_factory=dict)

    def cite(self) -> str:
        """``claim (source_url, retrieved DATE)``: the one-line form a slide footnote uses.

        Returns:
            The claim followed by its source and retrieval date in parentheses.
        """
        return f"{self.claim} ({self.source_url}, retrieved {self.retrieved})"


def check_entry(entry: dict) -> Fact:
    """Validate one raw entry and return it as a ``Fact``.

    A number without a source and a date cannot be checked by a reader, so the
    registry refuses it at load time rather than let a slide print it.

    Args:
        entry: one fact as expanded by :func:`expand_entries`; keys beyond the
            standard ones (a benchmark's ``model``, ``task``...) go to ``extra``.

    Returns:
        The validated, frozen :class:`Fact`.

    Raises:
        FactError: the id, category, claim, source URL or retrieval date is empty,
            the value is missing, the URL is not https, the date is not YYYY-MM-DD,
            or the category is unknown.

    Examples:
        >>> check_entry({"id": "x", "category": "swahili", "claim": "c", "value": 1,
        ...     "source_url": "http://a.example", "retrieved": "2026-11-30"})
        Traceback (most recent call last):
        ...
        tutorial_lib.facts.registry.FactError: fact x: source_url must be an https:// address, got 'http://a.example'
    """
    fid = entry.get("id") or "<no id>"
    for key in ("id", "category", "claim", "source_url", "retrieved"):
        if not str(entry.get(key, "")).strip():
            raise FactError(f"fact {fid}: {key} is empty; every fact needs a source and a date")
    if entry.get("value") is None:
        raise FactError(f"fact {fid}: value is missing")
    if not str(entry["source_url"]).startswith("https://"):
        raise FactError(
            f"fact {fid}: source_url must be an https:// address, got {entry['source_url']!r}"
        )
    if not _DATE.match(str(entry["retrieved"])):
        raise FactError(f"fact {fid}: retrieved must be YYYY-MM-DD, got {entry['retrieved']!r}")
    if entry["category"] not in CATEGORY_TITLES:
        raise FactError(
            f"fact {fid}: unknown category {entry['category']!r}; known: "
            f"{', '.join(CATEGORY_TITLES)}"
        )
    known = {"id", "category", "claim", "value", "unit", "source_url", "retrieved"}
    extra = {k: v for k, v in entry.items() if k not in known}
    return Fact(**{k: entry.get(k, "") for k in known}, extra=extra)


FACTS_FILE = "facts/facts.yaml"  # under data/: the sourced facts, one place
_TASK_NAMES = {"xcopa": "XCOPA", "xnli": "XNLI", "xstorycloze": "XStoryCloze"}


def _benchmark_entry(entry: dict) -> dict:
    """A model-card benchmark figure as a fact: its claim says where the number comes from."""
    bench = entry.pop("benchmark")
    claim = (
        f"{bench['model']} ({bench['params']}) scores {entry['value']}% accuracy on "
        f"{_TASK_NAMES[bench['task']]} in Swahili (validation split), as listed in the model "
        "card's evaluation results"
    )
    return {"category": "benchmarks", "claim": claim, "unit": "%", **entry, **bench}


def expand_entries(document: dict) -> list[dict]:
    """The facts file's entries with their source URLs, dates and benchmark claims filled in.

    Args:
        document: the parsed facts file (``retrieved``, ``sources``, ``facts``).

    Returns:
        One dict per fact, in the registry's field names.

    Raises:
        FactError: if a fact names a source the file does not list.

    Examples:
        >>> doc = {"retrieved": "2026-11-30", "sources": {"mt0": "https://huggingface.co/x"},
        ...        "facts": [{"id": "a", "benchmark": {"model": "mT0", "task": "xnli",
        ...                   "params": "1B"}, "value": 50, "source": "mt0"}]}
        >>> expand_entries(doc)[0]["claim"][:36]
        'mT0 (1B) scores 50% accuracy on XNLI'
    """
    out = []
    for raw in document["facts"]:
        entry = dict(raw)
        key = entry.pop("source", None)
        if key not in document["sources"]:
            raise FactError(f"fact {entry.get('id')}: unknown source {key!r} in {FACTS_FILE}")
        entry["source_url"] = document["sources"][key]
        entry.setdefault("retrieved", document["retrieved"])
        out.append(_benchmark_entry(entry) if "benchmark" in entry else entry)
    return out


@cache
def _load() -> dict[str, Fact]:
    import yaml

    path = shipped_dir("data") / FACTS_FILE
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    facts: dict[str, Fact] = {}
    for entry in expand_entries(document):
        fact = check_entry(entry)
        if fact.id in facts:
            raise FactError(f"fact id {fact.id} appears twice in {path}")
        facts[fact.id] = fact
    return facts


def all_facts(category: str | None = None) -> list[Fact]:
    """Every fact (optionally one category), in registry order.

    Args:
        category: one of :data:`CATEGORY_TITLES` (``"crowdwork"``...); None for all.
            An unknown category gives an empty list.

    Returns:
        The facts, in the order of ``data/facts/facts.yaml``.

    Examples:
        >>> [f.id for f in all_facts("swahili")][:2]
        ['sw_l1_speakers_high', 'sw_l2_speakers']
    """
    return [f for f in _load().values() if category is None or f.category == category]


def get(fact_id: str) -> Fact:
    """The fact with this id.

    Args:
        fact_id: a registry id, e.g. ``"gpt3_sw_word_share"``.

    Returns:
        The :class:`Fact` (claim, value, unit, source URL, retrieval date).

    Raises:
        FactError: naming the unknown id and a few close ones.

    Examples:
        >>> get("hara_median_hourly_wage").unit
        'USD/h'
    """
    try:
        return _load()[fact_id]
    except KeyError:
        near = [k for k in _load() if fact_id.split("_")[0] in k][:5]
        raise FactError(
            f"no fact {fact_id!r} in the registry"
            + (f"; similar ids: {', '.join(near)}" if near else "")
        ) from None


def value(fact_id: str):
    """The number behind ``fact_id`` (what a notebook prints or plots).

    Args:
        fact_id: a registry id.

    Returns:
        The fact's value as recorded (a number, or text for a few facts); its
        unit is ``get(fact_id).unit``.

    Raises:
        FactError: through :func:`get`, for an unknown id.

    Taught in notebooks/01_crowdsourcing_basics.
    """
    return get(fact_id).value


def cite(fact_id: str) -> str:
    """The claim with its source and retrieval date, for a sentence under a chart.

    Args:
        fact_id: a registry id.

    Returns:
        ``claim (source_url, retrieved DATE)`` (see :meth:`Fact.cite`).

    Raises:
        FactError: through :func:`get`, for an unknown id.

    Examples:
        >>> cite("hara_median_hourly_wage")[:60]
        'Workers on Amazon Mechanical Turk earned a median hourly wag'

    Taught in notebooks/01_crowdsourcing_basics.
    """
    return get(fact_id).cite()


def table(
    category: str, columns: tuple[str, ...] = ("claim", "value", "unit", "source_url", "retrieved")
) -> list[dict]:
    """Rows of one category for ``widgets.show_table`` (benchmarks also carry model/task).

    Args:
        category: one of :data:`CATEGORY_TITLES`.
        columns: the :class:`Fact` fields to show, in order; they follow a fact's
            extra fields (a benchmark's ``model``, ``params``, ``task``).

    Returns:
        One dict per fact of the category, in registry order.

    Examples:
        >>> sorted(table("benchmarks")[0])[:4]
        ['claim', 'model', 'params', 'retrieved']

    Taught in notebooks/04_instruction_finetuning.
    """
    rows = []
    for fact in all_facts(category):
        row = {**fact.extra, **{c: getattr(fact, c) for c in columns}}
        rows.append(row)
    return rows


def benchmark_matrix(lang: str = "sw") -> dict[str, dict[str, float]]:
    """Published accuracy (0-1) per model and task from the registry's benchmark facts.

    Args:
        lang: the language code the fact ids end with (``sw`` -> ``..._sw``).

    Returns:
        ``{"MODEL (PARAMS)": {task: accuracy}}``, the shape
        :func:`~tutorial_lib.facts.figures.plot_published_results` draws.

    Examples:
        >>> benchmark_matrix("sw")["mT0-xxl-mt (13B)"]["xcopa"]
        0.81
    """
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for fact in all_facts("benchmarks"):
        if "task" in fact.extra and fact.id.endswith(f"_{lang}"):
            out[f"{fact.extra['model']} ({fact.extra['params']})"][fact.extra["task"]] = (
                float(fact.value) / 100
            )
    return dict(out)


def published_references(model: str, lang: str = "sw") -> list[dict]:
    """One model's published results in the form ``evaluate.plots.plot_accuracy`` draws.

    They are drawn beside a run's own scores, so a reader compares a small
    fine-tuned model with a large published one on the same tasks.

    Args:
        model: the model name as the registry records it (``"mT0-xxl-mt"``).
        lang: the language code the fact ids end with.

    Returns:
        One row per task: ``{"model", "task", "lang", "accuracy" (0-1), "source"}``;
        empty when the registry has no result for ``model``.
    """
    return [
        {
            "model": f"{fact.extra['model']} ({fact.extra['params']}, published)",
            "task": fact.extra["task"],
            "lang": lang,
            "accuracy": float(fact.value) / 100,
            "source": fact.source_url,
        }
        for fact in all_facts("benchmarks")
        if fact.extra.get("model") == model and fact.id.endswith(f"_{lang}")
    ]


def references(facts: list[Fact] | None = None) -> list[str]:
    """One line per distinct source, ``URL (retrieved DATE): ids``, for a references list.

    Args:
        facts: the facts to cite; None for the whole registry.

    Returns:
        One line per source URL, in the order the facts first cite it, naming
        the ids that rely on it.
    """
    by_url: dict[str, list[Fact]] = {}
    for fact in facts if facts is not None else all_facts():
        by_url.setdefault(fact.source_url, []).append(fact)
    return [
        f"{url} (retrieved {fs[0].retrieved}): {', '.join(f.id for f in fs)}"
        for url, fs in by_url.items()
    ]


def format_references() -> str:
    """The human-readable list ``tutorial-lib facts`` prints, grouped by category.

    Returns:
        Markdown text: a ``## Title (N facts)`` heading per category, then each
        fact's id, claim, value and unit, and its source URL and retrieval date.
    """
    lines = []
    for category, title in CATEGORY_TITLES.items():
        facts = all_facts(category)
        if not facts:
            continue
        lines.append(f"## {title} ({len(facts)} facts)")
        for fact in facts:
            lines.append(f"- [{fact.id}] {fact.claim}: {fact.value} {fact.unit}".rstrip())
            lines.append(f"  {fact.source_url} (retrieved {fact.retrieved})")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def to_json() -> str:
    """All facts as a JSON list (``tutorial-lib facts --json``).

    Returns:
        Indented JSON: one object per fact with the :class:`Fact` fields and its
        extra fields flattened in (non-ASCII kept).
    """
    rows = []
    for fact in all_facts():
        row = asdict(fact)
        row.update(row.pop("extra"))
        rows.append(row)
    return json.dumps(rows, indent=2, ensure_ascii=False)
