"""The stage registry: what each stage runs, which settings and inputs it depends on.

One :class:`Stage` per pipeline step, in order. A stage declares the config keys
it reads (a whole section, e.g. ``"quality"``, or one key, ``"crowd.answer_overlap"``),
its input stages and the input files it reads; together they make its
fingerprint (:func:`stage_fingerprint`), so a changed setting reruns exactly the
stages it affects, as ``make`` or DVC would. Crowd stages (``crowd=True``)
launch paid work on a paid backend and never rerun by themselves there.

Adding a stage: write ``fn(ctx) -> StageResult`` (see :mod:`.stage_functions` and
:mod:`.model_stages`), give it a folder in ``rundir.STAGE_DIRS`` and one
:class:`Stage` entry below.

Taught in notebooks/05_hands_on_mt5.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import PipelineConfig, resolve_path
from .fingerprints import file_digest, fingerprint
from .rundir import STAGE_ORDER, RunDir

if TYPE_CHECKING:
    from .crowd.backend import CrowdBackend
    from .crowd.budget import Budget
    from .crowd.ledger import Ledger

# Crowd keys that change what is launched or paid (not the wait time, port or budget).
_PAY = (
    "crowd.backend",
    "crowd.hourly_pay_usd",
    "crowd.platform_fee",
    "crowd.control_share",
    "crowd.n_workers",
    "seed",
)
_VOTES = (
    "crowd.validation_overlap",
    "crowd.validation_max_overlap",
    "crowd.dynamic_overlap",
    "crowd.confidence_threshold",
    "crowd.scale",
    "crowd.seconds_per_vote",
    "quality.aggregation",
)


@dataclass
class StageResult:
    """What a stage reports for its manifest: row counts, output files, notes for the reader.

    Attributes:
        rows: counts and headline numbers, e.g. ``{"prompts": 160}`` (JSON-ready values).
        outputs: the files (or folders) the stage wrote.
        notes: what a reader of the results must know (a stand-in model, a subset scored).

    Examples:
        >>> StageResult({"prompts": 3}).outputs
        []
    """

    rows: dict[str, Any]
    outputs: list[Path | str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class StageContext:
    """What a stage function may use; never the :class:`~.pipeline.Pipeline` itself.

    Attributes:
        cfg: the whole config (a stage function hands each wing only its own section).
        run_dir: the run directory.
        resume: the stage's leftovers come from an interrupted attempt with the same
            fingerprint (so a checkpoint may be continued).
        ledger: the run's money ledger (``crowd/ledger.jsonl``).
        budget: the run's one crowd :class:`~.crowd.budget.Budget`, rebuilt from the
            ledger when the stage starts, so it holds what earlier launches charged.
        load: ``load(what)`` -> records an earlier stage wrote (see ``Pipeline.load``).
        backend: ``backend()`` -> the run's crowd backend, built on first use.
    """

    cfg: PipelineConfig
    run_dir: RunDir
    resume: bool
    ledger: Ledger
    budget: Budget
    load: Callable[[str], list]
    backend: Callable[[], CrowdBackend]


@dataclass(frozen=True)
class Stage:
    """One pipeline step and what its result depends on.

    Attributes:
        name: the stage name (a key of ``rundir.STAGE_DIRS``).
        run: ``"module.function"`` inside the package, e.g. ``"stage_functions.prompts_stage"``:
            its ``fn(ctx) -> StageResult``, imported only when the stage runs.
        keys: config keys read: ``"section"`` for all of it, or ``"section.key"``.
        inputs: stages whose results this stage reads.
        files: config keys that name input files, hashed into the fingerprint.
        crowd: launches crowd work (paid on Toloka and the room).
        collection: part of the data collection; on the simulated crowd a change here
            simulates the crowd afresh from the first collection stage.
    """

    name: str
    run: str
    keys: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    crowd: bool = False
    collection: bool = False

    def function(self) -> Callable:
        """The stage's function, imported now (the registry itself imports no wing).

        Returns:
            ``fn(ctx) -> StageResult``, named by :attr:`run`.

        Examples:
            >>> STAGES["report"].function().__name__
            'report_stage'
        """
        import importlib

        module, _, name = self.run.rpartition(".")
        return getattr(importlib.import_module(f"{__package__}.{module}"), name)


STAGES: dict[str, Stage] = {
    s.name: s
    for s in (
        Stage(
            "prompts",
            "stage_functions.prompts_stage",
            keys=("prompts", "seed"),
            files=("prompts.path",),
        ),
        Stage(
            "answers",
            "stage_functions.answers_stage",
            inputs=("prompts",),
            crowd=True,
            collection=True,
            keys=(
                *_PAY,
                "crowd.answer_overlap",
                "crowd.seconds_per_answer",
                "quality",
                "prompts.lang",
            ),
        ),
        Stage(
            "validation",
            "stage_functions.validation_stage",
            inputs=("answers",),
            crowd=True,
            collection=True,
            keys=(*_PAY, *_VOTES, "prompts.lang"),
        ),
        Stage(
            "decisions",
            "stage_functions.decisions_stage",
            inputs=("validation",),
            crowd=True,
            collection=True,
            keys=(*_PAY, *_VOTES, "crowd.seconds_per_answer", "quality", "prompts.lang"),
        ),
        Stage(
            "dataset",
            "stage_functions.dataset_stage",
            inputs=("decisions",),
            keys=("dataset", "seed", "prompts.lang"),
        ),
        Stage(
            "finetune",
            "model_stages.finetune_stage",
            inputs=("dataset",),
            keys=("finetune", "seed"),
        ),
        Stage(
            "preference",
            "model_stages.preference_stage",
            inputs=("finetune", "dataset"),
            keys=(
                "preference",
                "seed",
                "finetune.max_source_length",
                "finetune.max_target_length",
                "finetune.precision",
                "finetune.optimizer",
            ),
        ),
        Stage(
            "evaluate",
            "model_stages.evaluate_stage",
            inputs=("finetune", "preference"),
            crowd=True,
            keys=("evaluate", "finetune.max_new_tokens", *_PAY),
            files=("evaluate.data_files",),
        ),
        Stage(
            "report",
            "model_stages.report_stage",
            inputs=("decisions", "dataset", "finetune", "preference", "evaluate"),
        ),
    )
}
assert tuple(STAGES) == STAGE_ORDER, "every folder in rundir.STAGE_DIRS needs a Stage here"


def config_values(cfg: PipelineConfig, keys: tuple[str, ...]) -> dict:
    """Dotted key -> value for ``keys`` (a section name expands to each of its keys).

    These are the settings a stage's fingerprint records, so ``finetune.output_dir``
    (where checkpoints go, not what is trained) is always left out.

    Args:
        cfg: the run's config.
        keys: ``"section"`` for a whole section, ``"section.key"`` or a top-level key.

    Returns:
        ``{"section.key": value}``, in the order of ``keys``.

    Examples:
        >>> from tutorial_lib.config import PipelineConfig
        >>> config_values(PipelineConfig(), ("seed", "crowd.answer_overlap"))
        {'seed': 0, 'crowd.answer_overlap': 2}
    """
    data = cfg.to_dict()
    out = {}
    for key in keys:
        head, _, rest = key.partition(".")
        value = data[head] if not rest else data[head][rest]
        if (
            isinstance(value, dict)
            and not rest
            and head
            in ("prompts", "crowd", "quality", "dataset", "finetune", "preference", "evaluate")
        ):
            out.update({f"{head}.{k}": v for k, v in value.items()})
        else:
            out[key] = value
    # Where checkpoints go does not change what is trained.
    out.pop("finetune.output_dir", None)
    return out


def _file_ids(cfg: PipelineConfig, keys: tuple[str, ...]) -> dict[str, str]:
    """Input file -> content digest, for config keys that name files (``hf:`` names as given)."""
    out = {}
    for key in keys:
        value = config_values(cfg, (key,))[key]
        paths = value.values() if isinstance(value, dict) else [value]
        for raw in paths:
            if not raw:
                continue
            if str(raw).startswith("hf:"):
                out[str(raw)] = str(raw)
                continue
            path = resolve_path(raw)
            out[str(raw)] = file_digest(path) if Path(path).exists() else "missing"
    return out


def stage_fingerprint(stage: str, cfg: PipelineConfig, digests: dict[str, str]) -> dict:
    """The fingerprint ``stage`` would record under ``cfg``, given its inputs' ``digests``.

    Args:
        stage: a stage name.
        cfg: the run's config.
        digests: stage name -> fingerprint digest, for at least ``stage``'s inputs.

    Returns:
        The :func:`~.fingerprints.fingerprint` of the stage's config keys, input
        stages and input files (hashed now; a missing file counts as ``"missing"``).
    """
    spec = STAGES[stage]
    return fingerprint(
        config_values(cfg, spec.keys),
        {s: digests[s] for s in spec.inputs},
        _file_ids(cfg, spec.files),
    )


def plan_fingerprints(cfg: PipelineConfig) -> dict[str, dict]:
    """Every stage's fingerprint under ``cfg``, in order (a pure function of config and files).

    Args:
        cfg: the run's config.

    Returns:
        Stage name -> :func:`~.fingerprints.fingerprint` (``digest``, ``config``, ``inputs``, ``files``).

    Examples:
        A setting reruns the stages that read it and every stage below them, no others:

        >>> from tutorial_lib.config import load_config
        >>> before = plan_fingerprints(load_config("ci"))
        >>> after = plan_fingerprints(load_config("ci", ["dataset.max_train=10"]))
        >>> [s for s in before if before[s]["digest"] != after[s]["digest"]]
        ['dataset', 'finetune', 'preference', 'evaluate', 'report']
    """
    out: dict[str, dict] = {}
    for name in STAGE_ORDER:
        out[name] = stage_fingerprint(name, cfg, {k: v["digest"] for k, v in out.items()})
    return out


def downstream(stage: str) -> list[str]:
    """``stage`` and every stage after it (what ``--force stage`` redoes).

    Args:
        stage: a stage name.

    Returns:
        Stage names in pipeline order, ``stage`` first.

    Examples:
        >>> downstream("finetune")
        ['finetune', 'preference', 'evaluate', 'report']
    """
    return list(STAGE_ORDER[STAGE_ORDER.index(stage) :])
