"""The Colab path, end to end: a fresh runtime without the kit, each notebook alone in an empty folder.

What Colab gives an attendee, approximated offline: a fresh virtual environment
with torch and Jupyter but WITHOUT the kit, a stand-in ``google.colab`` package
(``tests/colab_stub``) imported when the kernel starts, and the current folder
empty. ``TUTORIAL_KIT_SOURCE`` points the setup cell at a wheel built from this
checkout, so the setup cell itself must install the kit (and its dependencies
the first time); the test removes the kit before every notebook so each one
installs it again. Every notebook then runs top to bottom with ``preset="ci"``
and its default run folder, so 02-05 must rebuild the earlier stages they need.
Last, the installed command runs the pipeline from another empty folder.

The venv (torch and Jupyter, plus the kit's dependencies after the first
install) is cached in ``~/.cache/tutorial-lib-tests`` (or ``TUTORIAL_LIB_TEST_CACHE``),
keyed by Python and torch, and shared by every clone of the repository on the
machine: later sessions skip its set-up, and a file lock lets two sessions take
turns. A fresh machine builds it once (minutes, with the package index
reachable). ``TORCH_SPEC`` picks the torch requirement, as in the Makefile.
"""
import contextlib
import fcntl
import hashlib
import json
import os
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
STUB = REPO / "tests" / "colab_stub"
NAMES = ["01_crowdsourcing_basics", "02_collecting_answers", "03_answer_validation",
         "04_instruction_finetuning", "05_hands_on_mt5"]
TORCH_SPEC = os.environ.get("TORCH_SPEC", "torch==2.13.0")
JUPYTER = ["nbclient>=0.10", "ipykernel>=6.29"]
CELL_TIMEOUT = 900  # the first install pulls every dependency of the kit
CACHE = Path(os.environ.get("TUTORIAL_LIB_TEST_CACHE", Path.home() / ".cache" / "tutorial-lib-tests"))


@contextlib.contextmanager
def _locked(venv: Path):
    """One session at a time installs into (and runs notebooks from) the shared venv."""
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f"{venv.name}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, check=False, capture_output=True, text=True, **kw)
    if done.returncode:
        raise AssertionError(f"{' '.join(map(str, cmd))} failed:\n{done.stdout[-3000:]}"
                             f"\n{done.stderr[-3000:]}")
    return done


def _clean_env(**extra: str) -> dict:
    """The test's environment minus anything that would let the venv see this checkout."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "TUTORIAL_KIT_SOURCE")}
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", MPLBACKEND="Agg",
               TOKENIZERS_PARALLELISM="false", OMP_NUM_THREADS="1", **extra)
    return env


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    """A wheel of this checkout (hatchling from the dev extra; else pip fetches it)."""
    out = tmp_path_factory.mktemp("wheel")
    try:
        import hatchling  # noqa: F401

        isolation = ["--no-build-isolation"]
    except ImportError:
        isolation = []
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", *isolation, "-w", str(out),
          str(REPO)])
    (built,) = out.glob("tutorial_lib-*.whl")
    return built


@pytest.fixture(scope="session")
def colab_venv() -> Path:
    """A venv with torch and Jupyter but not the kit; ``google.colab`` is the stand-in."""
    key = hashlib.sha256(f"{sys.version}|{TORCH_SPEC}|{JUPYTER}".encode()).hexdigest()[:12]
    root = CACHE / f"colab-venv-{key}"
    python = root / "bin" / "python"
    with _locked(root):
        if not (root / ".ready").exists():
            _run([sys.executable, "-m", "venv", "--clear", str(root)])
            _run([str(python), "-m", "pip", "install", "-q", TORCH_SPEC, *JUPYTER],
                 env=_clean_env(), timeout=1800)
            (root / ".ready").write_text(time.strftime("%Y-%m-%d %H:%M:%S"))
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
    Path(purelib.stdout.strip(), "colab_stub.pth").write_text(f"{STUB}\n")  # on sys.path, as Colab
    kernels = root / "share" / "kernels" / "colab-like"
    kernels.mkdir(parents=True, exist_ok=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}",
                 "--IPKernelApp.exec_lines=import google.colab"],  # Colab imports it at start
        "display_name": "colab-like", "language": "python"}))
    return root


def _uninstall_kit(venv: Path) -> None:
    _run([str(venv / "bin" / "python"), "-m", "pip", "uninstall", "-q", "-y", "tutorial-lib"])


def _execute(name: str, folder: Path, venv: Path, wheel: Path):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    nb = nbformat.read(REPO / "notebooks" / f"{name}.ipynb", as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell('preset = "ci"'))
    km = KernelManager(kernel_name="colab-like",
                       kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(venv / "share" / "kernels")]))
    env = _clean_env(TUTORIAL_KIT_SOURCE=str(wheel), PATH=f"{venv / 'bin'}:{os.environ['PATH']}")
    client = NotebookClient(nb, km=km, timeout=CELL_TIMEOUT, allow_errors=False,
                            resources={"metadata": {"path": str(folder)}})
    with _patched_environ(env):  # the kernel inherits the environment it is started in
        client.execute()
    return nb


class _patched_environ:
    def __init__(self, env: dict):
        self.env, self.saved = env, None

    def __enter__(self):
        self.saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(self.env)

    def __exit__(self, *exc):
        os.environ.clear()
        os.environ.update(self.saved)


def _text(nb, cell_index: int) -> str:
    outs = nb.cells[cell_index].get("outputs", [])
    return "".join(o.get("text", "") for o in outs if o.output_type == "stream")


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_standalone_in_a_fresh_colab_like_runtime(name, colab_venv, wheel, tmp_path):
    folder = tmp_path / "content"
    folder.mkdir()
    with _locked(colab_venv):
        _uninstall_kit(colab_venv)
        nb = _execute(name, folder, colab_venv, wheel)
        site = Path(_run([str(colab_venv / "bin" / "python"), "-c",
                          "import tutorial_lib; print(tutorial_lib.__file__)"],
                         cwd=folder, env=_clean_env()).stdout.strip()).parent
    setup = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    assert "tutorial-lib 0.1.0 installed; no restart needed" in _text(nb, setup)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.output_type != "error", out
    assert (folder / "runs" / "nb-ci-tiny").is_dir(), sorted(p.name for p in folder.rglob("*"))[:20]
    assert not (site / "runs").exists() and not (site.parent / "runs").exists()
    assert str(site).startswith(str(colab_venv))  # the installed wheel, not this checkout


@pytest.mark.slow
def test_installed_command_runs_from_an_empty_folder(colab_venv, wheel, tmp_path):
    venv_python = str(colab_venv / "bin" / "python")
    with _locked(colab_venv):
        _run([venv_python, "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", str(wheel)],
             env=_clean_env(), timeout=1800)
        done = _run([str(colab_venv / "bin" / "tutorial-lib"), "run", "--preset", "ci", "--out",
                     "runs/ci", "--stage", "prompts", "--stage", "answers"], cwd=tmp_path,
                    env=_clean_env())
        presets = _run([venv_python, "-c", ("from tutorial_lib.config import CONFIG_DIR, DATA_DIR; "
                        "print(CONFIG_DIR); print(DATA_DIR)")], cwd=tmp_path, env=_clean_env())
    assert (tmp_path / "runs" / "ci" / "02_answers" / "manifest.json").exists(), done.stdout
    config_dir, data_dir = presets.stdout.split()
    assert "_shipped" in config_dir and Path(data_dir, "prompts", "seed_sw.jsonl").exists()
    assert sysconfig.get_path("purelib") not in config_dir  # the venv's copy, not the runner's
