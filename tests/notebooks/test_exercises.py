"""Every notebook teaches with exercises (hidden solutions) and ends on a recap."""
import re
from pathlib import Path

import nbformat
import pytest

NB_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = sorted(p.stem for p in NB_DIR.glob("*.ipynb"))


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


@pytest.mark.parametrize("name", NAMES)
def test_exercises_are_followed_by_hidden_solutions(name):
    nb = nbformat.read(NB_DIR / f"{name}.ipynb", as_version=4)
    exercises = [i for i, c in enumerate(nb.cells) if "exercise" in _tags(c)]
    assert len(exercises) >= 2, f"{name}: needs at least two cells tagged 'exercise'"
    for i in exercises:
        solution = nb.cells[i + 1]
        assert "solution" in _tags(solution), f"{name}: exercise cell {i} is not followed by a solution"
        assert solution.metadata.get("jupyter", {}).get("source_hidden") is True, \
            f"{name}: solution cell {i + 1} must be hidden by default (jupyter.source_hidden)"
    kinds = " ".join(nb.cells[i].source for i in exercises).lower()
    assert "predict" in kinds, f"{name}: mix in a predict-then-run question"


@pytest.mark.parametrize("name", NAMES)
def test_last_markdown_cell_is_a_recap(name):
    nb = nbformat.read(NB_DIR / f"{name}.ipynb", as_version=4)
    last = [c for c in nb.cells if c.cell_type == "markdown"][-1]
    assert "recap" in _tags(last), f"{name}: the last markdown cell must be tagged 'recap'"
    points = re.findall(r"(?m)^\s*[-*] \S", last.source)
    assert len(points) >= 3, f"{name}: a recap needs at least three points"
