"""Typed presets (``demo``, ``ci``, ``colab-t4``, ``full``) loaded from ``configs/*.yaml``.

Each section is a pydantic dataclass: types, ranges and choices are enforced
(strictly for integers and booleans, so ``1.5`` steps or ``"nope"`` for a yes/no
setting never pass), unknown keys are refused, and every change (``--set``, a
CLI flag, ``cfg.crowd.backend = ...`` in a notebook) is validated again. A bad
value fails at load time with one line naming the key, the value and what is
allowed, not halfway through a GPU run. The strict field types and the wording
of those lines live in :mod:`tutorial_lib.config_fields`.

Taught in notebooks/01_crowdsourcing_basics.
"""

from __future__ import annotations

import dataclasses
from dataclasses import field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import StrictBool, StrictInt, ValidationError
from pydantic.dataclasses import dataclass

from .config_fields import (
    STRICT,
    Count,
    CountOrZero,
    Fraction,
    NonNegative,
    OpenShare,
    Port,
    Positive,
    Share,
    Text,
    explain,
    require,
)
from .errors import TutorialLibError
from .resources import SOURCE_ROOT as REPO_ROOT  # noqa: F401  (the clone; slides read it)
from .resources import resolve_path, shipped_dir  # noqa: F401  (resolve_path: re-exported)

CONFIG_DIR = shipped_dir("configs")  # inside the package when installed from a wheel
DATA_DIR = shipped_dir("data")
PRESETS = ("demo", "ci", "colab-t4", "full", "colab-t4-decoder", "full-decoder")
TASKS = ("xcopa", "xnli", "xstorycloze")


class ConfigError(TutorialLibError, ValueError):
    """A preset value that cannot work; the message names the key, the value and what is allowed."""


# How a prompts file is read (``prompts.format``, ``--prompt-format``): the one list of choices.
PROMPT_FORMATS = ("auto", "seed", "jsonl", "json", "csv", "tsv", "hf")


@dataclass(config=STRICT)
class PromptsConfig:
    """Where prompts come from and how columns map onto the Prompt schema."""

    path: Text = "data/prompts/seed_sw.jsonl"
    format: Literal[PROMPT_FORMATS] = "auto"
    mapping: dict[str, str] | Text = field(default_factory=dict)  # columns, or a known name
    limit: Count | None = None  # a category-balanced subset of this many prompts
    lang: Text = "sw"
    translate_missing: StrictBool = False
    mt_model: Text = "facebook/nllb-200-distilled-600M"
    max_chars: Count = 20000  # longest prompt/context/reference accepted on import


@dataclass(config=STRICT)
class CrowdConfig:
    """Crowd backend, overlaps and pay (Parts I and II)."""

    backend: Literal["simulated", "toloka", "room"] = "simulated"
    answer_overlap: Count = 2
    validation_overlap: Count = 2  # the start; dynamic overlap asks for more while unsure
    validation_max_overlap: Count = 7
    dynamic_overlap: StrictBool = True
    confidence_threshold: Fraction = 0.89
    scale: Literal["binary", "likert5"] = "binary"
    hourly_pay_usd: NonNegative = 12.0
    seconds_per_answer: Positive = 120.0
    seconds_per_vote: Positive = 36.0
    platform_fee: Fraction = 0.3
    control_share: Share = 0.1
    budget_usd: Positive = 500.0
    # Real money on Toloka: only a true YAML boolean (true) enables it, never a string.
    production: StrictBool = False
    n_workers: Count = 40
    room_host: Text = "127.0.0.1"
    room_port: Port = 8000
    wait_timeout_s: NonNegative | None = None  # how long a live (room/Toloka) stage waits

    def __post_init__(self) -> None:
        require(
            self.validation_max_overlap >= self.validation_overlap,
            f"crowd.validation_max_overlap ({self.validation_max_overlap}) must be >= "
            f"crowd.validation_overlap ({self.validation_overlap})",
        )


@dataclass(config=STRICT)
class QualityConfig:
    """Quality-control rules, aggregation and post-acceptance."""

    aggregation: Literal["mv", "wawa", "ds", "glad", "mace"] = "ds"
    accept_threshold: Fraction = 0.5
    max_rounds: CountOrZero = 2
    min_chars: CountOrZero = 20  # visible characters (format/control characters not counted)
    max_chars: Count = 2000
    fast_seconds: NonNegative = 15.0
    lang_min_confidence: Fraction = 0.5
    near_duplicate_threshold: Fraction = 0.8

    def __post_init__(self) -> None:
        require(
            self.max_chars > self.min_chars,
            f"quality.max_chars ({self.max_chars}) must "
            f"exceed quality.min_chars ({self.min_chars})",
        )


@dataclass(config=STRICT)
class DatasetConfig:
    """Curation: held-out share and selection for fine-tuning."""

    heldout_fraction: OpenShare = 0.15
    max_train: Count | None = None
    min_score: Fraction = 0.5
    dedup_threshold: Fraction = 0.8
    balance_categories: StrictBool = True


