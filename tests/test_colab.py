"""Colab helpers: one repository URL, a setup cell that only acts on Colab, a truthful runtime check."""
import logging
import sys
import types

import pytest

from tutorial_lib import colab
from tutorial_lib.crowd import secrets


def test_badge_and_colab_url_come_from_the_one_repo_url(monkeypatch):
    monkeypatch.setattr(colab, "REPO_URL", "https://github.com/someone/kit")
    url = colab.colab_url("03_answer_validation")
    assert url == ("https://colab.research.google.com/github/someone/kit/blob/main/"
                   "notebooks/03_answer_validation.ipynb")
    assert colab.badge_markdown("03_answer_validation").endswith(f"]({url})")
    assert colab.COLAB_BADGE_IMG in colab.badge_markdown("x")


@pytest.mark.parametrize("bad", ["http://github.com/a/b", "https://gitlab.com/a/b",
                                 "https://github.com/only-owner"])
def test_repo_url_must_be_a_github_repository(bad):
    with pytest.raises(ValueError, match="REPO_URL"):
        colab.repo_slug(bad)


def _run_setup_cell(monkeypatch, kit_exists: bool, on_colab: bool):
    calls = []
    monkeypatch.setattr("subprocess.run", lambda cmd, check: calls.append(cmd))
    monkeypatch.setattr("os.path.exists", lambda p: kit_exists)
    monkeypatch.setattr("os.chdir", lambda p: calls.append(["chdir", p]))
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    path_before = list(sys.path)
    exec(colab.setup_cell_source(), {})  # noqa: S102  (the cell under test)
    sys.path[:] = path_before
    return calls


def test_setup_cell_does_nothing_off_colab(monkeypatch):
    assert _run_setup_cell(monkeypatch, kit_exists=False, on_colab=False) == []


def test_setup_cell_clones_and_installs_once_on_colab(monkeypatch):
    first = _run_setup_cell(monkeypatch, kit_exists=False, on_colab=True)
    kit = colab.KIT_DIR_ON_COLAB
    assert first[0] == ["git", "clone", "--depth", "1", colab.REPO_URL, kit]
    assert first[1][-3:] == ["install", "-q", "-e", kit][-3:] and first[1][1:3] == ["-m", "pip"]
    assert first[2] == ["chdir", kit]
    again = _run_setup_cell(monkeypatch, kit_exists=True, on_colab=True)
    assert again == [["chdir", kit]]  # re-running the cell installs nothing twice


@pytest.mark.parametrize("capability,memory,precision,preset", [
    (None, 0.0, "fp32", "demo"),
    ((7, 5), 15.0, "fp32", "colab-t4"),      # T4: bf16 is emulated; mT5 must not use fp16
    ((8, 0), 40.0, "bf16", "full"),          # A100 40GB
    ((8, 9), 22.5, "bf16", "colab-t4"),      # L4: bf16, but too small for the full preset
])
def test_runtime_info_picks_precision_by_compute_capability(monkeypatch, capability, memory,
                                                            precision, preset):
    monkeypatch.setattr("tutorial_lib.finetune.precision.gpu_capability", lambda: capability)
    monkeypatch.setattr(colab, "_gpu_probe", lambda: ("Fake GPU", memory))
    info = colab.runtime_info()
    assert (info.precision, info.bf16, info.preset) == (precision, precision == "bf16", preset)
    assert info.cuda == (capability is not None)
    text = info.summary()
    assert ("No GPU" in text) if capability is None else ("Fake GPU" in text and precision in text)


def test_run_dir_is_stable_and_local_off_colab(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(colab, "REPO_ROOT", tmp_path)
    first = colab.run_dir("nb-demo")
    assert first == tmp_path / "runs" / "nb-demo" and first.is_dir()
    assert colab.run_dir("nb-demo") == first
    with caplog.at_level(logging.WARNING):
        assert colab.run_dir("nb-demo", use_drive=True) == first
    assert "not Colab" in caplog.text
    assert colab.run_dir(str(tmp_path / "abs")) == tmp_path / "abs"


def test_tokens_come_from_the_crowd_secrets_module_and_never_show(monkeypatch):
    assert colab.get_token is secrets.get_token
    monkeypatch.setenv("TOLOKA_TOKEN", "sk-very-secret")
    token = colab.get_token("TOLOKA_TOKEN", interactive=False)
    assert "sk-very-secret" not in repr(token) and "sk-very-secret" not in str(token)
    monkeypatch.delenv("TOLOKA_TOKEN")
    with pytest.raises(colab.MissingSecret):
        colab.get_token("TOLOKA_TOKEN", interactive=False)


@pytest.mark.parametrize("preset,online_env,expected", [
    ("demo", None, "1"),        # tiny local model: nothing to download, never wait on a network
    ("ci", None, "1"),
    ("colab-t4", None, "0"),    # mT5 and the benchmarks come from the Hub
    ("demo", "1", "0"),         # TUTORIAL_LIB_ONLINE=1 forces online, as on the command line
])
def test_hub_access_by_preset(monkeypatch, preset, online_env, expected):
    for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TUTORIAL_LIB_ONLINE"):
        monkeypatch.delenv(var, raising=False)
    if online_env:
        monkeypatch.setenv("TUTORIAL_LIB_ONLINE", online_env)
    assert colab.hub_access(preset) == (expected == "0")
    assert sys.modules["os"].environ["HF_HUB_OFFLINE"] == expected
    assert sys.modules["os"].environ["HF_DATASETS_OFFLINE"] == expected


def test_hub_access_respects_an_explicit_setting(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.delenv("TUTORIAL_LIB_ONLINE", raising=False)
    assert colab.hub_access("colab-t4") is False
