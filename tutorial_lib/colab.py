"""Colab and live use: the repository URL, the setup cell, the runtime check, Drive, tokens.

The repository URL lives here and nowhere else: every notebook's "Open in
Colab" badge and setup cell are checked against it by the notebook tests. The
runtime check answers the two questions that decide a run on Colab: is there a
GPU, and may it train in bf16 (only at compute capability >= 8.0; a T4 is 7.5
and mT5 in fp16 gives NaN/zero loss, so a T4 trains in fp32). Tokens come from
Colab secrets, the environment or ``getpass``, never from a notebook cell.

Taught in notebooks/02_collecting_answers.
"""
from __future__ import annotations

import logging
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from .config import REPO_ROOT
from .crowd.secrets import MissingSecret, Secret, get_token  # noqa: F401  (one place for tokens)

logger = logging.getLogger(__name__)

REPO_URL = "https://github.com/low-resource-alignment/tutorial-kit"
BRANCH = "main"
COLAB_BADGE_IMG = "https://colab.research.google.com/assets/colab-badge.svg"
KIT_DIR_ON_COLAB = "/content/tutorial-kit"
DRIVE_MOUNT = "/content/drive"
DRIVE_RUNS = "MyDrive/tutorial_lib_runs"


def repo_slug(url: str | None = None) -> str:
    """``owner/name`` of a GitHub URL (default: :data:`REPO_URL`)."""
    url = REPO_URL if url is None else url
    prefix = "https://github.com/"
    if not url.startswith(prefix):
        raise ValueError(f"REPO_URL must start with {prefix}, got {url!r}")
    slug = url[len(prefix):].rstrip("/").removesuffix(".git")
    if slug.count("/") != 1:
        raise ValueError(f"REPO_URL must look like {prefix}OWNER/NAME, got {url!r}")
    return slug


def colab_url(notebook: str) -> str:
    """The Colab address that opens ``notebooks/<notebook>.ipynb`` from the repository."""
    name = notebook if notebook.endswith(".ipynb") else f"{notebook}.ipynb"
    return f"https://colab.research.google.com/github/{repo_slug()}/blob/{BRANCH}/notebooks/{name}"


def badge_markdown(notebook: str) -> str:
    """The Markdown of a notebook's "Open in Colab" badge.

    Taught in notebooks/01_crowdsourcing_basics.
    """
    return f"[![Open In Colab]({COLAB_BADGE_IMG})]({colab_url(notebook)})"


def setup_cell_source() -> str:
    """The first code cell of every notebook: install the kit on Colab only, idempotently.

    It cannot import the kit (it installs it), so its text is generated here and the
    notebook tests require each notebook's copy to equal it. Pins come from the
    repository's ``pyproject.toml`` through ``pip install -e``; none are repeated here.
    """
    return "\n".join([
        "# Setup: on Colab, fetch and install the kit once (versions pinned by its pyproject.toml).",
        "import os, subprocess, sys",
        f'REPO_URL = "{REPO_URL}"',
        'if "google.colab" in sys.modules:',
        f'    KIT = "{KIT_DIR_ON_COLAB}"',
        "    if not os.path.exists(KIT):",
        '        subprocess.run(["git", "clone", "--depth", "1", REPO_URL, KIT], check=True)',
        '        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", KIT], check=True)',
        "    os.chdir(KIT)",
        "    sys.path.insert(0, KIT)",
    ])


def in_colab() -> bool:
    """True inside a Google Colab runtime."""
    return "google.colab" in sys.modules


@dataclass
class RuntimeInfo:
    """What this runtime can do, and which preset and precision fit it."""

    in_colab: bool
    cuda: bool
    gpu_name: str
    compute_capability: tuple[int, int] | None
    gpu_memory_gb: float
    bf16: bool
    precision: str
    preset: str

    def summary(self) -> str:
        """One line for the runtime-check cell."""
        if not self.cuda:
            return (f"No GPU: CPU runtime{' on Colab' if self.in_colab else ''}. Use preset "
                    f"'{self.preset}' (tiny local model); on Colab pick Runtime > Change runtime type > T4 GPU.")
        cc = ".".join(map(str, self.compute_capability or ()))
        why = "compute capability >= 8.0" if self.bf16 else "bf16 needs compute capability >= 8.0"
        return (f"GPU: {self.gpu_name} ({self.gpu_memory_gb:.0f} GB, compute capability {cc}); "
                f"train in {self.precision} ({why}); suggested preset '{self.preset}'.")

    def to_dict(self) -> dict:
        return asdict(self)


