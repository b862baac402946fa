"""Which crowd backend a run uses, built from its config, and how the simulated one starts afresh.

Toloka and the room are imported only when chosen, because they pull in
optional dependencies; a missing one names the extra to install.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from ..config import CrowdConfig, QualityConfig
from ..records import Prompt
from .backend import BackendError, CrowdBackend
from .ledger import LEDGER_FILE, Ledger

logger = logging.getLogger(__name__)

__all__ = ["make_backend", "reset_simulation"]


def make_backend(
    cfg: CrowdConfig,
    workdir: str | os.PathLike,
    prompts: list[Prompt],
    seed: int,
    quality: QualityConfig | None = None,
) -> CrowdBackend:
    """The backend ``cfg.backend`` names, with its state in ``workdir``.

    Args:
        cfg: the run's crowd section (``backend``: simulated, toloka or room).
        workdir: the folder for the backend's state (the run's ``crowd/``).
        prompts: the run's prompts (the simulated crowd answers them).
        seed: the simulated crowd's seed.
        quality: its re-collection rounds size Toloka's review window, as
            ``crowd plan`` shows it.

    Returns:
        The backend, ready for :func:`~.collect.collect_answers`.

    Raises:
        BackendError: an unknown backend, or one whose optional dependency is missing.
    """
    workdir = Path(workdir)
    if cfg.backend == "simulated":
        from .simulated import SimulatedCrowd

        return SimulatedCrowd(prompts, workdir, seed=seed, n_workers=cfg.n_workers)
    if cfg.backend == "toloka":
        try:
            from .toloka import TolokaBackend
        except ImportError as err:
            raise BackendError(
                f"crowd.backend=toloka is unavailable ({err}); install "
                "toloka-kit==1.2.3 (pip install tutorial-lib)"
            ) from None
        from .plan import part2_seconds
        from .toloka_pools import review_window_days

        return TolokaBackend(
            workdir,
            production=cfg.production,
            hourly_pay_usd=cfg.hourly_pay_usd,
            review_days=review_window_days(part2_seconds(cfg, quality or QualityConfig())),
            control_share=cfg.control_share,
            platform_fee=cfg.platform_fee,
            overlaps={"answers": cfg.answer_overlap, "validation": cfg.validation_overlap},
        )
    if cfg.backend == "room":
        try:
            from .room import RoomBackend
        except ImportError as err:
            raise BackendError(
                f"crowd.backend=room is unavailable ({err}); install the room "
                "extra: pip install 'tutorial-lib[room]'"
            ) from None
        return RoomBackend(workdir, host=cfg.room_host, port=cfg.room_port)
    raise BackendError(f"unknown crowd backend {cfg.backend!r}; use simulated, toloka or room")


def reset_simulation(workdir: str | os.PathLike) -> None:
    """Throw away the simulated crowd's state in ``workdir`` so it simulates afresh.

    Only the simulated crowd's own files go, and its ledger events stop counting
    (a ``reset`` event); anything a paid backend keeps there is left alone.

    Args:
        workdir: the folder holding the simulated crowd's state.
    """
    from .simulated_store import STATE, TRUTH, WORKERS

    workdir = Path(workdir)
    for name in (STATE, TRUTH, WORKERS):
        (workdir / name).unlink(missing_ok=True)
    if (workdir / LEDGER_FILE).exists():
        Ledger(workdir / LEDGER_FILE, backend="simulated").record("reset")
    logger.info("simulated crowd in %s reset: its stages are simulated afresh", workdir)
