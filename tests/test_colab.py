"""Colab helpers: a setup cell that installs (never clones), a truthful runtime check, keyed run folders."""

import logging
import os
import sys
import types

import pytest

from tutorial_lib import colab, colab_links
from tutorial_lib.crowd import secrets


@pytest.fixture(autouse=True)
def _isolated_hub_switches(monkeypatch):
    """hub_access writes env vars and loaded libraries' switches: restore them after each test."""
    import datasets.config
    import huggingface_hub.constants

    monkeypatch.setattr(colab, "_SET_BY_KIT", {})
    monkeypatch.setattr(
        huggingface_hub.constants, "HF_HUB_OFFLINE", huggingface_hub.constants.HF_HUB_OFFLINE
    )
    for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        monkeypatch.setattr(datasets.config, name, getattr(datasets.config, name))
        monkeypatch.setenv(name, os.environ.get(name, "1"))


def _run_setup_cell(monkeypatch, installed: list[str], on_colab: bool, source: str | None = None):
    """Execute the setup cell with pip replaced by a recorder; returns the recorded calls."""
    import importlib.metadata as md

    real = md.distributions
    calls = []
    monkeypatch.setattr("subprocess.run", lambda cmd, check: calls.append(cmd))
    monkeypatch.setattr("os.chdir", lambda p: calls.append(["chdir", p]))
    fake = [types.SimpleNamespace(version=v, name="tutorial-lib") for v in installed]
    monkeypatch.setattr(md, "distributions", lambda **kw: fake if kw.get("name") else real())
    if source is None:
        monkeypatch.delenv("TUTORIAL_KIT_SOURCE", raising=False)
    else:
        monkeypatch.setenv("TUTORIAL_KIT_SOURCE", source)
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(colab_links.setup_cell_source(), {})  # noqa: S102  (the cell under test)
    return calls


def test_setup_cell_does_nothing_off_colab(monkeypatch, capsys):
    assert _run_setup_cell(monkeypatch, installed=[], on_colab=False) == []
    assert "make install" in capsys.readouterr().out  # missing kit: says how to get it


def test_setup_cell_installs_the_pinned_repository_on_colab_without_chdir(monkeypatch, capsys):
    calls = _run_setup_cell(monkeypatch, installed=[], on_colab=True)
    src = colab_links.kit_source()
    assert calls == [
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            f"tutorial-lib @ git+{src.repo_url}@{src.ref}",
        ]
    ]
    assert "no restart needed" in capsys.readouterr().out


def test_setup_cell_skips_when_this_version_is_installed(monkeypatch):
    version = colab_links.kit_source().version
    assert _run_setup_cell(monkeypatch, installed=[version], on_colab=True) == []


def test_setup_cell_takes_any_requirement_from_the_environment(monkeypatch):
    calls = _run_setup_cell(
        monkeypatch,
        installed=["0.0.1"],
        on_colab=False,
        source="/wheels/tutorial_lib-0.1.0-py3-none-any.whl",
    )
    assert calls == [
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "/wheels/tutorial_lib-0.1.0-py3-none-any.whl",
        ]
    ]


def test_after_install_names_a_replaced_module_that_was_already_imported():
    from importlib import metadata

    import yaml  # noqa: F401  (imported: replacing it needs a restart)

    now = {d.name: d.version for d in metadata.distributions()}
    assert "no restart needed" in colab.after_install(now)
    message = colab.after_install({**now, "PyYAML": "0.0.1"})
    assert "Restart needed" in message and "PyYAML 0.0.1 ->" in message
    assert "no restart needed" in colab.after_install({**now, "not-imported-dist": "0.0.1"})


def test_after_install_ignores_setuptools_start_up_hook(monkeypatch):
    """A fresh venv's setuptools may be swapped for the pinned one: only its .pth hook was loaded."""
    from importlib import metadata

    now = {d.name: d.version for d in metadata.distributions()}
    monkeypatch.setattr(colab, "sys", types.SimpleNamespace(modules={"_distutils_hack": None}))
    assert "no restart needed" in colab.after_install({**now, "setuptools": "84.2.1"})
    monkeypatch.setattr(colab, "sys", types.SimpleNamespace(modules={"setuptools": None}))
    assert "Restart needed" in colab.after_install({**now, "setuptools": "84.2.1"})


