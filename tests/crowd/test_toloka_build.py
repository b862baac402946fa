"""Toloka builders: offline objects that round-trip and say what the design says."""
import json
import warnings

import pytest

warnings.filterwarnings("ignore", message="pkg_resources")
from toloka.client import Pool, Project, Task, Training, structure, unstructure

from tutorial_lib.crowd import toloka_build as B
from tutorial_lib.crowd.design import answer_project, validation_project

SPECS = {"answers": answer_project(), "validation": validation_project(),
         "likert": validation_project(scale="likert5", ask_truthful=False)}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_project_pool_training_round_trip(name):
    spec = SPECS[name]
    objects = [(B.build_project(spec), Project),
               (B.build_pool(spec, "11", 0.07, 3, training_id="12", skill_id="13"), Pool),
               (B.build_pool(spec, "11", 0.07), Pool),
               (B.build_training(spec, "11"), Training)]
    objects += [(t, Task) for t in B.build_training_tasks(spec, "12")]
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


def test_pool_filters_language_requires_training_and_controls_quality():
    spec = SPECS["validation"]
    pool = unstructure(B.build_pool(spec, "11", 0.07, 3, training_id="12", skill_id="13"))
    assert pool["auto_accept_solutions"] is False
    assert {"operator": "IN", "value": "SW", "key": "languages", "category": "profile"} \
        in pool["filter"]["and"][0]["or"]
    qc = pool["quality_control"]
    assert qc["training_requirement"] == {"training_pool_id": "12",
                                          "training_passing_skill_value": 80}
    rules = {c["collector_config"]["type"]: c["rules"] for c in qc["configs"]}
    assert rules["ASSIGNMENT_SUBMIT_TIME"][0]["action"]["type"] == "RESTRICTION_V2"
    assert rules["SKIPPED_IN_ROW_ASSIGNMENTS"][0]["action"]["type"] == "RESTRICTION_V2"
    assert rules["ASSIGNMENTS_ASSESSMENT"][0]["action"] == {
        "parameters": {"delta": 1, "open_pool": True}, "type": "CHANGE_OVERLAP"}
    skill = rules["MAJORITY_VOTE"][0]["action"]
    assert skill["type"] == "SET_SKILL_FROM_OUTPUT_FIELD"
    assert skill["parameters"]["skill_id"] == "13"


def test_free_text_pool_has_no_majority_vote_and_training_teaches_by_feedback():
    spec = SPECS["answers"]
    pool = unstructure(B.build_pool(spec, "11", 0.4, 2, training_id="12", skill_id="13"))
    types = {c["collector_config"]["type"] for c in pool["quality_control"]["configs"]}
    assert "MAJORITY_VOTE" not in types
    assert pool["quality_control"]["training_requirement"]["training_passing_skill_value"] == 0
    tasks = B.build_training_tasks(spec, "12")
    assert len(tasks) == len(spec.training_items) + len(spec.exam_items)
    assert all(t.message_on_unknown_solution and t.infinite_overlap for t in tasks)
