"""Loading models: clear offline errors, the tiny stand-in, model types for the precision check."""

import pytest

from tutorial_lib.finetune.loading import (
    ModelLoadError,
    load_seq2seq,
    model_type_of,
    resolve_base_model,
)


def test_offline_hub_model_is_a_clear_error():
    with pytest.raises(ModelLoadError, match="'google/mt5-base'.*offline.*--preset demo"):
        load_seq2seq("google/mt5-base")


def test_local_folder_that_is_not_a_model_says_so(tmp_path):
    with pytest.raises(ModelLoadError, match="is a folder but not a loadable model"):
        load_seq2seq(str(tmp_path))


def test_tiny_is_built_once_and_other_names_pass_through(tmp_path):
    texts = ["Habari ya asubuhi rafiki", "Leo tutajifunza Kiswahili"] * 20
    folder, used_tiny = resolve_base_model("tiny", tmp_path, texts, vocab_size=60)
    assert used_tiny and folder == str(tmp_path / "base_tiny")
    assert model_type_of(folder) == "mt5" and model_type_of("tiny") == "mt5"
    assert resolve_base_model("google/mt5-small", tmp_path, texts) == ("google/mt5-small", False)
    assert model_type_of("google/mt5-small") is None


def test_only_the_unactionable_tie_warnings_are_filtered():
    import logging

    from tutorial_lib.finetune.loading import TieNoiseFilter

    def kept(msg):
        return TieNoiseFilter().filter(
            logging.LogRecord("t", logging.WARNING, "", 0, msg, None, None)
        )

    missing = "There were missing keys in the checkpoint model loaded: [{}]."
    assert not kept(missing.format("'encoder.embed_tokens.weight', 'decoder.embed_tokens.weight'"))
    assert not kept("... different values, so we will NOT tie them. You should update the config")
    assert kept(missing.format("'lm_head.weight'"))
    assert kept(missing.format("'encoder.embed_tokens.weight', 'shared.weight'"))
