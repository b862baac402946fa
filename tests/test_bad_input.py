"""Bad input, class by class: one clear line naming file, line and field (or the key), exit 2,
no traceback, nothing silently dropped. Accepted variants (BOM, CRLF, quoted newlines) load."""

import json

import pytest

from tutorial_lib.cli import main

GOOD = {"id": "x1", "category": "open_qa", "prompt": "Habari yako leo?", "references": ["Nzuri."]}


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# --set: each fails before any stage runs --------------------------------------------------
SET_CASES = [
    ("seed=abc", "seed='abc' is not allowed: must be a valid integer"),
    ("prompts.limit=-3", "prompts.limit=-3 is not allowed: must be greater than or equal to 1"),
    ("crowd.budget_usd=abc", "crowd.budget_usd='abc' is not allowed: must be a valid number"),
    ("finetune.max_steps=1.5", "finetune.max_steps=1.5 is not allowed: must be a valid integer"),
    ("quality.max_chars=abc", "quality.max_chars='abc' is not allowed: must be a valid integer"),
    ("evaluate.heldout_limit=-5", "evaluate.heldout_limit=-5 is not allowed"),
    ("quality.typo=1", "quality.typo is an unknown key"),
    ("crowd.production=nope", "crowd.production='nope' is not allowed: must be true or false"),
    ('crowd.production="false"', "crowd.production='false' is not allowed"),
    ("crowd.production=n", "crowd.production='n' is not allowed"),
    ("crowd.dynamic_overlap=maybe", "crowd.dynamic_overlap='maybe' is not allowed"),
    ("crowd.answer_overlap=2.5", "crowd.answer_overlap=2.5 is not allowed"),
    ("crowd.wait_timeout_s=abc", "crowd.wait_timeout_s='abc' is not allowed"),
    ("crowd.room_port=abc", "crowd.room_port='abc' is not allowed"),
    ("crowd.validation_max_overlap=1", "must be >= crowd.validation_overlap"),
    ("finetune.max_steps", "must look like section.key=value"),
]


@pytest.mark.parametrize("override, fragment", SET_CASES)
def test_bad_set_value_fails_before_any_stage(override, fragment, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "--preset", "ci", "--out", str(out), "--set", override]) == 2
    assert fragment in _one_error_line(capsys)
    assert not (out / "01_prompts").exists()


# run --prompts ------------------------------------------------------------------------------
def _jsonl(*rows) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


PROMPT_CASES = [
    (
        "bad_json.jsonl",
        _jsonl(GOOD) + '{"id": "x2", "category"\n',
        "bad_json.jsonl:2: invalid JSON",
    ),
    (
        "empty_text.jsonl",
        _jsonl(GOOD, {**GOOD, "id": "x2", "prompt": " "}),
        "empty_text.jsonl:2: field 'prompt' is empty",
    ),
    ("empty.jsonl", "", "empty.jsonl: no prompts"),
    (
        "nul.jsonl",
        _jsonl({**GOOD, "prompt": "Habari\u0000yako?"}),
        "nul.jsonl:1: field 'prompt' contains U+0000 (a control character)",
    ),
    (
        "bel.jsonl",
        _jsonl({**GOOD, "references": ["Nzuri\u0007"]}),
        "bel.jsonl:1: field 'references[0]' contains U+0007 (a control character)",
    ),
    (
        "bidi.jsonl",
        _jsonl({**GOOD, "prompt": "Habari \u202eyako"}),
        "bidi.jsonl:1: field 'prompt' contains U+202E (a bidirectional override)",
    ),
    (
        "huge.jsonl",
        _jsonl({**GOOD, "prompt": "a" * 30000}),
        "huge.jsonl:1: field 'prompt' is 30,000 characters long; the limit is 20,000",
    ),
    (
        "dup_col.csv",
        "id,category,prompt,prompt\nx1,open_qa,Habari?,Jambo?\n",
        "dup_col.csv:1: column 'prompt' appears twice in the header",
    ),
    (
        "ragged.csv",
        "id,category,prompt\nx1,open_qa,Habari?,extra\n",
        "ragged.csv:2: row has 4 fields but the header has 3",
    ),
    ("bad_utf8.jsonl", b"\xff\xfe{}\n", "bad_utf8.jsonl:1: not valid UTF-8"),
    ("category.jsonl", _jsonl({**GOOD, "category": "poetry"}), "category.jsonl:1"),
    ("dup_id.jsonl", _jsonl(GOOD, GOOD), "dup_id.jsonl:2"),
]


@pytest.mark.parametrize("name, content, fragment", PROMPT_CASES, ids=[c[0] for c in PROMPT_CASES])
def test_bad_prompt_file_names_file_line_and_field(name, content, fragment, tmp_path, capsys):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    code = main(
        [
            "run",
            "--preset",
            "ci",
            "--out",
            str(tmp_path / "run"),
            "--prompts",
            str(path),
            "--stage",
            "prompts",
        ]
    )
    assert code == 2
    assert fragment in _one_error_line(capsys)


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--prompts", "{tmp}"], "is a folder; give a file"),
        (["--prompts", "{tmp}/missing.jsonl"], "missing.jsonl: no such file"),
        (
            ["--prompts", "{csv}", "--map", "prompt=question"],
            "names column 'question', which is not",
        ),
        (["--out", "{file}"], "is a file, not a folder"),
    ],
)
def test_bad_paths_and_mappings(args, fragment, tmp_path, capsys):
    csv = tmp_path / "p.csv"
    csv.write_text("swali,category\nHabari?,open_qa\n", encoding="utf-8")
    file = tmp_path / "a_file"
    file.write_text("x")
    args = [a.format(tmp=tmp_path, csv=csv, file=file) for a in args]
    base = ["run", "--preset", "ci", "--stage", "prompts"]
    if "--out" not in args:
        base += ["--out", str(tmp_path / "run")]
    assert main([*base, *args]) == 2
    assert fragment in _one_error_line(capsys)


