"""Shared fixtures (the HF offline switches are set in the root conftest.py)."""

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
from realdata_helpers import REALDATA, realdata_path  # noqa: F401  (re-exported)
from sample_text import SWAHILI_SENTENCES as _TINY_TEXTS


def _tiny_texts() -> list[str]:
    """What the tiny stand-ins' tokenizers are trained on: sample sentences and the seed prompts."""
    texts = _TINY_TEXTS * 20
    seed_file = REPO_ROOT / "data" / "prompts" / "seed_sw.jsonl"
    if seed_file.exists():
        texts += seed_file.read_text(encoding="utf-8").splitlines()
    return texts


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """A tiny mT5 built once per test session (offline), loadable with from_pretrained."""
    from tutorial_lib.finetune.tiny import build_tiny_mt5

    return build_tiny_mt5(
        tmp_path_factory.mktemp("tiny_mt5"), _tiny_texts(), vocab_size=800, seed=0
    )


@pytest.fixture(scope="session")
def tiny_causal_dir(tmp_path_factory):
    """A tiny Llama-style causal model built once per test session (offline)."""
    from tutorial_lib.finetune.tiny_causal import build_tiny_causal

    return build_tiny_causal(
        tmp_path_factory.mktemp("tiny_causal"), _tiny_texts(), vocab_size=800, seed=0
    )


@pytest.fixture(scope="session")
def ci_run_dir(tmp_path_factory):
    """One finished ``ci`` pipeline run shared by the end-to-end and notebook tests."""
    from tutorial_lib.config import load_config
    from tutorial_lib.pipeline import Pipeline

    out = tmp_path_factory.mktemp("ci-run") / "ci"
    Pipeline(load_config("ci"), out).run()
    return out


def copy_crowd_stages(ci_run_dir, out):
    """A new run directory holding the ``ci`` run's stages up to the dataset (no paid work redone)."""
    import shutil

    out.mkdir(parents=True, exist_ok=True)
    for item in ci_run_dir.iterdir():
        if (
            item.is_dir()
            and item.name[:2] in ("01", "02", "03", "04", "05")
            or item.name == "crowd"
        ):
            shutil.copytree(item, out / item.name)
    return out


@pytest.fixture(scope="session")
def ci_causal_run_dir(tmp_path_factory, ci_run_dir):
    """The ``ci`` run's data fine-tuned and evaluated on the tiny causal stand-in, configured as
    notebooks 04/05 configure ``model_family="causal"`` (so they find every stage done)."""
    from tutorial_lib.colab import notebook_config
    from tutorial_lib.pipeline import Pipeline

    out = copy_crowd_stages(ci_run_dir, tmp_path_factory.mktemp("ci-causal") / "ci")
    Pipeline(notebook_config("ci", "simulated", "small", "causal"), out).run()
    return out