@dataclass(config=STRICT)
class FinetuneConfig:
    """Instruction fine-tuning of either family (seq2seq mT5 or a causal decoder).

    ``model: tiny`` / ``tiny-causal`` build a small mT5 / Llama-style model locally (offline).
    ``lora: auto`` trains LoRA adapters above ~1B parameters; ``qlora`` (CUDA only) loads a
    causal base in 4-bit; ``packing`` packs causal examples into shared rows.
    """

    model: Text = "tiny"
    max_steps: Count = 60
    batch_size: Count = 8
    # None: the optimizer's default (Adafactor 1e-3, AdamW 3e-4)
    learning_rate: Positive | None = None
    optimizer: Literal["adafactor", "adamw"] = "adafactor"
    precision: Literal["auto", "fp32", "bf16", "fp16"] = "auto"
    lora: StrictBool | Literal["auto"] = "auto"  # true | false | auto (LoRA above ~1B params)
    qlora: StrictBool = False
    packing: StrictBool = False
    max_source_length: Count = 256
    max_target_length: Count = 256
    save_steps: Count = 50
    eval_steps: Count = 50
    max_new_tokens: Count = 64
    gradient_accumulation_steps: Count = 1
    output_dir: Text | None = None
    time_budget_min: Positive | None = None  # stop cleanly (and save) after this many minutes
    trim_vocab: StrictBool = False  # train on the vocabulary trimmed to the run's texts
    # Recompute activations only for batches above this many padded tokens (finetune/memory.py):
    # caps the memory peak that the longest batches set; None keeps every batch's activations.
    checkpoint_above_tokens: Count | None = None
    lean_activations: StrictBool = False  # fused tanh-GELU, attention maps recomputed (memory.py)


@dataclass(config=STRICT)
class PreferenceConfig:
    """DPO after fine-tuning on Part II's preference pairs (the fine-tuned model is the reference)."""

    enabled: StrictBool = True
    beta: Positive = 0.1
    learning_rate: Positive = 5e-4
    max_steps: Count = 30
    batch_size: Count = 8
    heldout_fraction: Share = 0.2


@dataclass(config=STRICT)
class EvaluateConfig:
    """Benchmarks (harness-identical prompts) and held-out generation."""

    tasks: list[Literal[TASKS]] = field(default_factory=lambda: list(TASKS))
    lang: Text = "sw"
    data_files: dict[Literal[TASKS], Text] = field(default_factory=dict)
    limit: Count | None = None
    batch_size: Count = 16
    heldout_limit: Count | None = 30
    ranking_votes_per_pair: Count = 3
    time_budget_min: Positive | None = None  # score a stratified subset that fits, and say so
    # Another fine-tuned model (folder, or run directory) to compare with on the same prompts,
    # e.g. a decoder's run beside an mT5 run: scored, generated, side by side and ranked.
    compare_with: Text | None = None


@dataclass(config=STRICT)
class PipelineConfig:
    """A whole run: one preset, one seed, every stage's settings."""

    name: Text = "demo"
    seed: StrictInt = 0
    description: Text = ""
    prompts: PromptsConfig = field(default_factory=PromptsConfig)
    crowd: CrowdConfig = field(default_factory=CrowdConfig)
    quality: QualityConfig = field(default_factory=QualityConfig)
    dataset: DatasetConfig = field(default_factory=DatasetConfig)
    finetune: FinetuneConfig = field(default_factory=FinetuneConfig)
    preference: PreferenceConfig = field(default_factory=PreferenceConfig)
    evaluate: EvaluateConfig = field(default_factory=EvaluateConfig)

    def to_dict(self) -> dict:
        """The whole config as plain nested values, for manifests, fingerprints and YAML.

        Returns:
            ``{"name", "seed", "description"}`` plus one dict per section (``"crowd": {...}``).
        """
        return dataclasses.asdict(self)


_SECTIONS = {
    "prompts": PromptsConfig,
    "crowd": CrowdConfig,
    "quality": QualityConfig,
    "dataset": DatasetConfig,
    "finetune": FinetuneConfig,
    "preference": PreferenceConfig,
    "evaluate": EvaluateConfig,
}


def _build_section(cls: type, values: Any, name: str):
    if not isinstance(values, dict):
        raise ConfigError(f"{name} must be a mapping of keys to values, got {values!r}")
    try:
        return cls(**values)
    except ValidationError as err:
        raise ConfigError(explain(err, name, cls)) from None


