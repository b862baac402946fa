import pytest

from tutorial_lib.config import PRESETS, ConfigError, load_config, parse_override


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_loads(preset):
    cfg = load_config(preset)
    assert cfg.name == preset
    assert cfg.crowd.hourly_pay_usd >= 12


def test_demo_is_offline_and_tiny():
    cfg = load_config("demo")
    assert cfg.finetune.model == "tiny" and cfg.crowd.backend == "simulated"
    assert load_config("colab-t4").finetune.model == "google/mt5-small"


def test_decoder_presets_name_sourced_candidates():
    from tutorial_lib.finetune.candidates import load_candidates

    t4, full = load_config("colab-t4-decoder").finetune, load_config("full-decoder").finetune
    known = load_candidates()
    assert known[t4.model].family == "causal" and known[t4.model].params <= 1e9 and t4.lora
    assert known[full.model].params > 7e9 and full.qlora and full.lora


def test_overrides_apply_and_are_typed():
    cfg = load_config("demo", ["finetune.max_steps=7", "crowd.backend=room"])
    assert cfg.finetune.max_steps == 7 and cfg.crowd.backend == "room"
    assert parse_override("a.b=1") == {"a": {"b": 1}}


@pytest.mark.parametrize(
    "override, fragment",
    [
        (["finetune.max_steps=-1"], "finetune.max_steps"),
        (["crowd.backend=mturk"], "crowd.backend"),
        (["finetune.precision=fp8"], "finetune.precision"),
        (["crowd.validation_max_overlap=1"], "crowd.validation_max_overlap"),
        (["quality.typo=1"], "unknown key"),
        (["evaluate.tasks=[xcopa, mmlu]"], "evaluate.tasks"),
    ],
)
def test_bad_values_name_the_field(override, fragment):
    with pytest.raises(ConfigError, match=fragment.replace(".", r"\.")):
        load_config("demo", override)


def test_unknown_preset_lists_known_ones():
    with pytest.raises(ConfigError, match="known presets: .*demo"):
        load_config("nope")


def test_bad_yaml_names_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("crowd: [unclosed\n")
    with pytest.raises(ConfigError, match="bad.yaml"):
        load_config(str(path))
