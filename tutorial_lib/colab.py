"""Colab and live use: the setup cell's follow-up, the runtime check, Hub access, Drive, tokens.

Links (badges, the setup cell's text) live in :mod:`tutorial_lib.colab_links`,
derived from ``pyproject.toml``. The runtime check answers the two questions
that decide a run on Colab: is there a GPU, and may it train in bf16 (only at
compute capability >= 8.0; a T4 is 7.5 and mT5 in fp16 gives NaN/zero loss, so a
T4 trains in fp32). Tokens come from Colab secrets, the environment or
``getpass``, never from a notebook cell. Run folders are keyed by preset and
model, so switching either never reuses another configuration's results.

Taught in notebooks/02_collecting_answers.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from .crowd.secrets import MissingSecret, Secret, get_token  # noqa: F401  (one place for tokens)
from .hub import env_true, hf_offline

logger = logging.getLogger(__name__)

DRIVE_MOUNT = "/content/drive"
DRIVE_RUNS = "MyDrive/tutorial_lib_runs"
HUB_VARS = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")
_SET_BY_KIT: dict[str, str] = {}  # what hub_access wrote, so a later preset may change it


def after_install(before: dict[str, str]) -> str:
    """What the setup cell prints after ``pip install``: whether the runtime must restart.

    A module already imported stays in memory in its old version; if pip replaced
    one (Colab preloads a few), code would mix old and new. Only then a restart is
    needed, and the message names what changed.

    Args:
        before: ``{distribution name: version}`` taken just before the install.

    Returns:
        One line for the attendee.
    """
    after = {d.name: d.version for d in metadata.distributions()}
    changed = {name for name, version in after.items() if before.get(name, version) != version}
    # setuptools' _distutils_hack is imported by a .pth file at every start; it only redirects a
    # later `import distutils`, so replacing setuptools under it needs no restart.
    imported = {m.split(".")[0] for m in list(sys.modules)} - {"_distutils_hack"}
    owners = metadata.packages_distributions()
    stale = sorted(name for mod in imported for name in owners.get(mod, []) if name in changed)
    if stale:
        listed = ", ".join(f"{n} {before[n]} -> {after[n]}" for n in dict.fromkeys(stale))
        return (
            f"Restart needed: pip replaced {listed}, already imported by this runtime. "
            "Use Runtime > Restart session, then run this cell again (it skips the install)."
        )
    return f"tutorial-lib {after.get('tutorial-lib', '?')} installed; no restart needed."


def in_colab() -> bool:
    """Whether this code runs inside a Google Colab runtime.

    Colab is detected by its ``google.colab`` module being imported (Colab
    imports it at start), so nothing is imported or probed here.

    Returns:
        True inside a Google Colab runtime, False elsewhere (Jupyter, a script).
    """
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
        """One line for the runtime-check cell: the GPU, the precision and why, the preset.

        Returns:
            The line to print; without a GPU it says how to get one on Colab.
        """
        if not self.cuda:
            return (
                f"No GPU: CPU runtime{' on Colab' if self.in_colab else ''}. Use preset "
                f"'{self.preset}' (tiny local model); on Colab pick Runtime > Change runtime type > T4 GPU."
            )
        cc = ".".join(map(str, self.compute_capability or ()))
        why = "compute capability >= 8.0" if self.bf16 else "bf16 needs compute capability >= 8.0"
        return (
            f"GPU: {self.gpu_name} ({self.gpu_memory_gb:.0f} GB, compute capability {cc}); "
            f"train in {self.precision} ({why}); suggested preset '{self.preset}'."
        )

    def to_dict(self) -> dict:
        """The fields as plain values, for a JSON log or a test.

        Returns:
            Field name -> value (``compute_capability`` stays a tuple or None).
        """
        return asdict(self)


def recommend_preset(cuda: bool, capability: tuple[int, int] | None, memory_gb: float) -> str:
    """The preset that fits a runtime: ``demo`` without a GPU, ``full`` on a large
    Ampere-or-newer card, else ``colab-t4``.

    ``full`` needs bf16 (compute capability >= 8.0) and at least 40 GB of GPU
    memory; a T4, or any card short of either, gets ``colab-t4``.

    Args:
        cuda: whether a CUDA GPU is present.
        capability: the GPU's compute capability as ``(major, minor)``; None without one.
        memory_gb: the GPU's memory in GiB.

    Returns:
        A preset name: ``"demo"``, ``"colab-t4"`` or ``"full"``.

    Examples:
        >>> recommend_preset(False, None, 0.0)
        'demo'
        >>> recommend_preset(True, (7, 5), 15.0)  # a T4
        'colab-t4'
        >>> recommend_preset(True, (8, 0), 80.0)  # an A100 80 GB
        'full'
    """
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

    Args:
        model_name: the checkpoint to be fine-tuned; the precision rule depends on it
            (see :func:`tutorial_lib.finetune.precision.choose_precision`).

    Returns:
        A :class:`RuntimeInfo`; print its :meth:`~RuntimeInfo.summary`.

    Taught in notebooks/04_instruction_finetuning.
    """
    from .finetune.precision import choose_precision, gpu_capability

    cc = gpu_capability()
    name, mem = _gpu_probe() if cc is not None else ("", 0.0)
    precision = choose_precision("auto", model_name=model_name)
    return RuntimeInfo(
        in_colab=in_colab(),
        cuda=cc is not None,
        gpu_name=name,
        compute_capability=cc,
        gpu_memory_gb=round(mem, 1),
        bf16=precision == "bf16",
        precision=precision,
        preset=recommend_preset(cc is not None, cc, mem),
    )


