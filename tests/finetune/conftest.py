"""Fine-tuning test fixtures: small Swahili instruction pairs and one shared trained run."""

import pytest
from sample_text import SWAHILI_SENTENCES as SW

FAST = {
    "max_steps": 4,
    "save_steps": 2,
    "eval_steps": 2,
    "batch_size": 4,
    "tiny_vocab_size": 300,
    "max_new_tokens": 12,
}


@pytest.fixture(autouse=True)
def _one_thread():
    """Two cores shared by many jobs: intra-op threads spin and make tiny steps 20x slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def train_rows():
    # Answers of different lengths, so batches need padding and grouping has work to do.
    return [
        {"prompt": SW[i % 8], "answer": " ".join(SW[(i + 1) % 8].split()[: 3 + i % 7])}
        for i in range(24)
    ]


@pytest.fixture(scope="session")
def heldout_rows():
    return [
        {"prompt": SW[i], "references": [SW[(i + 2) % 8], "ignored second reference"]}
        for i in range(4)
    ]


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory, train_rows, heldout_rows):
    """One tiny fine-tune shared by the read-only tests, with what its callback saw."""
    import torch
    from transformers import TrainerCallback

    from tutorial_lib.finetune.train import finetune

    seen = {}

    class Spy(TrainerCallback):
        def on_train_begin(self, args, state, control, optimizer=None, **kwargs):
            seen["optimizer"] = optimizer

    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("demo_run")
    result = finetune(
        train_rows, out, "tiny", heldout=heldout_rows, callbacks=[Spy()], tiny_texts=SW * 10, **FAST
    )
    return result, seen, out
