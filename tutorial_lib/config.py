"""Typed presets (``demo``, ``ci``, ``colab-t4``, ``full``) loaded from ``configs/*.yaml``.

Each section is a dataclass that checks itself on construction, so a typo in a
YAML recipe or a command-line override fails at load time with the field's
dotted name, not halfway through a GPU run.

Taught in notebooks/05_hands_on_mt5.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import TutorialLibError
from .resources import SOURCE_ROOT as REPO_ROOT  # noqa: F401  (the clone; slides read it)
from .resources import resolve_path, shipped_dir  # noqa: F401  (resolve_path: re-exported)

CONFIG_DIR = shipped_dir("configs")  # inside the package when installed from a wheel
DATA_DIR = shipped_dir("data")
PRESETS = ("demo", "ci", "colab-t4", "full", "colab-t4-decoder", "full-decoder")


class ConfigError(TutorialLibError, ValueError):
    """A preset value that cannot work; the message names the field."""


def _check(cond: bool, name: str, why: str, value: Any) -> None:
    if not cond:
        raise ConfigError(f"{name} {why}, got {value!r}")


def _one_of(value: Any, name: str, choices: tuple) -> None:
    _check(value in choices, name, f"must be one of {', '.join(map(str, choices))}", value)


def _positive(value: Any, name: str, allow_zero: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    ok = ok and (value >= 0 if allow_zero else value > 0)
    _check(ok, name, "must be a number >= 0" if allow_zero else "must be a number > 0", value)


def _fraction(value: Any, name: str) -> None:
    ok = isinstance(value, (int, float)) and 0.0 <= value <= 1.0
    _check(ok, name, "must be between 0 and 1", value)


@dataclass
class PromptsConfig:
    """Where prompts come from and how columns map onto the Prompt schema."""

    path: str = "data/prompts/seed_sw.jsonl"
    format: str = "auto"  # auto | seed | jsonl | csv | tsv | json | hf
    mapping: dict | str = field(default_factory=dict)  # columns, or a named mapping (afriqa, mgsm...)
    limit: int | None = None  # a category-balanced subset of this many prompts
    lang: str = "sw"
    translate_missing: bool = False
    mt_model: str = "facebook/nllb-200-distilled-600M"

    def __post_init__(self) -> None:
        _one_of(self.format, "prompts.format", ("auto", "seed", "jsonl", "csv", "tsv", "json", "hf"))
        if self.limit is not None:
            _positive(self.limit, "prompts.limit")


@dataclass
class CrowdConfig:
    """Crowd backend, overlaps and pay (Parts I and II)."""

    backend: str = "simulated"  # simulated | toloka | room
    answer_overlap: int = 2
    validation_overlap: int = 2  # the start; dynamic overlap asks for more while unsure
    validation_max_overlap: int = 7
    dynamic_overlap: bool = True
    confidence_threshold: float = 0.89
    scale: str = "binary"  # binary | likert5
    hourly_pay_usd: float = 12.0
    seconds_per_answer: float = 120.0
    seconds_per_vote: float = 36.0
    platform_fee: float = 0.3
    control_share: float = 0.1
    budget_usd: float = 500.0
    production: bool = False
    n_workers: int = 40
    room_host: str = "127.0.0.1"
    room_port: int = 8000
    wait_timeout_s: float | None = None  # how long a live (room/Toloka) stage waits for people

    def __post_init__(self) -> None:
        _one_of(self.backend, "crowd.backend", ("simulated", "toloka", "room"))
        _one_of(self.scale, "crowd.scale", ("binary", "likert5"))
        for name in ("answer_overlap", "validation_overlap", "validation_max_overlap", "n_workers"):
            _positive(getattr(self, name), f"crowd.{name}")
        _check(
            self.validation_max_overlap >= self.validation_overlap,
            "crowd.validation_max_overlap",
            f"must be >= crowd.validation_overlap ({self.validation_overlap})",
            self.validation_max_overlap,
        )
        _check(self.hourly_pay_usd >= 0, "crowd.hourly_pay_usd", "must be >= 0", self.hourly_pay_usd)
        for name in ("seconds_per_answer", "seconds_per_vote", "budget_usd"):
            _positive(getattr(self, name), f"crowd.{name}")
        for name in ("platform_fee", "control_share", "confidence_threshold"):
            _fraction(getattr(self, name), f"crowd.{name}")


@dataclass
class QualityConfig:
    """Quality-control rules, aggregation and post-acceptance."""

    aggregation: str = "ds"  # mv | wawa | ds | glad | mace
    accept_threshold: float = 0.5
    max_rounds: int = 2
    min_chars: int = 20
    max_chars: int = 2000
    fast_seconds: float = 15.0
    lang_min_confidence: float = 0.5
    near_duplicate_threshold: float = 0.8

    def __post_init__(self) -> None:
        _one_of(self.aggregation, "quality.aggregation", ("mv", "wawa", "ds", "glad", "mace"))
        _fraction(self.accept_threshold, "quality.accept_threshold")
        _fraction(self.lang_min_confidence, "quality.lang_min_confidence")
        _fraction(self.near_duplicate_threshold, "quality.near_duplicate_threshold")
        _positive(self.max_rounds, "quality.max_rounds", allow_zero=True)
        _positive(self.min_chars, "quality.min_chars", allow_zero=True)
        _check(self.max_chars > self.min_chars, "quality.max_chars", "must exceed min_chars", self.max_chars)


@dataclass
class DatasetConfig:
    """Curation: held-out share and selection for fine-tuning."""

    heldout_fraction: float = 0.15
    max_train: int | None = None
    min_score: float = 0.5
    dedup_threshold: float = 0.8
    balance_categories: bool = True

    def __post_init__(self) -> None:
        _check(0 < self.heldout_fraction < 1, "dataset.heldout_fraction", "must be in (0, 1)",
               self.heldout_fraction)
        if self.max_train is not None:
            _positive(self.max_train, "dataset.max_train")
        _fraction(self.min_score, "dataset.min_score")
        _fraction(self.dedup_threshold, "dataset.dedup_threshold")


@dataclass
class FinetuneConfig:
    """Instruction fine-tuning of either family (seq2seq mT5 or a causal decoder).

    ``model: tiny`` / ``tiny-causal`` build a small mT5 / Llama-style model locally (offline).
    ``lora: auto`` trains LoRA adapters above ~1B parameters; ``qlora`` (CUDA only) loads a
    causal base in 4-bit; ``packing`` packs causal examples into shared rows.
    """

    model: str = "tiny"
    max_steps: int = 60
    batch_size: int = 8
    learning_rate: float | None = None  # None: the optimizer's default (Adafactor 1e-3, AdamW 3e-4)
    optimizer: str = "adafactor"  # adafactor | adamw
    precision: str = "auto"  # auto | fp32 | bf16 | fp16
    lora: bool | str = "auto"  # true | false | auto (LoRA above ~1B parameters)
    qlora: bool = False
    packing: bool = False
    max_source_length: int = 256
    max_target_length: int = 256
    save_steps: int = 50
    eval_steps: int = 50
    max_new_tokens: int = 64
    gradient_accumulation_steps: int = 1
    output_dir: str | None = None
    time_budget_min: float | None = None  # stop cleanly (and save) after this many minutes
    trim_vocab: bool = False  # train on the vocabulary trimmed to the run's texts (vocab_trim)

    def __post_init__(self) -> None:
        _one_of(self.optimizer, "finetune.optimizer", ("adafactor", "adamw"))
        _one_of(self.precision, "finetune.precision", ("auto", "fp32", "bf16", "fp16"))
        _check(self.lora in (True, False, "auto"), "finetune.lora", "must be true, false or auto",
               self.lora)
        for name in ("max_steps", "batch_size", "max_source_length",
                     "max_target_length", "save_steps", "eval_steps", "max_new_tokens",
                     "gradient_accumulation_steps"):
            _positive(getattr(self, name), f"finetune.{name}")
        if self.time_budget_min is not None:
            _positive(self.time_budget_min, "finetune.time_budget_min")
        if self.learning_rate is not None:
            _positive(self.learning_rate, "finetune.learning_rate")


@dataclass
class EvaluateConfig:
    """Benchmarks (harness-identical prompts) and held-out generation."""

    tasks: list = field(default_factory=lambda: ["xcopa", "xnli", "xstorycloze"])
    lang: str = "sw"
    data_files: dict = field(default_factory=dict)
    limit: int | None = None
    batch_size: int = 16
    heldout_limit: int | None = 30
    ranking_votes_per_pair: int = 3
    time_budget_min: float | None = None  # score a stratified subset that fits, and say so
    # Another fine-tuned model (folder, or run directory) to compare with on the same prompts,
    # e.g. a decoder's run beside an mT5 run: scored, generated, side by side and ranked.
    compare_with: str | None = None

    def __post_init__(self) -> None:
        for task in self.tasks:
            _one_of(task, "evaluate.tasks[]", ("xcopa", "xnli", "xstorycloze"))
        unknown = set(self.data_files) - {"xcopa", "xnli", "xstorycloze"}
        _check(not unknown, "evaluate.data_files", "has unknown task keys", sorted(unknown))
        _positive(self.batch_size, "evaluate.batch_size")
        if self.limit is not None:
            _positive(self.limit, "evaluate.limit")
        if self.time_budget_min is not None:
            _positive(self.time_budget_min, "evaluate.time_budget_min")


@dataclass
class PipelineConfig:
    """A whole run: one preset, one seed, every stage's settings."""

    name: str = "demo"
    seed: int = 0
    description: str = ""
    prompts: PromptsConfig = field(default_factory=PromptsConfig)
    crowd: CrowdConfig = field(default_factory=CrowdConfig)
    quality: QualityConfig = field(default_factory=QualityConfig)
    dataset: DatasetConfig = field(default_factory=DatasetConfig)
    finetune: FinetuneConfig = field(default_factory=FinetuneConfig)
    evaluate: EvaluateConfig = field(default_factory=EvaluateConfig)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


