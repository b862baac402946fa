"""The interactive cells: the attendee's work becomes real records, escaped, and never twice."""

import pytest

from tutorial_lib.config import CrowdConfig
from tutorial_lib.crowd.backend import pseudonymise
from tutorial_lib.crowd.design import answer_project, validation_project
from tutorial_lib.crowd.pricing import estimate_cost
from tutorial_lib.crowd.simulated import SimulatedCrowd
from tutorial_lib.jsonl import read_jsonl
from tutorial_lib.records import Assignment, Prompt
from tutorial_lib.widgets import (
    PoolProgress,
    RankingWidget,
    TaskWidget,
    cost_summary,
    html_table,
    pricing_calculator,
    save_assignment,
)

XSS = '</script><img src=x onerror="window.__xss=1">'
GOOD = "Panda mahindi mwanzoni mwa mvua na palilia shamba kila wiki."


def _answer_widget(tmp_path, **kw):
    item = {
        "task_id": "sw-open_qa-001",
        "prompt": "Eleza jinsi ya kupanda mahindi.",
        "prompt_en": "Explain how to plant maize.",
    }
    return TaskWidget(answer_project(), item, sink=tmp_path / "mine.jsonl", **kw)


def test_answer_submitted_through_the_button_becomes_one_assignment(tmp_path):
    tw = _answer_widget(tmp_path, worker="amina")
    tw.controls["answer"].value = GOOD
    tw.button.click()
    rows = read_jsonl(tmp_path / "mine.jsonl", Assignment)
    assert len(rows) == 1
    rec = rows[0]
    assert (rec.kind, rec.backend, rec.task_id, rec.answer) == (
        "answers",
        "widget",
        "sw-open_qa-001",
        GOOD,
    )
    assert (
        rec.worker_id == pseudonymise("amina", "tutorial-widget") and "amina" not in rec.worker_id
    )
    assert rec.duration_s >= 0 and "saved" in tw.status.value


def test_resubmitting_updates_instead_of_duplicating(tmp_path):
    tw = _answer_widget(tmp_path)
    tw.controls["answer"].value = GOOD
    tw.button.click()
    tw.controls["answer"].value = GOOD + " Tumia mbolea ya samadi."
    tw.button.click()
    again = _answer_widget(tmp_path)  # the presenter re-runs the cell
    again.submit({"answer": GOOD + " Tumia mbolea."})
    rows = read_jsonl(tmp_path / "mine.jsonl", Assignment)
    assert len(rows) == 1 and rows[0].answer.endswith("Tumia mbolea.")
    assert "updated" in again.status.value


def test_too_short_answer_is_refused_with_a_message_and_not_saved(tmp_path):
    tw = _answer_widget(tmp_path)
    tw.controls["answer"].value = "Ndiyo."
    tw.button.click()
    assert "shorter than" in tw.status.value
    assert not (tmp_path / "mine.jsonl").exists()
    with pytest.raises(ValueError, match="please answer"):
        tw.submit({"answer": "   "})


def test_crowd_text_is_escaped_in_the_worker_view(tmp_path):
    item = {"task_id": "ans-1", "prompt": "Swali?", "answer": XSS}
    tw = TaskWidget(validation_project(), item)
    view = tw.widget.children[0].value
    assert "<img" not in view and "&lt;img src=x" in view
    assert "<form>" not in view  # the live controls replace the static preview form


def test_validation_votes_map_to_label_and_extra(tmp_path):
    spec = validation_project()
    tw = TaskWidget(
        spec,
        {"task_id": "ans-7", "prompt": "Swali?", "answer": GOOD},
        sink=tmp_path / "votes.jsonl",
    )
    tw.controls["helpful"].value = 0
    tw.controls["harmless"].value = 1
    tw.controls["truthful"].value = 0
    tw.button.click()
    rec = read_jsonl(tmp_path / "votes.jsonl", Assignment)[0]
    assert (rec.kind, rec.label, rec.answer) == ("validation", 0, None)
    assert rec.extra == {"harmless": 1, "truthful": 0}


def test_training_item_gives_the_crowds_feedback():
    spec = validation_project()
    item = spec.training_items[0]
    right = TaskWidget(spec, {"task_id": "t1", **item.item}, expected=item)
    right.submit({**{q.name: 1 for q in spec.output_fields}, **item.expected})
    assert "matches the expected answer" in right.status.value
    wrong_values = {
        **{q.name: 1 for q in spec.output_fields},
        "helpful": 1 - item.expected["helpful"],
    }
    wrong = TaskWidget(spec, {"task_id": "t1", **item.item}, expected=item)
    wrong.submit(wrong_values)
    assert "not what we expected" in wrong.status.value


