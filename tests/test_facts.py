"""Facts for notebook 01: the cited data share and the live tokenizer-fertility experiment."""

import pytest

from tutorial_lib import facts
from tutorial_lib.config import resolve_path
from tutorial_lib.data.prompts import load_prompts
from tutorial_lib.records import Prompt


@pytest.fixture(scope="module")
def seed_prompts():
    return load_prompts(resolve_path("data/prompts/seed_sw.jsonl"))


def test_language_share_is_the_cited_table():
    rows = {r["code"]: r for r in facts.language_share()}
    assert rows["sw"]["percent"] < rows["hi"]["percent"] < rows["en"]["percent"]
    # the published percentages are shares of the published word counts
    total = rows["en"]["words"] / (rows["en"]["percent"] / 100)
    assert rows["sw"]["words"] / total * 100 == pytest.approx(rows["sw"]["percent"], abs=5e-6)
    assert all("github.com/openai/gpt-3" in r["source"] for r in rows.values())
    with pytest.raises(KeyError, match="xx"):
        facts.language_share(["sw", "xx"])


class _SplitOnVowels:
    def tokenize(self, text):
        return [p for p in text.replace("a", "a|").split("|") if p]


def test_fertility_counts_tokens_per_word():
    assert facts.fertility(_SplitOnVowels(), ["banana split", "x"]) == pytest.approx(5 / 3)
    with pytest.raises(ValueError, match="at least one word"):
        facts.fertility(_SplitOnVowels(), ["   "])


def test_english_heavy_tokenizer_charges_swahili_more(seed_prompts):
    rows = facts.fertility_experiment(seed_prompts, shares=(0.03, 0.5), vocab_size=600, seed=0)
    heavy, balanced = rows
    assert heavy["sw_fertility"] > heavy["en_fertility"]
    assert heavy["premium"] > balanced["premium"]
    assert heavy["sw_fertility"] > balanced["sw_fertility"]
    fig = facts.plot_fertility(rows)
    assert len(fig.axes[0].patches) == 4


def test_experiment_refuses_too_few_pairs_and_bad_shares(seed_prompts):
    few = [
        Prompt(id=f"p{i}", category="open_qa", prompt="Habari?", prompt_en="Hello?")
        for i in range(3)
    ]
    with pytest.raises(ValueError, match="at least 10"):
        facts.fertility_experiment(few)
    with pytest.raises(ValueError, match="share"):
        facts.fertility_experiment(seed_prompts, shares=(1.0,))


def test_plots_have_one_mark_per_input():
    assert len(facts.plot_language_share().axes[0].patches) == len(facts.GPT3_WORDS)
    fig = facts.plot_reward_curve(hourly_rates=(5, 12), seconds=(30, 60, 90))
    assert [len(line.get_xdata()) for line in fig.axes[0].lines] == [3, 3]
    assert len(facts.plot_cost_by_overlap(n_prompts=10, overlaps=[1, 3]).axes[0].patches) == 4
