"""One escaping rule: crowd text reads the same, escaped the same way, on every page the kit writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from huggingface_hub import DatasetCard

from tutorial_lib.crowd.design import answer_project, render_html, validation_project
from tutorial_lib.crowd.instructions import instructions_html, item_html
from tutorial_lib.evaluate.generation import side_by_side_html
from tutorial_lib.render import md_cell, nl2br
from tutorial_lib.report import write_report
from tutorial_lib.widgets import RankingWidget, TaskWidget, html_table

CROWD = "<script>alert(\"x\")</script> & 'q' | a\nb"
# The one rule, spelled out: escaped quotes too, a line break as <br>; a Markdown cell adds &#124;.
HTML = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;q&#39; | a<br>b"
MARKDOWN = HTML.replace("|", "&#124;")


def test_the_rule_itself():
    assert str(nl2br(CROWD)) == HTML
    assert str(md_cell(CROWD)) == MARKDOWN
    assert str(nl2br("a\r\nb\rc")) == "a<br>b<br>c"


def _assert_escaped(page: str, expected: str = HTML) -> None:
    assert expected in page
    assert "<script>" not in page and 'alert("x")' not in page


def test_side_by_side_page():
    _assert_escaped(side_by_side_html([CROWD], [CROWD], [CROWD], "a", "b", references=[[CROWD]]))


def test_task_preview_and_room_item_text():
    _assert_escaped(render_html(answer_project(), {"prompt": CROWD}))
    _assert_escaped(item_html(validation_project(), {"prompt": CROWD, "answer": CROWD}))


def test_instructions_with_crowd_written_examples():
    spec = validation_project()
    spec.examples[0].item["answer"] = CROWD
    spec.examples[0].explanation = {"sw": CROWD, "en": CROWD}
    page = instructions_html(spec, "sw")
    _assert_escaped(page)
    assert page.count(HTML) == 2


def test_widgets():
    _assert_escaped(html_table([{"answer": CROWD}]))
    task = TaskWidget(validation_project(), {"task_id": "t1", "prompt": CROWD, "answer": CROWD})
    _assert_escaped(task.widget.children[0].value)
    pair = {"task_id": "c1", "prompt": CROWD, "answer_a": CROWD, "answer_b": "b"}
    _assert_escaped(RankingWidget([{**pair, "model_a": "x", "model_b": "y"}]).view.value)


def test_report(tmp_path):
    evaluate = tmp_path / "08_evaluate"
    evaluate.mkdir()
    summary = {
        "benchmarks": {},
        "notes": [CROWD],
        "ranking": [{"model": CROWD, "score": 0.5, "wins": 1}],
    }
    (evaluate / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    report = write_report(tmp_path).read_text(encoding="utf-8")
    _assert_escaped(report, MARKDOWN)
    assert "| model | score | wins |" in report
    assert f"> {HTML}" in report  # a note is text, not a table cell: | needs no escape there


def test_card_escapes_crowd_text_and_its_header_is_hub_ready(tmp_path):
    from tutorial_lib.config import DatasetConfig
    from tutorial_lib.dataset import build_dataset, write_data_card

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "dataset"))
    try:
        from conftest import make_world
    finally:
        sys.path.pop(0)
    w = make_world()
    ds = build_dataset(w.prompts, w.answers, w.decisions, w.qc, DatasetConfig(), votes=w.votes)
    path = write_data_card(
        ds,
        tmp_path / "data_card.md",
        prompts=w.prompts,
        answers=w.answers,
        decisions=w.decisions,
        qc=w.qc,
        cost=None,
        groups={a.worker_id: CROWD for a in w.answers},
    )
    text = path.read_text(encoding="utf-8")
    _assert_escaped(text, MARKDOWN)
    data = DatasetCard(text).data
    assert data.language == ["sw"] and data.license == "cc-by-4.0"
    assert data.task_categories == ["text-generation"]
    assert data.size_categories == ["n<1K"]
    assert {c["config_name"] for c in data.configs} == {"default", "heldout", "preference"}
    assert DatasetCard(text).text.lstrip().startswith("# Data card: crowd-sourced Swahili")


def test_importing_the_figure_modules_changes_no_backend():
    code = (
        "import sys, matplotlib\n"
        "import tutorial_lib.report, tutorial_lib.viz, tutorial_lib.evaluate.plots\n"
        "assert matplotlib.get_backend() == 'svg', matplotlib.get_backend()\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    env = {**os.environ, "MPLBACKEND": "svg"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