_SECTIONS = {
    "prompts": PromptsConfig,
    "crowd": CrowdConfig,
    "quality": QualityConfig,
    "dataset": DatasetConfig,
    "finetune": FinetuneConfig,
    "evaluate": EvaluateConfig,
}


def _build_section(cls: type, values: dict, name: str):
    if not isinstance(values, dict):
        raise ConfigError(f"{name} must be a mapping, got {type(values).__name__}")
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"{name} has unknown key(s): {', '.join(unknown)}")
    return cls(**values)


def config_from_dict(values: dict) -> PipelineConfig:
    """Build and validate a :class:`PipelineConfig` from plain values."""
    values = dict(values or {})
    top = {k: v for k, v in values.items() if k not in _SECTIONS}
    unknown = sorted(set(top) - {"name", "seed", "description"})
    if unknown:
        raise ConfigError(f"config has unknown key(s): {', '.join(unknown)}")
    sections = {k: _build_section(cls, values.get(k, {}) or {}, k) for k, cls in _SECTIONS.items()}
    return PipelineConfig(**top, **sections)


def _deep_merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def parse_override(text: str) -> dict:
    """``"finetune.max_steps=10"`` -> ``{"finetune": {"max_steps": 10}}`` (value parsed as YAML)."""
    if "=" not in text:
        raise ConfigError(f"override {text!r} must look like section.key=value")
    dotted, raw = text.split("=", 1)
    value = yaml.safe_load(raw) if raw else None
    out: dict = {}
    cur = out
    parts = dotted.strip().split(".")
    for part in parts[:-1]:
        cur = cur.setdefault(part, {})
    cur[parts[-1]] = value
    return out


def load_config(preset: str = "demo", overrides: list[str] | dict | None = None) -> PipelineConfig:
    """Load a preset by name (the shipped ``configs/NAME.yaml``) or a YAML path, then overrides."""
    path = Path(preset)
    if not path.suffix:
        path = CONFIG_DIR / f"{preset}.yaml"
    if not path.exists():
        names = ", ".join(sorted(p.stem for p in CONFIG_DIR.glob("*.yaml")))
        raise ConfigError(f"preset {preset!r} not found (looked for {path}); known presets: {names}")
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err})") from None
    if isinstance(overrides, dict):
        values = _deep_merge(values, overrides)
    else:
        for text in overrides or []:
            values = _deep_merge(values, text if isinstance(text, dict) else parse_override(text))
    try:
        return config_from_dict(values)
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from None