def config_from_dict(values: dict) -> PipelineConfig:
    """Build and validate a :class:`PipelineConfig` from plain values.

    Args:
        values: top-level keys (``name``, ``seed``, ``description``) and one mapping
            per section; a missing or empty section takes its defaults.

    Returns:
        The validated config.

    Raises:
        ConfigError: a key is unknown or a value is not allowed (the message says which).

    Examples:
        >>> cfg = config_from_dict({"seed": 3, "crowd": {"backend": "room"}})
        >>> cfg.seed, cfg.crowd.backend, cfg.crowd.answer_overlap
        (3, 'room', 2)
        >>> config_from_dict({"crowd": {"answer_overlap": 0}})
        Traceback (most recent call last):
        ...
        tutorial_lib.config.ConfigError: crowd.answer_overlap=0 is not allowed: must be greater than or equal to 1
    """
    values = dict(values or {})
    top = {k: v for k, v in values.items() if k not in _SECTIONS}
    sections = {
        k: _build_section(cls, values.get(k) if values.get(k) is not None else {}, k)
        for k, cls in _SECTIONS.items()
    }
    try:
        return PipelineConfig(**top, **sections)
    except ValidationError as err:
        raise ConfigError(explain(err, None, PipelineConfig)) from None


def check_config(cfg: PipelineConfig) -> PipelineConfig:
    """Validate a config again as a whole (after edits in code), returning a fresh copy.

    Assignments are checked field by field; this also checks rules that tie fields
    together (``validation_max_overlap >= validation_overlap``) and replaced sections.

    Args:
        cfg: the config as edited.

    Returns:
        A new, validated :class:`PipelineConfig` with the same values.

    Raises:
        ConfigError: a value, or a combination of values, is not allowed.

    Examples:
        >>> cfg = load_config("ci")
        >>> cfg.crowd = CrowdConfig(validation_overlap=2, validation_max_overlap=5)
        >>> check_config(cfg).crowd.validation_max_overlap
        5
    """
    return config_from_dict(cfg.to_dict())


def _deep_merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def parse_override(text: str) -> dict:
    """``"finetune.max_steps=10"`` -> ``{"finetune": {"max_steps": 10}}`` (value parsed as YAML).

    Args:
        text: one ``--set`` value, ``section.key=value``.

    Returns:
        A nested dict to merge over the preset.

    Raises:
        ConfigError: not ``section.key=value``, or the value is not valid YAML.

    Examples:
        >>> parse_override("finetune.max_steps=10")
        {'finetune': {'max_steps': 10}}
        >>> parse_override("evaluate.tasks=[xcopa]")
        {'evaluate': {'tasks': ['xcopa']}}
        >>> parse_override("crowd.backend")
        Traceback (most recent call last):
        ...
        tutorial_lib.config.ConfigError: override 'crowd.backend' must look like section.key=value
    """
    if "=" not in text:
        raise ConfigError(f"override {text!r} must look like section.key=value")
    dotted, raw = text.split("=", 1)
    try:
        value = yaml.safe_load(raw) if raw else None
    except yaml.YAMLError as err:
        raise ConfigError(f"override {text!r}: the value is not valid YAML ({err})") from None
    out: dict = {}
    cur = out
    parts = dotted.strip().split(".")
    if not all(parts):
        raise ConfigError(f"override {text!r} must look like section.key=value")
    for part in parts[:-1]:
        cur = cur.setdefault(part, {})
    cur[parts[-1]] = value
    return out


def _read_preset(preset: str) -> tuple[Path, dict]:
    path = Path(preset)
    if not path.suffix:
        path = CONFIG_DIR / f"{preset}.yaml"
    if not path.exists():
        names = ", ".join(sorted(p.stem for p in CONFIG_DIR.glob("*.yaml")))
        raise ConfigError(
            f"preset {preset!r} not found (looked for {path}); known presets: {names}"
        )
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err})") from None
    if not isinstance(values, dict):
        raise ConfigError(f"{path}: a preset is a mapping of sections, got {type(values).__name__}")
    return path, values


def load_config(
    preset: str = "demo", overrides: list[str | dict] | dict | None = None
) -> PipelineConfig:
    """Load a preset by name (the shipped ``configs/NAME.yaml``) or a YAML path, then overrides.

    Args:
        preset: ``demo``, ``ci``, ``colab-t4``, ``full`` (or a decoder variant), or a YAML path.
        overrides: ``section.key=value`` strings (``--set``) or nested dicts, applied in
            order; the result is validated once, after every override is applied.

    Returns:
        The validated :class:`PipelineConfig`.

    Raises:
        ConfigError: unknown preset, bad YAML, unknown key or a value not allowed.

    Examples:
        >>> cfg = load_config("ci", ["finetune.max_steps=5", {"crowd": {"answer_overlap": 3}}])
        >>> cfg.name, cfg.finetune.max_steps, cfg.crowd.answer_overlap
        ('ci', 5, 3)
        >>> load_config("ci", ["finetune.max_steps=1.5"])
        Traceback (most recent call last):
        ...
        tutorial_lib.config.ConfigError: ci.yaml: finetune.max_steps=1.5 is not allowed: must be a valid integer
    """
    path, values = _read_preset(preset)
    for extra in [overrides] if isinstance(overrides, dict) else overrides or []:
        values = _deep_merge(values, extra if isinstance(extra, dict) else parse_override(extra))
    try:
        return config_from_dict(values)
    except ConfigError as err:
        raise ConfigError(f"{path.name}: {err}") from None
