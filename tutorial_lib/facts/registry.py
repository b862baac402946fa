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
        """``claim (source_url, retrieved DATE)``: the one-line form a slide footnote uses."""
        return f"{self.claim} ({self.source_url}, retrieved {self.retrieved})"


def check_entry(entry: dict) -> Fact:
    """Validate one raw entry and return it as a ``Fact``.

    Raises:
        FactError: when the id, claim, source URL or ISO retrieval date is missing.
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
    """Every fact (optionally one category), in registry order."""
    return [f for f in _load().values() if category is None or f.category == category]


def get(fact_id: str) -> Fact:
    """The fact with this id.

    Raises:
        FactError: naming the unknown id and a few close ones.
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

    Taught in notebooks/01_crowdsourcing_basics.
    """
    return get(fact_id).value


def cite(fact_id: str) -> str:
    """The claim with its source and retrieval date, for a sentence under a chart.

    Taught in notebooks/01_crowdsourcing_basics.
    """
    return get(fact_id).cite()


def table(
    category: str, columns: tuple[str, ...] = ("claim", "value", "unit", "source_url", "retrieved")
) -> list[dict]:
    """Rows of one category for ``widgets.show_table`` (benchmarks also carry model/task).

    Taught in notebooks/04_instruction_finetuning.
    """
    rows = []
    for fact in all_facts(category):
        row = {**fact.extra, **{c: getattr(fact, c) for c in columns}}
        rows.append(row)
    return rows


def benchmark_matrix(lang: str = "sw") -> dict[str, dict[str, float]]:
    """Published accuracy (0-1) per model and task from the registry's benchmark facts."""
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for fact in all_facts("benchmarks"):
        if "task" in fact.extra and fact.id.endswith(f"_{lang}"):
            out[f"{fact.extra['model']} ({fact.extra['params']})"][fact.extra["task"]] = (
                float(fact.value) / 100
            )
    return dict(out)


def published_references(model: str, lang: str = "sw") -> list[dict]:
    """One model's published results in the form ``evaluate.plots.plot_accuracy`` draws."""
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
    """One line per distinct source, ``URL (retrieved DATE): ids``, sorted by category."""
    by_url: dict[str, list[Fact]] = {}
    for fact in facts if facts is not None else all_facts():
        by_url.setdefault(fact.source_url, []).append(fact)
    return [
        f"{url} (retrieved {fs[0].retrieved}): {', '.join(f.id for f in fs)}"
        for url, fs in by_url.items()
    ]


def format_references() -> str:
    """The human-readable list ``tutorial-lib facts`` prints, grouped by category."""
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
    """All facts as a JSON list (``tutorial-lib facts --json``)."""
    rows = []
    for fact in all_facts():
        row = asdict(fact)
        row.update(row.pop("extra"))
        rows.append(row)
    return json.dumps(rows, indent=2, ensure_ascii=False)
