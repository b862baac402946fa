"""Every language's prompt equals the harness's own function or YAML template (lm-eval 0.4.13)."""

import ast
import importlib.util
from pathlib import Path

import pytest
import yaml

from tutorial_lib.evaluate import templates as T

lm_eval = pytest.importorskip("lm_eval")
from lm_eval.utils import apply_template

TASKS_DIR = Path(lm_eval.__file__).parent / "tasks"
COPA_DOCS = [
    {
        "premise": "Kifaa kilikuwa kimefungwa.",
        "choice1": "Kilikuwa kidogo.",
        "choice2": "Ékitabu kilipotea.",
        "question": "cause",
        "label": 1,
    },
    {
        "premise": "  Niliiacha mifuko yangu. ",
        "choice1": "Niliona silaha.",
        "choice2": "Ñ.",
        "question": "effect",
        "label": 0,
    },
]
NLI_DOC = {"premise": "Mtu anatembea.", "hypothesis": "Mtu yuko nje.", "label": 1}
STORY_DOC = {f"input_sentence_{i}": f"Sentensi {i}." for i in range(1, 5)}
STORY_DOC.update(sentence_quiz1="Mwisho A.", sentence_quiz2="Mwisho B.", answer_right_ending=2)


def _group_tasks(path: Path) -> list[str]:
    return yaml.safe_load(path.read_text("utf-8"))["task"]


def test_languages_are_the_harness_groups():
    for task, group in [
        ("xcopa", "xcopa/_xcopa.yaml"),
        ("xnli", "xnli/_xnli.yaml"),
        ("xstorycloze", "xstorycloze/_xstorycloze.yaml"),
    ]:
        names = _group_tasks(TASKS_DIR / group)
        assert sorted(T.LANGUAGES[task]) == sorted(n.rsplit("_", 1)[1] for n in names)


@pytest.mark.parametrize("lang", sorted(T.XCOPA_CONNECTORS))
def test_xcopa_prompt_equals_harness_utils(lang):
    spec = importlib.util.spec_from_file_location("xcopa_utils", TASKS_DIR / "xcopa" / "utils.py")
    utils = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(utils)
    for doc in COPA_DOCS:
        assert T.xcopa_text(doc, lang) == getattr(utils, f"doc_to_text_{lang}")(doc)
        assert T.xcopa_choices(doc, lang) == utils.doc_to_choice(doc)


def _yaml_field(path: Path, field: str):
    """A field of a harness YAML (following ``include``; no ``!function`` tags in these files)."""
    data = yaml.safe_load(path.read_text("utf-8"))
    if field in data:
        return data[field]
    return _yaml_field(path.parent / data["include"], field)


@pytest.mark.parametrize("lang", sorted(T.XNLI_WORDS))
def test_xnli_prompt_equals_harness_yaml(lang):
    path = TASKS_DIR / "xnli" / f"xnli_{lang}.yaml"
    assert T.xnli_text(NLI_DOC, lang) == _yaml_field(path, "doc_to_text") == ""
    rendered = ast.literal_eval(apply_template(_yaml_field(path, "doc_to_choice"), NLI_DOC))
    assert T.xnli_choices(NLI_DOC, lang) == rendered
    assert _yaml_field(path, "doc_to_target") == "label" and T.xnli_target(NLI_DOC, lang) == 1


@pytest.mark.parametrize("lang", T.XSTORYCLOZE_LANGS)
def test_xstorycloze_prompt_equals_harness_yaml(lang):
    path = TASKS_DIR / "xstorycloze" / f"default_{lang}.yaml"
    assert T.xstorycloze_text(STORY_DOC, lang) == apply_template(
        _yaml_field(path, "doc_to_text"), STORY_DOC
    )
    assert T.xstorycloze_choices(STORY_DOC, lang) == ast.literal_eval(
        apply_template(_yaml_field(path, "doc_to_choice"), STORY_DOC)
    )
    assert T.xstorycloze_target(STORY_DOC, lang) == int(
        apply_template(_yaml_field(path, "doc_to_target"), STORY_DOC)
    )


def test_unknown_language_is_refused():
    with pytest.raises(T.UnknownLanguageError, match="xnli has no language 'yo'"):
        T.xnli_choices(NLI_DOC, "yo")