def recommend_preset(cuda: bool, capability: tuple[int, int] | None, memory_gb: float) -> str:
    """``demo`` without a GPU, ``full`` on a large Ampere-or-newer card, else ``colab-t4``."""
    if not cuda:
        return "demo"
    if capability and capability >= (8, 0) and memory_gb >= 40:
        return "full"
    return "colab-t4"


def _gpu_probe() -> tuple[str, float]:
    """Name and memory (GB) of GPU 0; only called when there is one."""
    import torch

    props = torch.cuda.get_device_properties(0)
    return props.name, props.total_memory / 1024**3


def runtime_info(model_name: str = "google/mt5-small") -> RuntimeInfo:
    """Probe the GPU and pick the precision the fine-tuning code will pick for ``model_name``:
    bf16 only at compute capability >= 8.0, fp32 otherwise (a T4 is 7.5; fp16 breaks mT5).

    Taught in notebooks/04_instruction_finetuning.
    """
    from .finetune.precision import choose_precision, gpu_capability

    cc = gpu_capability()
    name, mem = _gpu_probe() if cc is not None else ("", 0.0)
    precision = choose_precision("auto", model_name=model_name)
    return RuntimeInfo(in_colab=in_colab(), cuda=cc is not None, gpu_name=name,
                       compute_capability=cc, gpu_memory_gb=round(mem, 1),
                       bf16=precision == "bf16", precision=precision,
                       preset=recommend_preset(cc is not None, cc, mem))


def hub_access(preset: str) -> bool:
    """Decide once, before any Hugging Face import, whether this notebook may use the Hub.

    Presets built on the tiny local model (``demo``, ``ci``) stay offline, so a
    laptop demo never waits on a network; GPU presets download their checkpoint
    and benchmarks. ``TUTORIAL_LIB_ONLINE=1`` forces online (the command line's
    convention) and variables already set are respected. Returns True when online.

    Taught in notebooks/02_collecting_answers.
    """
    from .config import load_config

    online = (os.environ.get("TUTORIAL_LIB_ONLINE") == "1"
              or load_config(preset).finetune.model != "tiny")
    for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ.setdefault(var, "0" if online else "1")
    effective = os.environ["HF_HUB_OFFLINE"].lower() not in ("1", "true", "yes")
    if "huggingface_hub" in sys.modules and effective != online:
        logger.warning("Hugging Face libraries were imported before hub_access(); restart the "
                       "runtime for the %s setting to apply", "online" if online else "offline")
    return effective


def enable_widgets() -> None:
    """Colab renders ipywidgets 8 only through its custom widget manager; elsewhere a no-op."""
    if in_colab():
        from google.colab import output  # type: ignore[import-not-found]

        output.enable_custom_widget_manager()


def run_dir(name: str, use_drive: bool = False) -> Path:
    """Where a notebook's run lives: Google Drive when asked on Colab (survives a disconnect),
    else ``runs/<name>`` in the repository. Re-running returns the same folder.

    Taught in notebooks/02_collecting_answers.
    """
    if Path(name).is_absolute():
        return Path(name)
    if use_drive and in_colab():
        from google.colab import drive  # type: ignore[import-not-found]

        if not Path(DRIVE_MOUNT, "MyDrive").exists():
            drive.mount(DRIVE_MOUNT)
        path = Path(DRIVE_MOUNT, DRIVE_RUNS, name)
    else:
        if use_drive:
            logger.warning("use_drive=True but this is not Colab: keeping the run under runs/")
        path = REPO_ROOT / "runs" / name
    path.mkdir(parents=True, exist_ok=True)
    return path
