"""Batches for seq2seq training: dynamic padding, and batches of similar source and target length.

Batches are padded only to their own longest item, and hold items of similar
length on both sides. Against transformers' own ``group_by_length`` this is
worth little (AfriInstruct, batch 8, measured: padded/real tokens 1.30 there,
1.20 here); against random order (``DataCollatorForSeq2Seq``'s default, 2.67)
it is worth about 2.2x. The kit's larger speed-up comes from trimming the vocabulary
(``vocab_trim``); ``benchmarks/finetune_throughput.py`` measures both against
the stock recipes.
"""

from __future__ import annotations

from collections.abc import Sequence

from .data import LENGTH_COLUMNS


class Seq2SeqCollator:
    """Dynamic padding (labels padded with -100) that drops the sampler's length columns."""

    def __init__(self, tokenizer, model=None, pad_to_multiple_of: int | None = None):
        from transformers import DataCollatorForSeq2Seq

        self.inner = DataCollatorForSeq2Seq(
            tokenizer, model=model, label_pad_token_id=-100, pad_to_multiple_of=pad_to_multiple_of
        )

    def __call__(self, features: list[dict]) -> dict:
        features = [{k: v for k, v in f.items() if k not in LENGTH_COLUMNS} for f in features]
        return self.inner(features)


class Seq2SeqLengthSampler:
    """Indices in batches of similar source *and* target length, batches in random order.

    Within each random megabatch (50 batches) items are sorted by the longer side
    (source or target, whichever holds more tokens), then each run of two batches
    is re-sorted by the other side; so both the encoder's and the decoder's
    padding stay small, unlike a sort on one length. The costliest batch comes
    first, so an out-of-memory error shows at step 1, not at step 400. The order
    depends only on ``seed`` and the epoch (``set_epoch``, called by the Trainer),
    so a resumed run and every process of a multi-GPU run see the same batches.

    Several processes: a batch here is the *global* batch of one optimizer step
    (``batch_size`` rows per process × ``num_processes``). accelerate deals the
    stream's micro-batches to ranks in turn, so each rank gets a contiguous slice
    of one length-sorted group: every rank's batch is short on padding, the
    costliest step comes first on every rank, and 2 processes × 4 rows see the
    same rows per step as 1 process × 8 rows.
    """

    def __init__(
        self,
        source_lengths: Sequence[int],
        target_lengths: Sequence[int],
        batch_size: int,
        seed: int = 0,
        megabatches: int = 50,
        chunk: int = 2,
        num_processes: int = 1,
    ):
        if len(source_lengths) != len(target_lengths):
            raise ValueError("source and target length lists differ in size")
        self.src, self.tgt = list(source_lengths), list(target_lengths)
        self.batch_size, self.seed, self.epoch = batch_size * num_processes, seed, 0
        self.mega, self.chunk = megabatches * self.batch_size, chunk * self.batch_size

    def set_epoch(self, epoch: int) -> None:
        """Reshuffle for a new epoch; the Trainer calls this before each epoch.

        Args:
            epoch: the epoch about to start (0-based); it is added to ``seed``, so
                every epoch gets a different but reproducible order.
        """
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.src)

    def batches(self) -> list[list[int]]:
        """This epoch's (global) batches, the costliest first and any short batch last.

        Returns:
            Lists of row indices, each ``batch_size × num_processes`` long except
            possibly the last; every row appears exactly once.

        Examples:
            >>> sampler = Seq2SeqLengthSampler([5, 1, 4, 2], [5, 1, 4, 2], batch_size=2)
            >>> sampler.batches()  # the two longest rows together, first
            [[0, 2], [3, 1]]
        """
        import torch

        gen = torch.Generator().manual_seed(self.seed + self.epoch)
        first, second = (
            (self.src, self.tgt) if sum(self.src) >= sum(self.tgt) else (self.tgt, self.src)
        )
        perm = torch.randperm(len(self.src), generator=gen).tolist()
        batches: list[list[int]] = []
        for m in range(0, len(perm), self.mega):
            mega = sorted(perm[m : m + self.mega], key=lambda i: first[i], reverse=True)
            for c in range(0, len(mega), self.chunk):
                group = sorted(mega[c : c + self.chunk], key=lambda i: second[i], reverse=True)
                batches += [
                    group[b : b + self.batch_size] for b in range(0, len(group), self.batch_size)
                ]
        full = [b for b in batches if len(b) == self.batch_size]
        partial = [b for b in batches if len(b) < self.batch_size]  # at most one; it stays last
        full = [full[i] for i in torch.randperm(len(full), generator=gen).tolist()]
        if full:
            cost = [max(self.src[i] for i in b) + max(self.tgt[i] for i in b) for b in full]
            top = cost.index(max(cost))
            full[0], full[top] = full[top], full[0]
        return full + partial

    def __iter__(self):
        for batch in self.batches():
            yield from batch
