"""Dynamic padding and batches of similar source and target length."""

import random

from transformers import AutoTokenizer

from tutorial_lib.finetune.batching import Seq2SeqCollator, Seq2SeqLengthSampler
from tutorial_lib.finetune.data import encode_pairs


def test_collator_pads_to_batch_longest_and_masks_label_padding(tiny_model_dir):
    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    enc = encode_pairs(
        tok, [("Habari", "Nzuri"), ("Eleza jinsi ya kupika wali", "Wali hupikwa kwa maji")], 64, 64
    )
    batch = Seq2SeqCollator(tok)([enc.dataset[0], enc.dataset[1]])
    assert not {"source_length", "target_length"} & set(batch)
    src = [len(x) for x in enc.dataset["input_ids"]]
    tgt = [len(x) for x in enc.dataset["labels"]]
    assert batch["input_ids"].shape == (2, max(src)) and batch["labels"].shape == (2, max(tgt))
    assert int((batch["labels"] == -100).sum()) == max(tgt) - min(tgt)
    assert int(batch["attention_mask"].sum()) == sum(src)


def _batch_cost(batches, src, tgt):
    return sum(len(b) * (max(src[i] for i in b) + max(tgt[i] for i in b)) for b in batches)


def test_sampler_groups_both_sides_and_covers_every_row_once():
    rng = random.Random(3)
    src = [rng.randint(2, 80) for _ in range(203)]
    tgt = [rng.randint(2, 80) for _ in range(203)]  # independent of the source length
    sampler = Seq2SeqLengthSampler(src, tgt, batch_size=8, seed=5)
    batches = sampler.batches()
    assert sorted(i for b in batches for i in b) == list(range(203))
    assert [len(b) for b in batches[:-1]] == [8] * 25 and len(batches[-1]) == 3  # partial one last
    flat = list(sampler)
    assert [flat[k : k + 8] for k in range(0, 203, 8)] == batches  # DataLoader re-chunks the same
    one_side = sorted(range(203), key=lambda i: src[i] + tgt[i])  # a sort on one length
    by_sum = [one_side[k : k + 8] for k in range(0, 203, 8)]
    assert _batch_cost(batches, src, tgt) < 0.9 * _batch_cost(by_sum, src, tgt)
    first = max(src[i] for i in batches[0]) + max(tgt[i] for i in batches[0])
    assert first == max(max(src[i] for i in b) + max(tgt[i] for i in b) for b in batches)


def test_sampler_order_depends_only_on_seed_and_epoch():
    src, tgt = list(range(1, 41)), list(range(40, 0, -1))
    a, b = Seq2SeqLengthSampler(src, tgt, 4, seed=1), Seq2SeqLengthSampler(src, tgt, 4, seed=1)
    assert list(a) == list(b)
    b.set_epoch(1)
    assert list(a) != list(b)
    a.set_epoch(1)
    assert list(a) == list(b)
