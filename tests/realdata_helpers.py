"""Where the real public data lies (../shared/realdata) and the skip rule when it is absent.

Importable from any test (``pythonpath = ["tests"]`` in pyproject.toml).
"""

from pathlib import Path

import pytest

REALDATA = Path(__file__).resolve().parent.parent.parent / "shared" / "realdata"


def realdata_path(*parts: str) -> Path:
    """A path under ../shared/realdata; the calling test is skipped when it is absent."""
    path = REALDATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not available: {path}")
    return path