@pytest.mark.parametrize(
    "capability,memory,precision,preset",
    [
        (None, 0.0, "fp32", "demo"),
        ((7, 5), 15.0, "fp32", "colab-t4"),  # T4: bf16 is emulated; mT5 must not use fp16
        ((8, 0), 40.0, "bf16", "full"),  # A100 40GB
        ((8, 9), 22.5, "bf16", "colab-t4"),  # L4: bf16, but too small for the full preset
    ],
)
def test_runtime_info_picks_precision_by_compute_capability(
    monkeypatch, capability, memory, precision, preset
):
    monkeypatch.setattr("tutorial_lib.finetune.precision.gpu_capability", lambda: capability)
    monkeypatch.setattr(colab, "_gpu_probe", lambda: ("Fake GPU", memory))
    info = colab.runtime_info()
    assert (info.precision, info.bf16, info.preset) == (precision, precision == "bf16", preset)
    assert info.cuda == (capability is not None)
    text = info.summary()
    assert ("No GPU" in text) if capability is None else ("Fake GPU" in text and precision in text)


def test_run_dir_is_keyed_by_preset_and_model_under_the_current_folder(
    tmp_path, monkeypatch, caplog
):
    monkeypatch.chdir(tmp_path)
    ci, t4 = colab.notebook_config("ci"), colab.notebook_config("colab-t4", model_size="base")
    first = colab.run_dir(None, cfg=ci)
    assert first == tmp_path / "runs" / "nb-ci-tiny" and first.is_dir()
    assert colab.run_dir(None, cfg=ci) == first
    assert colab.run_dir(None, cfg=t4) == tmp_path / "runs" / "nb-colab-t4-mt5-base"
    assert (
        colab.run_dir(None, cfg=colab.notebook_config("colab-t4")).name == "nb-colab-t4-mt5-small"
    )
    with caplog.at_level(logging.WARNING):
        assert colab.run_dir("mine", use_drive=True) == tmp_path / "runs" / "mine"
    assert "not Colab" in caplog.text
    assert colab.run_dir(str(tmp_path / "abs")) == tmp_path / "abs"
    with pytest.raises(ValueError, match="cfg"):
        colab.run_dir(None)


def test_tokens_come_from_the_crowd_secrets_module_and_never_show(monkeypatch):
    assert colab.get_token is secrets.get_token
    monkeypatch.setenv("TOLOKA_TOKEN", "sk-very-secret")
    token = colab.get_token("TOLOKA_TOKEN", interactive=False)
    assert "sk-very-secret" not in repr(token) and "sk-very-secret" not in str(token)
    monkeypatch.delenv("TOLOKA_TOKEN")
    with pytest.raises(colab.MissingSecret):
        colab.get_token("TOLOKA_TOKEN", interactive=False)


@pytest.mark.parametrize(
    "preset,online_env,expected",
    [
        ("demo", None, "1"),  # tiny local model: nothing to download, never wait on a network
        ("ci", None, "1"),
        ("colab-t4", None, "0"),  # mT5 and the benchmarks come from the Hub
        ("demo", "1", "0"),  # TUTORIAL_LIB_ONLINE=1 forces online, as on the command line
    ],
)
def test_hub_access_by_preset(monkeypatch, preset, online_env, expected):
    for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TUTORIAL_LIB_ONLINE"):
        monkeypatch.delenv(var, raising=False)
    if online_env:
        monkeypatch.setenv("TUTORIAL_LIB_ONLINE", online_env)
    assert colab.hub_access(preset) == (expected == "0")
    assert sys.modules["os"].environ["HF_HUB_OFFLINE"] == expected
    assert sys.modules["os"].environ["HF_DATASETS_OFFLINE"] == expected


def test_hub_access_follows_a_preset_switch_in_the_same_runtime(monkeypatch):
    import huggingface_hub.constants

    for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TUTORIAL_LIB_ONLINE"):
        monkeypatch.delenv(var, raising=False)
    assert colab.hub_access("demo") is False and huggingface_hub.constants.HF_HUB_OFFLINE is True
    assert colab.hub_access("colab-t4") is True  # no restart: the loaded library follows too
    assert os.environ["HF_HUB_OFFLINE"] == "0" and huggingface_hub.constants.HF_HUB_OFFLINE is False
    assert colab.hub_access("ci") is False and os.environ["HF_DATASETS_OFFLINE"] == "1"


def test_hub_access_respects_an_explicit_setting(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.delenv("TUTORIAL_LIB_ONLINE", raising=False)
    assert colab.hub_access("colab-t4") is False


def test_budget_line_states_what_a_long_cell_does_and_its_budget():
    t4 = colab.notebook_config("colab-t4")
    line = colab.budget_line(t4, "finetune")
    assert "google/mt5-small" in line and "600 steps" in line and "5 min" in line
    assert "3 min" in colab.budget_line(t4, "evaluate") and "subset" in colab.budget_line(
        t4, "evaluate"
    )
    assert "no time budget" in colab.budget_line(colab.notebook_config("ci"), "finetune")
    with pytest.raises(ValueError):
        colab.budget_line(t4, "answers")
