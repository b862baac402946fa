"""Tokens: found in the right order, never shown, never pickled; the run's salt is stable."""

import pickle
import sys
import types

import pytest

from tutorial_lib.crowd import secrets
from tutorial_lib.crowd.secrets import MissingSecret, Secret, get_token, workdir_salt

TOKEN = "y0_AgAAAABigsecretvalue-1234"


def test_environment_wins_and_is_never_shown(monkeypatch, caplog):
    monkeypatch.setenv("TOLOKA_TOKEN", TOKEN)
    caplog.set_level("DEBUG")
    secret = get_token("TOLOKA_TOKEN", interactive=False)
    assert secret.reveal() == TOKEN
    assert secret.source == "environment"
    for shown in (repr(secret), str(secret), f"{secret}", caplog.text):
        assert TOKEN not in shown
    assert secret.scrub(f"Authorization: OAuth {TOKEN}") == "Authorization: OAuth ***"


def test_missing_token_is_a_clear_error_without_prompting(monkeypatch):
    monkeypatch.delenv("TOLOKA_TOKEN", raising=False)
    monkeypatch.setattr(secrets.getpass, "getpass", lambda *a: pytest.fail("prompted"))
    with pytest.raises(MissingSecret, match="TOLOKA_TOKEN.*environment variable.*Colab"):
        get_token("TOLOKA_TOKEN", interactive=False)


def test_colab_secrets_then_prompt(monkeypatch):
    monkeypatch.delenv("TOLOKA_TOKEN", raising=False)
    colab = types.ModuleType("google.colab")
    colab.userdata = types.SimpleNamespace(
        get=lambda name: TOKEN if name == "TOLOKA_TOKEN" else None
    )
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    assert get_token("TOLOKA_TOKEN", interactive=False).source == "colab"

    def refuse(name):
        raise RuntimeError("SecretNotFoundError")

    colab.userdata = types.SimpleNamespace(get=refuse)
    monkeypatch.setattr(secrets.getpass, "getpass", lambda prompt: "typed-" + TOKEN)
    typed = get_token("TOLOKA_TOKEN", interactive=True)
    assert typed.reveal() == "typed-" + TOKEN and typed.source == "prompt"


def test_secret_refuses_pickling_and_empty_values():
    with pytest.raises(TypeError):
        pickle.dumps(Secret(TOKEN))
    with pytest.raises(MissingSecret):
        Secret("   ")


def test_workdir_salt_is_created_once_and_differs_between_runs(tmp_path):
    first = workdir_salt(tmp_path / "run1")
    assert workdir_salt(tmp_path / "run1") == first
    assert len(first) == 32
    assert workdir_salt(tmp_path / "run2") != first