@pytest.mark.parametrize(
    "name, content",
    [
        ("bom.jsonl", "\ufeff" + _jsonl(GOOD)),
        ("bom.csv", "\ufeffid,category,prompt,references\nx1,open_qa,Habari yako leo?,Nzuri.\n"),
        ("crlf.csv", "id,category,prompt,references\r\nx1,open_qa,Habari yako leo?,Nzuri.\r\n"),
        ("quoted.csv", 'id,category,prompt,references\nx1,open_qa,"Habari\nyako leo?",Nzuri.\n'),
    ],
)
def test_bom_crlf_and_quoted_newlines_load(name, content, tmp_path):
    from tutorial_lib.data.prompts import load_prompts

    path = tmp_path / name
    path.write_bytes(content.encode("utf-8"))
    [prompt] = load_prompts(path)
    assert prompt.id == "x1" and prompt.prompt.replace("\n", " ") == "Habari yako leo?"


def test_trimmed_prompt_set_is_noted_in_manifest_and_output(tmp_path, capsys):
    path = tmp_path / "many.jsonl"
    path.write_text(
        _jsonl(*[{**GOOD, "id": f"x{i}", "prompt": f"Swali la {i}?"} for i in range(60)]),
        encoding="utf-8",
    )
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                "--preset",
                "ci",
                "--out",
                str(out),
                "--prompts",
                str(path),
                "--stage",
                "prompts",
            ]
        )
        == 0
    )
    note = "prompts.limit=48 keeps a category-balanced 48 of the 60 prompts"
    assert note in capsys.readouterr().out
    assert any(
        note in n for n in json.loads((out / "01_prompts" / "manifest.json").read_text())["notes"]
    )


# aggregate ----------------------------------------------------------------------------------
AGG_CASES = [
    ("mixed.csv", "task,worker,label\nt1,w1,1\nt1,w2,yes\n", "labels mix numbers and words"),
    ("nolabel.csv", "task,worker\nt1,w1\n", "nolabel.csv: no 'label' column"),
    ("header.csv", "task,worker,label\n", "header.csv: header only, no answers"),
]


@pytest.mark.parametrize("name, content, fragment", AGG_CASES, ids=[c[0] for c in AGG_CASES])
def test_bad_aggregate_input(name, content, fragment, tmp_path, capsys):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert main(["aggregate", str(path), "--out", str(tmp_path / "out.csv")]) == 2
    assert fragment in _one_error_line(capsys)


def test_aggregate_refuses_folders(tmp_path, capsys):
    good = tmp_path / "v.csv"
    good.write_text("task,worker,label\nt1,w1,1\nt1,w2,1\n", encoding="utf-8")
    assert main(["aggregate", str(tmp_path), "--out", str(tmp_path / "o.csv")]) == 2
    assert "is a folder" in _one_error_line(capsys)
    assert main(["aggregate", str(good), "--out", str(tmp_path)]) == 2
    assert "is a folder; give a CSV file path" in _one_error_line(capsys)


def test_aggregate_warns_and_neutralises_formulas(tmp_path, caplog):
    path = tmp_path / "votes.csv"
    path.write_text(
        "task,worker,label\n=HYPERLINK(1),w1,01\n=HYPERLINK(1),w1, 1\n"
        "=HYPERLINK(1),w2,1.0\nt2,w1,0\nt2,w2,0\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    assert main(["aggregate", str(path), "--method", "ds", "--out", str(out)]) == 0
    text = caplog.text
    assert "1 repeated vote(s) (same worker, same task) counted once" in text
    assert "merged" in text
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[1].startswith("'=HYPERLINK(1),1,")


# evaluate --data-file and room export ----------------------------------------------------------
@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda p: p, "is a folder; give a xcopa file"),
        (lambda p: p / "missing.jsonl", "missing.jsonl"),
        (lambda p: (p / "bad.jsonl").write_text('{"premise"\n') and p / "bad.jsonl", "bad.jsonl:1"),
    ],
)
def test_bad_evaluate_data_file(make, fragment, tmp_path, tiny_model_dir, capsys, caplog):
    data = make(tmp_path)
    code = main(
        [
            "evaluate",
            "--model",
            str(tiny_model_dir),
            "--task",
            "xcopa",
            "--data-file",
            str(data),
            "--out",
            str(tmp_path / "r.json"),
        ]
    )
    err = capsys.readouterr().err + caplog.text  # the evaluate command logs its one error line
    assert code == 2 and fragment in err and "Traceback" not in err


def test_room_export_without_rooms_is_one_line(tmp_path, capsys):
    assert (
        main(["room", "export", "--workdir", str(tmp_path), "--out", str(tmp_path / "x.jsonl")])
        == 2
    )
    assert "no rooms found" in capsys.readouterr().err
