"""One escaping rule: crowd text reads the same, escaped the same way, on every page the kit writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from escaping import CROWD, HTML, MARKDOWN, assert_escaped

from tutorial_lib.crowd.design import answer_project, render_html, validation_project
from tutorial_lib.crowd.instructions import instructions_html, item_html
from tutorial_lib.evaluate.generation import side_by_side_html
from tutorial_lib.render import md_cell, nl2br
from tutorial_lib.report import write_report
from tutorial_lib.widgets import RankingWidget, TaskWidget, html_table


def test_the_rule_itself():
    assert str(nl2br(CROWD)) == HTML
    assert str(md_cell(CROWD)) == MARKDOWN
    assert str(nl2br("a\r\nb\rc")) == "a<br>b<br>c"


def test_side_by_side_page():
    assert_escaped(side_by_side_html([CROWD], [CROWD], [CROWD], "a", "b", references=[[CROWD]]))


def test_task_preview_and_room_item_text():
    assert_escaped(render_html(answer_project(), {"prompt": CROWD}))
    assert_escaped(item_html(validation_project(), {"prompt": CROWD, "answer": CROWD}))


def test_instructions_with_crowd_written_examples():
    spec = validation_project()
    spec.examples[0].item["answer"] = CROWD
    spec.examples[0].explanation = {"sw": CROWD, "en": CROWD}
    page = instructions_html(spec, "sw")
    assert_escaped(page)
    assert page.count(HTML) == 2


def test_widgets():
    assert_escaped(html_table([{"answer": CROWD}]))
    task = TaskWidget(validation_project(), {"task_id": "t1", "prompt": CROWD, "answer": CROWD})
    assert_escaped(task.widget.children[0].value)
    pair = {"task_id": "c1", "prompt": CROWD, "answer_a": CROWD, "answer_b": "b"}
    assert_escaped(RankingWidget([{**pair, "model_a": "x", "model_b": "y"}]).view.value)


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
    assert_escaped(report, MARKDOWN)
    assert "| model | score | wins |" in report
    assert f"> {HTML}" in report  # a note is text, not a table cell: | needs no escape there


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


def test_the_wheel_ships_every_template(tmp_path):
    """An installed kit (Colab installs the wheel) renders from templates inside the package."""
    builders = pytest.importorskip("hatchling.builders.wheel")
    root = Path(__file__).resolve().parent.parent
    wheel = next(iter(builders.WheelBuilder(str(root)).build(directory=str(tmp_path))))
    shipped = {n for n in zipfile.ZipFile(wheel).namelist() if "/templates/" in n}
    templates = {
        f"tutorial_lib/templates/{p.name}" for p in (root / "tutorial_lib/templates").iterdir()
    }
    assert templates and templates <= shipped
