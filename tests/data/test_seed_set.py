"""The shipped Swahili seed set: balance, schema and language of every text."""

import re
from collections import Counter

import pytest

from tutorial_lib.data import SEED_PATH, load_prompts
from tutorial_lib.records import CATEGORIES

CONTEXT_CATEGORIES = {"closed_qa", "summarization", "information_extraction"}


@pytest.fixture(scope="module")
def seed():
    return load_prompts(SEED_PATH)


def test_seed_is_large_and_balanced(seed):
    counts = Counter(p.category for p in seed)
    assert len(seed) >= 150
    assert set(counts) == set(CATEGORIES)
    assert min(counts.values()) >= 18


def test_seed_rows_follow_the_documented_conventions(seed):
    for p in seed:
        assert re.fullmatch(rf"sw-{p.category}-\d{{3}}", p.id), p.id
        assert (p.lang, p.translation_origin, p.source) == ("sw", "human", "seed"), p.id
        assert p.prompt_en.strip(), p.id
        assert bool(p.context.strip()) == (p.category in CONTEXT_CATEGORIES), p.id
    assert len({p.prompt for p in seed}) == len(seed), "two prompts share the same text"


def test_every_seed_prompt_has_a_swahili_reference(seed):
    from lingua import Language, LanguageDetectorBuilder

    detector = LanguageDetectorBuilder.from_languages(Language.SWAHILI, Language.ENGLISH).build()
    not_swahili = []
    for p in seed:
        assert p.references and all(r.strip() for r in p.references), p.id
        for text in [p.prompt, p.context, *p.references]:
            if text and detector.detect_language_of(text) != Language.SWAHILI:
                not_swahili.append((p.id, text[:60]))
    assert not not_swahili
    english = sum(detector.detect_language_of(p.prompt_en) == Language.ENGLISH for p in seed)
    assert english >= 0.95 * len(seed)


def test_seed_references_are_answers_not_one_word_labels(seed):
    words = [len(r.split()) for p in seed for r in p.references]
    assert min(words) >= 5 and max(words) <= 90
    assert sorted(words)[len(words) // 2] >= 15
