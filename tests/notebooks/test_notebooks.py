"""The tutorial notebooks: committed clean, Colab-ready, and executable headless in demo mode.

Static checks read the .ipynb files; execution runs every notebook with nbclient
on the venv's own Python (a kernelspec written for the test, so a user-level
``python3`` kernel elsewhere cannot hijack it), with papermill-style injected
parameters. Notebooks 02-05 share one ``ci`` run directory built once per
session; 01 gets its own. Executed copies land in ``build/notebooks/`` with
their figures.
"""
import ast
import hashlib
import json
import re
import sys
import time
import tomllib
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement

from tutorial_lib import colab_links

REPO = Path(__file__).resolve().parents[2]
NB_DIR = REPO / "notebooks"
BUILD = REPO / "build" / "notebooks"
NAMES = ["01_crowdsourcing_basics", "02_collecting_answers", "03_answer_validation",
         "04_instruction_finetuning", "05_hands_on_mt5"]
PARAMETERS = {"preset", "backend", "model_size", "run_dir"}
MAX_SECONDS = 300
MAX_CELL_LINES = 10


def _nb(name: str):
    return nbformat.read(NB_DIR / f"{name}.ipynb", as_version=4)


def _code(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _tagged(nb, tag: str):
    return [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]


def test_the_five_notebooks_and_nothing_else():
    assert sorted(p.stem for p in NB_DIR.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_committed_without_outputs(name):
    nb = _nb(name)
    for i, cell in enumerate(_code(nb)):
        assert cell.outputs == [] and cell.execution_count is None, f"{name}: code cell {i} has output"
    assert "widgets" not in nb.metadata, f"{name}: saved widget state is output too"


@pytest.mark.parametrize("name", NAMES)
def test_parameters_cell_is_tagged_and_literal(name):
    cells = _tagged(_nb(name), "parameters")
    assert len(cells) == 1, f"{name}: needs exactly one cell tagged 'parameters'"
    tree = ast.parse(cells[0].source)
    assigned = {}
    for node in tree.body:
        assert isinstance(node, ast.Assign), f"{name}: parameters cell holds only assignments"
        assigned[node.targets[0].id] = ast.literal_eval(node.value)
    assert PARAMETERS <= assigned.keys(), f"{name}: missing {PARAMETERS - assigned.keys()}"
    assert assigned["preset"] == "demo" and assigned["backend"] == "simulated"
    assert assigned["model_size"] in ("small", "base", "large")


@pytest.mark.parametrize("name", NAMES)
def test_opens_with_badge_goals_and_time_budget(name):
    nb = _nb(name)
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    assert colab_links.badge_markdown(name) in first.source, f"{name}: badge must match pyproject"
    assert re.search(r"(?i)\bgoals?\b", first.source) and re.search(r"(?i)time budget", first.source)
    assert re.search(r"\b\d+ min", first.source)
    links = re.findall(r"https://colab\.research\.google\.com/github/[^)\s\"]+", nbformat.writes(nb))
    assert links and set(links) == {colab_links.colab_url(name)}, f"{name}: stray Colab links {set(links)}"


@pytest.mark.parametrize("name", NAMES)
def test_first_code_cell_is_the_setup_cell(name):
    assert _code(_nb(name))[0].source == colab_links.setup_cell_source()


def test_setup_cell_installs_the_kit_and_repeats_no_pins():
    """Pins live in pyproject.toml only: the cell installs the kit, which brings its own."""
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    source = colab_links.setup_cell_source()
    src = colab_links.kit_source()
    assert f'"{src.requirement}"' in source and "TUTORIAL_KIT_SOURCE" in source
    assert "chdir" not in source and "git clone" not in source
    for dep in deps:
        assert Requirement(dep).name not in source, f"setup cell repeats the pin of {dep}"


@pytest.mark.parametrize("name", NAMES)
def test_cells_are_short_and_hold_no_secrets(name):
    for cell in _code(_nb(name)):
        lines = [ln for ln in cell.source.splitlines() if ln.strip()]
        assert len(lines) <= MAX_CELL_LINES, f"{name}: a {len(lines)}-line cell:\n{cell.source}"
        assert not re.search(r"(?i)(token|api_key|password|secret)\w*\s*=\s*['\"]", cell.source), \
            f"{name}: a literal secret in a cell"


# ------------------------------------------------------------------ execution


@pytest.fixture(scope="session")
def kernel_dir(tmp_path_factory):
    """A kernelspec pointing at this interpreter (ipykernel from the dev extra)."""
    root = tmp_path_factory.mktemp("kernels")
    spec = root / "tutorial-lib-test"
    spec.mkdir()
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "tutorial-lib test", "language": "python",
        "env": {"PYTHONPATH": str(REPO)}}))  # this checkout's kit, not another editable install
    return root


