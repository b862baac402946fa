"""Two processes train like one (a small run of benchmarks/ddp_equivalence.py)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "ddp_equivalence.py"


@pytest.mark.slow
def test_two_processes_give_the_same_losses_as_one():
    """2 DDP processes x 2 rows and 1 process x 4 rows: same loss and gradient norm every step."""
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--steps", "4", "--rows", "16", "--batch", "4"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["processes"] == 2 and result["steps"] == 4
    assert result["max_rel_loss_diff"] <= 1e-4
    assert result["max_rel_grad_norm_diff"] <= 1e-3
    assert result["max_abs_weight_diff"] <= 1e-5
