"""Toloka builders: offline objects that round-trip and say what the design says."""

import json
import warnings

import pytest

warnings.filterwarnings("ignore", message="pkg_resources")
from toloka.client import Pool, Project, Task, Training, structure, unstructure

from tutorial_lib.crowd import toloka_build as B
from tutorial_lib.crowd import toloka_graded as G
from tutorial_lib.crowd import toloka_pools as P
from tutorial_lib.crowd.design import answer_project, validation_project

SPECS = {
    "answers": answer_project(),
    "validation": validation_project(),
    "likert": validation_project(scale="likert5", ask_truthful=False),
}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_project_pool_training_round_trip(name):
    spec = SPECS[name]
    settings = P.PoolSettings("run-1", overlap=3, golden_every=P.golden_every(spec, 0.1))
    objects = [
        (B.build_project(spec), Project),
        (P.build_pool(spec, "11", settings, training_id="12", skill_id="13"), Pool),
        (P.build_pool(spec, "11", P.PoolSettings("run-1")), Pool),
        (G.build_training(spec, "11"), Training),
    ]
    objects += [(t, Task) for t in G.build_training_tasks(spec, "12")]
    objects += [(t, Task) for t in G.build_golden_tasks(spec, "11")]
    for obj, cls in objects:
        assert structure(unstructure(obj), cls) == obj, cls.__name__


def _view_json(spec) -> str:
    config = unstructure(B.build_project(spec))["task_spec"]["view_spec"]["config"]
    return json.dumps(json.loads(config), ensure_ascii=False)  # Toloka ships it as a string


def test_view_config_holds_the_designs_fields_and_questions():
    for spec in SPECS.values():
        view = _view_json(spec)
        for field in spec.input_fields:
            assert f'"path": "{field.name}"' in view
            assert spec.text(field.label, spec.lang) in view
        for q in spec.output_fields:
            assert f'"path": "{q.name}"' in view
            assert spec.text(q.label, spec.lang) in view
            for value, label in q.options:
                assert spec.text(label, spec.lang) in view


def test_output_spec_restricts_choices_and_keeps_a_hidden_task_id():
    spec = SPECS["likert"]
    project = unstructure(B.build_project(spec))["task_spec"]
    assert project["output_spec"]["helpful"]["allowed_values"] == [1, 2, 3, 4, 5]
    assert "truthful" not in project["output_spec"]
    assert project["input_spec"][B.TASK_ID_FIELD]["hidden"] is True
    answers = unstructure(B.build_project(SPECS["answers"]))["task_spec"]
    assert answers["output_spec"]["answer"]["min_length"] == 20


def test_instructions_in_english_and_the_target_language():
    spec = SPECS["validation"]
    project = B.build_project(spec)
    sw = project.localization_config.additional_languages[0]
    assert sw.language == "SW"
    assert spec.text(spec.instructions, "sw").splitlines()[0][:30] in sw.public_instructions.value
    assert spec.text(spec.instructions, "en").splitlines()[0][:30] in project.public_instructions
    assert project.private_comment == spec.private_name


def test_validation_pool_auto_accepts_checks_golden_tasks_and_majority_at_three():
    spec = SPECS["validation"]
    settings = P.PoolSettings("run-1", overlap=3, golden_every=P.golden_every(spec, 0.1))
    pool = unstructure(P.build_pool(spec, "11", settings, training_id="12", skill_id="13"))
    assert pool["auto_accept_solutions"] is True  # raters are paid promptly
    assert pool["private_name"] == f"{spec.private_name}/run-1/main"
    assert {"operator": "IN", "value": "SW", "key": "languages", "category": "profile"} in pool[
        "filter"
    ]["and"][0]["or"]
    qc = pool["quality_control"]
    assert qc["training_requirement"] == {
        "training_pool_id": "12",
        "training_passing_skill_value": 80,
    }
    rules = {c["collector_config"]["type"]: c["rules"] for c in qc["configs"]}
    assert rules["ASSIGNMENT_SUBMIT_TIME"][0]["action"]["type"] == "RESTRICTION_V2"
    assert rules["GOLDEN_SET"][0]["action"]["type"] == "RESTRICTION_V2"
    assert "ASSIGNMENTS_ASSESSMENT" not in rules  # the kit raises overlap, priced, itself
    majority = rules["MAJORITY_VOTE"][0]
    assert majority["action"]["parameters"]["skill_id"] == "13"
    assert pool["mixer_config"]["golden_tasks_count"] == 1
    assert (
        pool["mixer_config"]["golden_task_distribution_function"]["intervals"][0]["frequency"] == 10
    )
    two = unstructure(P.build_pool(spec, "11", P.PoolSettings("run-1", overlap=2), skill_id="13"))
    assert "MAJORITY_VOTE" not in {
        c["collector_config"]["type"] for c in two["quality_control"]["configs"]
    }


def test_golden_tasks_judge_helpfulness_alone():
    spec = SPECS["validation"]
    golden = G.build_golden_tasks(spec, "11")
    assert len(golden) == len(spec.control_items)
    for task, item in zip(golden, spec.control_items):
        helpful = {s.output_values["helpful"] for s in task.known_solutions}
        assert helpful == {item.expected["helpful"]}
        assert {"helpful": item.expected["helpful"]} in [
            s.output_values for s in task.known_solutions
        ]
        assert len(task.known_solutions) == 9  # harmless, truthful: absent, 1 or 0 each


def test_part_one_trains_with_an_exact_quiz_never_free_text():
    spec = SPECS["answers"]
    pool = unstructure(
        P.build_pool(spec, "11", P.PoolSettings("run-1", review_days=9), training_id="12")
    )
    assert pool["auto_accept_solutions"] is False and pool["auto_accept_period_day"] == 9
    types = {c["collector_config"]["type"] for c in pool["quality_control"]["configs"]}
    assert "MAJORITY_VOTE" not in types and "ASSIGNMENTS_ASSESSMENT" not in types
    tasks = G.build_training_tasks(spec, "12")
    assert len(tasks) == len(spec.quiz_items) > 0
    for task, quiz in zip(tasks, spec.quiz_items):
        assert [s.output_values for s in task.known_solutions] == [{B.QUIZ_CHOICE: quiz.answer}]
        assert task.input_values[B.QUIZ_FIELD] and task.message_on_unknown_solution
        assert all(task.input_values[B.quiz_option_field(v)] for v, _ in quiz.options)
    project = unstructure(B.build_project(spec))["task_spec"]
    assert project["output_spec"][B.QUIZ_CHOICE]["allowed_values"] == ["a", "b", "c"]
    assert "answer" not in str([t.known_solutions for t in tasks])


def test_review_window_fits_toloka_limits():
    assert P.review_window_days(0) == 1
    assert P.review_window_days(3 * 86400 + 1) == 5
    assert P.review_window_days(400 * 86400) == 21