@pytest.fixture(scope="session")
def shared_run(ci_run_dir):
    """One finished ``ci`` run (tests/conftest.py) that notebooks 02-05 read instead of redoing it."""
    return ci_run_dir


def _snapshot(root: Path) -> dict[str, str]:
    """Hash of every file in a run directory, to prove a re-run changed nothing."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _inject(nb, params: dict):
    index = nb.cells.index(_tagged(nb, "parameters")[0])
    cell = nbformat.v4.new_code_cell("\n".join(f"{k} = {v!r}" for k, v in params.items()))
    cell.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(index + 1, cell)


def execute(name: str, params: dict, kernel_dir: Path, suffix: str = ""):
    """Run a notebook top to bottom; returns the executed notebook and its wall time."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    nb = _nb(name)
    _inject(nb, params)
    km = KernelManager(kernel_name="tutorial-lib-test",
                       kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernel_dir)]))
    client = NotebookClient(nb, km=km, timeout=MAX_SECONDS, allow_errors=False,
                            resources={"metadata": {"path": str(NB_DIR)}})
    start = time.monotonic()
    try:
        client.execute()
    finally:
        BUILD.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, BUILD / f"{name}{suffix}.ipynb")
    return nb, time.monotonic() - start


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_headless_in_demo_mode(name, kernel_dir, request, tmp_path):
    if name == NAMES[0]:  # notebook 01 runs no pipeline stage: it gets a folder of its own
        params = {"preset": "ci", "run_dir": str(tmp_path / "nb01")}
    else:
        params = {"preset": "ci", "run_dir": str(request.getfixturevalue("shared_run"))}
    before = _snapshot(Path(params["run_dir"])) if name != NAMES[0] else None
    nb, seconds = execute(name, params, kernel_dir)
    if before is not None:  # every stage had run: re-running the notebook must create nothing
        after = _snapshot(Path(params["run_dir"]))
        changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        assert not changed, f"{name} changed a finished run: {changed[:10]}"
    assert seconds < MAX_SECONDS, f"{name} took {seconds:.0f}s"
    for cell in _tagged(nb, "figure"):
        assert any("image/png" in o.get("data", {}) for o in cell.outputs), \
            f"{name}: figure cell made no image:\n{cell.source}"
    assert _tagged(nb, "figure"), f"{name}: no cell tagged 'figure'"
    for cell in _code(nb):
        for out in cell.outputs:
            assert out.output_type != "error", out
            text = out.get("text", "")
            assert "Traceback" not in text, text


@pytest.mark.slow
@pytest.mark.parametrize("name", ["04_instruction_finetuning", "05_hands_on_mt5"])
def test_notebook_runs_with_a_decoder(name, kernel_dir, request):
    """``model_family = "causal"`` on ``ci``: the tiny causal stand-in's finished run, reused."""
    root = request.getfixturevalue("ci_causal_run_dir")
    before = _snapshot(root)
    nb, seconds = execute(name, {"preset": "ci", "run_dir": str(root), "model_family": "causal"},
                          kernel_dir, suffix="-causal")
    after = _snapshot(root)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"{name} changed a finished causal run: {changed[:10]}"
    assert seconds < MAX_SECONDS, f"{name} took {seconds:.0f}s"
    for cell in _code(nb):
        for out in cell.outputs:
            assert out.output_type != "error", out
    text = "".join(o.get("text", "") for c in _code(nb) for o in c.outputs)
    assert "tiny-causal" in text  # the notebook says which model it trained