def test_item_without_task_id_is_refused():
    with pytest.raises(ValueError, match="task_id"):
        TaskWidget(answer_project(), {"prompt": "x"})


def _comparisons():
    return [
        {
            "task_id": "c1",
            "prompt_id": "p1",
            "prompt": "Swali la kwanza",
            "answer_a": XSS,
            "answer_b": "Jibu zuri",
            "model_a": "base",
            "model_b": "fine-tuned",
        },
        {
            "task_id": "c2",
            "prompt_id": "p2",
            "prompt": "Swali la pili",
            "answer_a": "Jibu zuri",
            "answer_b": "Jibu baya",
            "model_a": "fine-tuned",
            "model_b": "base",
        },
    ]


def test_ranking_widget_records_blind_votes_and_tallies_by_model(tmp_path):
    rw = RankingWidget(_comparisons(), sink=tmp_path / "rank.jsonl")
    assert "<img" not in rw.view.value and "&lt;img" in rw.view.value
    assert "fine-tuned" not in rw.view.value and "base" not in rw.view.value  # blind
    rw.buttons[1].click()  # B better on c1 -> fine-tuned
    rw.buttons[0].click()  # A better on c2 -> fine-tuned
    assert rw.done and all(b.disabled for b in rw.buttons)
    assert rw.tally() == {"fine-tuned": 2}
    assert rw.vote(0) is None
    rows = read_jsonl(tmp_path / "rank.jsonl", Assignment)
    assert [(r.task_id, r.label, r.kind) for r in rows] == [
        ("c1", 1, "ranking"),
        ("c2", 0, "ranking"),
    ]
    with pytest.raises(ValueError):
        RankingWidget(_comparisons()).vote(2)


def test_pool_progress_follows_a_simulated_pool(tmp_path):
    prompts = [
        Prompt(id=f"p{i}", category="open_qa", prompt=f"Swali namba {i}?", references=[GOOD])
        for i in range(4)
    ]
    crowd = SimulatedCrowd(prompts, tmp_path / "crowd", seed=1, n_workers=12)
    project = crowd.create_project(answer_project())
    crowd.add_tasks(project, [{"task_id": p.id, "prompt": p.prompt} for p in prompts], overlap=2)
    bar = PoolProgress(crowd, project, label="answers")
    crowd.open(project)
    p = bar.watch(timeout_s=5, poll_s=0.01)
    assert p.done and bar.bar.value == bar.bar.max == p.total == 8
    assert "8 / 8" in bar.text.value and bar.bar.bar_style == "success"


def test_pricing_calculator_reacts_to_its_sliders():
    calc = pricing_calculator(n_prompts=100)
    before = calc.output.value
    calc.sliders["hourly_pay_usd"].value = 3.0
    assert calc.output.value != before
    assert f"Both parts: ${_both(100, 2, 3, 120, 30, 3.0):.2f}" in cost_summary(
        100, 2, 3, 120, 30, 3.0
    )
    c = CrowdConfig()  # the calculator starts from the preset's crowd settings
    expected = _both(
        100,
        c.answer_overlap,
        c.validation_overlap,
        c.seconds_per_answer,
        c.seconds_per_vote,
        3.0,
        c.control_share,
        c.platform_fee,
    )
    assert f"Both parts: ${expected:.2f}" in calc.output.value


def _both(n, a_overlap, v_overlap, s_answer, s_vote, hourly, control=0.1, fee=0.3):
    part1 = estimate_cost(n, a_overlap, s_answer, hourly, control, fee).total_usd
    return part1 + estimate_cost(n * a_overlap, v_overlap, s_vote, hourly, control, fee).total_usd


def test_html_table_escapes_and_truncates():
    out = html_table([{"answer": XSS + "x" * 400}], max_chars=50)
    assert "<img" not in out and "&lt;/script&gt;" in out and "…" in out


def test_save_assignment_keeps_other_rows(tmp_path):
    sink = tmp_path / "s.jsonl"
    base = {
        "worker_id": "w_1",
        "kind": "answers",
        "backend": "widget",
        "submitted_at": "t",
        "duration_s": 1.0,
    }
    save_assignment(sink, Assignment(assignment_id="a", task_id="t1", answer="one", **base))
    save_assignment(sink, Assignment(assignment_id="b", task_id="t2", answer="two", **base))
    assert save_assignment(sink, Assignment(assignment_id="a", task_id="t1", answer="uno", **base))
    assert [(r.assignment_id, r.answer) for r in read_jsonl(sink, Assignment)] == [
        ("a", "uno"),
        ("b", "two"),
    ]