def hub_access(preset: str) -> bool:
    """Decide, before any Hugging Face download, whether this notebook may use the Hub.

    Presets built on the tiny local model (``demo``, ``ci``) stay offline, so a
    laptop demo never waits on a network; GPU presets download their checkpoint
    and benchmarks. ``TUTORIAL_LIB_ONLINE=1`` forces online (the command line's
    convention). A value the user set is respected; a value an earlier call set
    follows the new preset, also in Hugging Face libraries already imported, so
    switching ``preset`` in the same runtime needs no restart.

    Args:
        preset: a preset name or YAML path.

    Returns:
        True when online.

    Taught in notebooks/02_collecting_answers.
    """
    from .config import load_config
    from .finetune.loading import TINY, TINY_CAUSAL

    online = os.environ.get("TUTORIAL_LIB_ONLINE") == "1" or load_config(
        preset
    ).finetune.model not in (TINY, TINY_CAUSAL)
    wanted = "0" if online else "1"
    for var in HUB_VARS:
        current = os.environ.get(var)
        if current is None or current == _SET_BY_KIT.get(var):
            os.environ[var] = _SET_BY_KIT[var] = wanted
    offline = env_true(os.environ["HF_HUB_OFFLINE"])
    _apply_to_loaded_libraries(offline=offline)
    return not hf_offline()


def _apply_to_loaded_libraries(offline: bool) -> None:
    """Hugging Face libraries read the offline switch once, at import: update their copy."""
    hub = sys.modules.get("huggingface_hub.constants")
    if hub is not None:
        hub.HF_HUB_OFFLINE = offline
    datasets_config = sys.modules.get("datasets.config")
    if datasets_config is not None:
        datasets_config.HF_HUB_OFFLINE = datasets_config.HF_DATASETS_OFFLINE = offline


def enable_widgets() -> None:
    """Colab renders ipywidgets 8 only through its custom widget manager; elsewhere a no-op."""
    if in_colab():
        from google.colab import output  # type: ignore[import-not-found]

        output.enable_custom_widget_manager()


def run_key(cfg) -> str:
    """The default run folder name of a configuration: ``nb-PRESET-MODEL`` (e.g. ``nb-ci-tiny``,
    ``nb-colab-t4-mt5-small``), so switching ``preset`` or ``model_size`` starts a fresh run.

    Args:
        cfg: a :class:`~tutorial_lib.config.PipelineConfig`; its ``name`` (the preset
            name or YAML path) and ``finetune.model`` (last path part) name the folder.

    Returns:
        The folder name, without any parent directory.

    Examples:
        >>> from types import SimpleNamespace as NS
        >>> run_key(NS(name="colab-t4", finetune=NS(model="google/mt5-small")))
        'nb-colab-t4-mt5-small'
    """
    model = Path(str(cfg.finetune.model).rstrip("/")).name or "model"
    return f"nb-{Path(cfg.name).stem}-{model}"


