"""The data card states the numbers computed from its inputs, cost and pay, language and caveats."""

from __future__ import annotations

from collections import Counter

from escaping import CROWD, MARKDOWN, assert_escaped
from huggingface_hub import DatasetCard

from tutorial_lib.config import DatasetConfig
from tutorial_lib.dataset import build_dataset, write_data_card
from tutorial_lib.records import Prompt

COST = {
    "worker_pay_usd": 123.45,
    "platform_fee_usd": 37.04,
    "total_usd": 160.49,
    "target_hourly_pay_usd": 12.0,
    "effective_hourly_pay_usd": 13.7,
}


def _card(world, tmp_path, prompts=None, cost=COST):
    prompts = prompts or world.prompts
    ds = build_dataset(
        prompts, world.answers, world.decisions, world.qc, DatasetConfig(), votes=world.votes
    )
    path = write_data_card(
        ds,
        tmp_path / "card" / "data_card.md",
        prompts=prompts,
        answers=world.answers,
        decisions=world.decisions,
        qc=world.qc,
        cost=cost,
    )
    return ds, path.read_text(encoding="utf-8")


def test_counts_and_rates_from_inputs(world, tmp_path):
    ds, text = _card(world, tmp_path)
    n = len(world.answers)
    accepted = sum(d.verdict == "accept" for d in world.decisions)
    assert f"| answers collected (all rounds) | {n} |" in text
    assert f"| answers accepted | {accepted} ({100 * accepted / n:.1f}%) |" in text
    assert f"| training rows (after selection) | {len(ds.train)} |" in text
    reasons = Counter(r for d in world.decisions if d.verdict == "reject" for r in d.reasons)
    for reason, k in reasons.items():
        assert f"| {reason} | {k} | {100 * k / n:.1f}% |" in text
    flagged = sum("wrong_language" in q.reasons for q in world.qc)
    assert f"| wrong_language | {flagged} | {100 * flagged / len(world.qc):.1f}% |" in text
    assert f"| no decision | 1 | {100 / n:.1f}% |" in text
    for cat, k in Counter(r["category"] for r in ds.train).items():
        line = next(ln for ln in text.splitlines() if ln.startswith(f"| {cat} |"))
        assert line.split("|")[3].strip() == str(k)
    for f in ds.filters:
        assert f"| {f['step']} | {f['removed']} | {f['remaining']} |" in text


def test_cost_pay_language_license_and_biases(world, tmp_path):
    ds, text = _card(world, tmp_path)
    accepted = sum(d.verdict == "accept" for d in world.decisions)
    assert "| total_usd | 160.5 |" in text
    assert f"Cost per accepted answer: {160.49 / accepted:.4g} USD" in text
    assert "Pay per hour: 13.7 USD (target 12 USD)" in text
    assert "Swahili (`sw`)" in text and "CC BY 4.0" in text
    sw = sum(r["lang_check"] == "sw" for r in ds.train)
    assert f"detected as `sw` by quality control: {sw} of {len(ds.train)}" in text
    assert "SIMULATED CROWD" in text
    assert "Machine-translated prompts" not in text
    assert "| author |" in text and "pseudonymised" in text


def test_machine_translation_and_missing_cost_are_stated(world, tmp_path):
    prompts = [
        Prompt(
            id=p.id,
            category=p.category,
            prompt=p.prompt,
            references=p.references,
            translation_origin="machine" if i < 4 else "human",
            translation_model="facebook/nllb-200-distilled-600M" if i < 4 else "",
        )
        for i, p in enumerate(world.prompts)
    ]
    _, text = _card(world, tmp_path, prompts=prompts, cost=None)
    assert (
        f"Machine-translated prompts: 4 of {len(prompts)} (facebook/nllb-200-distilled-600M)"
        in text
    )
    assert "4 machine-translated" in text
    assert "Cost was not recorded" in text


def test_crowd_text_is_escaped_and_the_header_is_hub_ready(world, tmp_path):
    ds = build_dataset(
        world.prompts, world.answers, world.decisions, world.qc, DatasetConfig(), votes=world.votes
    )
    text = write_data_card(
        ds,
        tmp_path / "data_card.md",
        prompts=world.prompts,
        answers=world.answers,
        decisions=world.decisions,
        qc=world.qc,
        cost=None,
        groups={a.worker_id: CROWD for a in world.answers},
    ).read_text(encoding="utf-8")
    assert_escaped(text, MARKDOWN)
    card = DatasetCard(text)
    assert card.data.language == ["sw"] and card.data.license == "cc-by-4.0"
    assert card.data.task_categories == ["text-generation"]
    assert card.data.size_categories == ["n<1K"]
    assert {c["config_name"] for c in card.data.configs} == {"default", "heldout", "preference"}
    assert card.text.lstrip().startswith("# Data card: crowd-sourced Swahili")
