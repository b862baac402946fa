"""Docstrings say "Taught in notebooks/NN_name" only where that notebook's code uses the name."""

from taught_in import false_pointers, pointers


def test_docstring_pointers_name_notebooks_that_use_them():
    assert pointers(), "no pointers found: the checker is looking in the wrong place"
    bad = [
        f"{p['file'].name}:{p['line']} {p['names'][0]} -> {p['notebook']}" for p in false_pointers()
    ]
    assert not bad, (
        "pointers to notebooks that never use the name (fix with "
        f"`python tests/taught_in.py --fix`): {bad}"
    )