def run_dir(name: str | None = None, use_drive: bool = False, cfg=None) -> Path:
    """Where a notebook's run lives; re-running returns the same folder.

    Args:
        name: a folder name (under ``runs/`` in the current folder, or on Drive), an
            absolute path, or None for :func:`run_key` of ``cfg``.
        use_drive: on Colab, keep the run on Google Drive (it survives a disconnect,
            and a later notebook in a fresh runtime finds the stages already done).
        cfg: the run's :class:`~tutorial_lib.config.PipelineConfig`, needed when ``name`` is None.

    Returns:
        The folder, created.

    Raises:
        ValueError: if both ``name`` and ``cfg`` are None (nothing to name the folder by).

    Taught in notebooks/02_collecting_answers.
    """
    if name is None:
        if cfg is None:
            raise ValueError("run_dir(None) needs cfg to name the folder by preset and model")
        name = run_key(cfg)
    if Path(name).is_absolute():
        path = Path(name)
    elif use_drive and in_colab():
        from google.colab import drive  # type: ignore[import-not-found]

        if not Path(DRIVE_MOUNT, "MyDrive").exists():
            drive.mount(DRIVE_MOUNT)
        path = Path(DRIVE_MOUNT, DRIVE_RUNS, name)
    else:
        if use_drive:
            logger.warning("use_drive=True but this is not Colab: keeping the run under runs/")
        path = Path.cwd() / "runs" / name  # the current folder, never the install location
    path.mkdir(parents=True, exist_ok=True)
    return path


DECODER_PRESETS = {"colab-t4": "colab-t4-decoder", "full": "full-decoder"}


def notebook_config(
    preset: str,
    backend: str = "simulated",
    model_size: str = "small",
    model_family: str = "seq2seq",
):
    """The notebooks' configuration from their parameters cell.

    Args:
        preset: ``demo``, ``ci``, ``colab-t4``, ``full`` or a YAML path.
        backend: the crowd backend (``simulated``, ``room``, ``toloka``).
        model_size: on a GPU preset, the mT5 size (``small``, ``base``, ``large``);
            presets on the tiny local model ignore it, and so does ``causal``.
        model_family: ``seq2seq`` (mT5) or ``causal`` (a decoder: the tiny causal
            stand-in on ``demo``/``ci``; on ``colab-t4``/``full`` the fine-tuning
            settings of ``colab-t4-decoder``/``full-decoder``).

    Returns:
        The validated :class:`~tutorial_lib.config.PipelineConfig`.

    Raises:
        ConfigError: ``model_family`` is neither ``seq2seq`` nor ``causal``.

    Taught in notebooks/05_hands_on_mt5.
    """
    import dataclasses

    from .config import ConfigError, load_config
    from .finetune.loading import FAMILIES, TINY, TINY_CAUSAL

    if model_family not in FAMILIES:
        raise ConfigError(
            f"model_family must be one of {', '.join(FAMILIES)}, got {model_family!r}"
        )
    overrides: dict = {"crowd": {"backend": backend}}
    tiny = load_config(preset).finetune.model in (TINY, TINY_CAUSAL)
    if model_family == "causal":
        decoder = load_config(DECODER_PRESETS.get(Path(preset).stem, "colab-t4-decoder"))
        overrides["finetune"] = (
            {"model": TINY_CAUSAL} if tiny else dataclasses.asdict(decoder.finetune)
        )
    elif not tiny:
        overrides["finetune"] = {"model": f"google/mt5-{model_size}"}
    return load_config(preset, overrides=overrides)


def budget_line(cfg, stage: str) -> str:
    """What a long notebook cell is about to do and the time it may take, from the config.

    Args:
        cfg: the run's configuration.
        stage: ``"finetune"`` or ``"evaluate"``.

    Returns:
        One line to print before the work starts.

    Raises:
        ValueError: if ``stage`` is neither ``"finetune"`` nor ``"evaluate"``.

    Taught in notebooks/05_hands_on_mt5.
    """
    if stage == "finetune":
        ft = cfg.finetune
        limit = (
            f"or {ft.time_budget_min:g} min (finetune.time_budget_min), whichever comes first, "
            "then saves; resume=True continues"
            if ft.time_budget_min
            else "(no time budget)"
        )
        return (
            f"Fine-tuning {ft.model}: up to {ft.max_steps} steps of {ft.batch_size} pairs {limit}."
        )
    if stage == "evaluate":
        ev = cfg.evaluate
        limit = (
            f"within {ev.time_budget_min:g} min (evaluate.time_budget_min): it times the first "
            "batches, then scores a stratified subset that fits and states its size"
            if ev.time_budget_min
            else "on every document (no time budget)"
        )
        return (
            f"Evaluating base and fine-tuned models on {', '.join(ev.tasks)} and held-out "
            f"prompts {limit}."
        )
    raise ValueError(f"budget_line knows finetune and evaluate, not {stage!r}")
