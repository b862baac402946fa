"""Shared set-up for tests against the Toloka emulator: workers, a server, a backend."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message="pkg_resources")
sys.path.insert(0, str(Path(__file__).parent))
from toloka_emulator import EmuClock, TolokaEmulator, Worker
from toloka_emulator_http import EmulatorServer

from tutorial_lib.crowd.toloka import TolokaBackend

SWAHILI = (
    "Jibu la {w}: jambo hili linaelezwa kwa maneno ya Kiswahili yaliyo wazi na kamili, "
    "kwa mfano na sababu zake."
)


def work(worker_id: str, helpful: int = 1):
    """Outputs of one simulated Toloker: an answer on Part I, a vote on Part II."""

    def answer(inputs: dict) -> dict:
        if "answer" in inputs:  # a validation task: judge the answer
            return {"helpful": helpful, "harmless": 1}
        return {"answer": SWAHILI.format(w=worker_id)}

    return answer


def workers(n: int = 6, **kw) -> list[Worker]:
    """``n`` diligent Tolokers who know the rules."""
    return [Worker(f"toloker{i}", work(f"toloker{i}"), **kw) for i in range(n)]


class Emulated:
    """An emulator served on 127.0.0.1, and backends built on its clock."""

    def __init__(self, crew: list[Worker] | None = None, min_sleep_s: float = 0.0, **kw) -> None:
        self.emu = TolokaEmulator(workers=crew if crew is not None else workers(), **kw)
        self.server = EmulatorServer(self.emu).start()
        self.clock = EmuClock(self.emu, min_sleep_s)

    def backend(self, workdir, **kw) -> TolokaBackend:
        kw.setdefault("overlaps", {"answers": 2, "validation": 2})
        return TolokaBackend(
            workdir,
            production=True,
            token=self.emu.token,
            url=self.server.url,
            clock=self.clock,
            **kw,
        )

    def pipeline(self, cfg, out):
        """A Pipeline for ``cfg`` whose crowd is this emulator (overlaps as the config sets them)."""
        from tutorial_lib.pipeline import Pipeline

        pipe = Pipeline(cfg, out=out)
        crowd = cfg.crowd
        pipe._backend = self.backend(
            pipe.crowd_dir,
            control_share=crowd.control_share,
            overlaps={"answers": crowd.answer_overlap, "validation": crowd.validation_overlap},
        )
        return pipe

    def stop(self) -> None:
        self.server.stop()
