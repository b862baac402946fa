"""Task designs: the three projects, their JSON round trip, grading, and the HTML preview."""

import json
import logging
from html.parser import HTMLParser

import pytest

from tutorial_lib.crowd.design import (
    answer_project,
    ranking_project,
    render_html,
    validation_project,
)
from tutorial_lib.crowd.design_spec import DesignError, ProjectSpec, TrainingItem, grade_response

XSS = '</script><img src=x onerror="alert(1)"><script>alert(2)</script>'


class _Tags(HTMLParser):
    """Collects tags, attributes and visible text of an HTML fragment."""

    def __init__(self):
        super().__init__()
        self.tags, self.attrs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(name for name, _ in attrs)

    def handle_data(self, data):
        self.text.append(data)


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


def test_answer_project_is_bilingual_with_good_and_bad_examples():
    spec = answer_project()
    assert spec.kind == "answers" and {"sw", "en"} <= set(spec.instructions)
    assert spec.instructions["sw"] != spec.instructions["en"]
    assert [q.name for q in spec.output_fields] == ["answer"]
    assert spec.output_fields[0].kind == "text" and spec.output_fields[0].min_length > 0
    assert {e.good for e in spec.examples} == {True, False}
    assert all({"sw", "en"} <= set(e.explanation) for e in spec.examples)
    assert spec.exam_items and spec.training_items
    assert "prompt_en" in [f.name for f in spec.input_fields]


def test_english_original_can_be_hidden_everywhere():
    spec = answer_project(show_english=False)
    assert "prompt_en" not in [f.name for f in spec.input_fields]
    items = [e.item for e in spec.examples] + [
        t.item for t in spec.training_items + spec.exam_items
    ]
    assert all("prompt_en" not in item for item in items)
    assert spec.private_name != answer_project().private_name  # a different project


def test_validation_project_scales_and_optional_questions():
    binary = validation_project()
    assert binary.question("helpful").values == [1, 0]
    assert {q.name for q in binary.output_fields} == {"helpful", "harmless", "truthful"}
    likert = validation_project("likert5", ask_harmless=False, ask_truthful=False)
    assert likert.question("helpful").values == [1, 2, 3, 4, 5]
    assert [q.name for q in likert.output_fields] == ["helpful"]
    # Worked items keep their meaning on the 1-5 scale: only the scale's ends.
    for t in likert.exam_items + likert.control_items:
        assert set(t.expected) == {"helpful"} and t.expected["helpful"] in (1, 5)
    pairs = zip(binary.exam_items, likert.exam_items)
    assert all((b.expected["helpful"] == 1) == (lk.expected["helpful"] == 5) for b, lk in pairs)
    assert len({binary.private_name, likert.private_name}) == 2
    with pytest.raises(DesignError, match="scale"):
        validation_project("stars")


def test_ranking_project_labels_a_and_b():
    spec = ranking_project()
    better = spec.question("better")
    assert better.values == [0, 1]
    assert [f.name for f in spec.input_fields] == ["prompt", "answer_a", "answer_b"]
    assert "A" in better.options[0][1]["en"] and "B" in better.options[1][1]["en"]


@pytest.mark.parametrize("make", [answer_project, validation_project, ranking_project])
def test_spec_round_trips_through_json(make):
    spec = make()
    again = ProjectSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again == spec


def test_spec_rejects_items_that_do_not_fit_its_fields():
    data = validation_project().to_dict()
    data["exam_items"].append({"item": {"prompt": "x", "answer": "y"}, "expected": {"stars": 3}})
    with pytest.raises(DesignError, match="exam_items"):
        ProjectSpec.from_dict(data)


def test_another_language_gets_english_texts_naming_it(caplog):
    with caplog.at_level(logging.WARNING):
        spec = answer_project(lang="yo")
    assert "Yoruba" in spec.instructions["en"] and "Swahili" not in spec.instructions["en"]
    assert not spec.examples and not spec.exam_items  # no Swahili items under Yoruba instructions
    assert "design_texts" in caplog.text


def test_grading_training_and_exam_answers():
    spec = validation_project()
    for item in spec.exam_items:
        assert grade_response(spec, item, dict(item.expected))
        assert not grade_response(spec, item, {"helpful": 1 - item.expected["helpful"]})
    answers = answer_project()
    item = answers.exam_items[0]
    assert grade_response(answers, item, {"answer": item.expected["answer"]})
    assert not grade_response(answers, item, {"answer": item.item["prompt"]})  # copied prompt
    assert not grade_response(answers, item, {"answer": "sawa"})  # too short
    assert not grade_response(answers, TrainingItem(item.item, {"answer": "x"}), {})


def test_render_html_escapes_crowd_text_and_runs_no_script():
    item = {"prompt": "Swali? " + XSS, "answer": "Jibu " + XSS + "\nmstari wa pili"}
    html = render_html(validation_project(), item)
    parsed = _parse(html)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert not [a for a in parsed.attrs if a.startswith("on")]
    shown = "".join(parsed.text)
    assert XSS in shown  # displayed literally, not dropped
    assert "mstari wa pili" in shown


def test_render_html_language_and_english_original():
    spec = answer_project()
    item = {"prompt": "Mji mkuu wa Kenya ni upi?", "prompt_en": "What is the capital of Kenya?"}
    sw, en = render_html(spec, item, "sw"), render_html(spec, item, "en")
    assert spec.title["sw"] in sw and spec.title["en"] in en
    assert "<details class='field'>" in sw and "What is the capital of Kenya?" in sw
    assert "<textarea name='answer'" in sw
    fallback = render_html(spec, item, "fr")  # no French texts: English, not a crash
    assert spec.title["en"] in fallback
    likert = render_html(validation_project("likert5"), {"prompt": "p", "answer": "a"})
    assert likert.count("type='radio' name='helpful'") == 5
