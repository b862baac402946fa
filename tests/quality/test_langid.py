"""Language ID on short answers: target wins on its language, others and junk do not."""

import pytest

from tutorial_lib.quality.langid import LanguageChecker, to_language


@pytest.fixture(scope="module")
def checker():
    return LanguageChecker("sw")


@pytest.mark.parametrize(
    "text",
    [
        "Mji mkuu wa Kenya ni Nairobi.",
        "Wakulima hupanda mahindi wakati wa mvua za masika.",
        "Niaje msee, uko poa?",  # Sheng
        "Kesho nina meeting na boss wangu saa tatu.",  # Swahili-matrix code-mixing
    ],
)
def test_swahili_and_sheng_are_target(checker, text):
    guess = checker.guess(text)
    assert guess.lang == "sw" and guess.target_confidence > 0.5


@pytest.mark.parametrize(
    "text,lang",
    [
        ("The capital city of Kenya is Nairobi.", "en"),
        ("La capitale du Kenya est Nairobi, une grande ville.", "fr"),
    ],
)
def test_other_languages_are_not_target(checker, text, lang):
    guess = checker.guess(text)
    assert guess.lang == lang
    assert guess.target_confidence < 0.5


def test_text_without_letters_is_undetermined(checker):
    assert checker.guess("12345 !!!").lang == "und"
    assert checker.guess("").target_confidence == 0.0


def test_target_is_an_argument_not_hard_coded():
    yoruba = LanguageChecker("yo", candidates=("en",))
    assert yoruba.candidates == ("yo", "en")
    assert yoruba.guess("The capital city of Kenya is Nairobi.").lang == "en"


def test_unknown_language_code_is_a_clear_error():
    with pytest.raises(ValueError, match="'xx' is not supported"):
        to_language("xx")
