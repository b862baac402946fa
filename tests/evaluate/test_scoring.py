"""Log-likelihoods equal a naive one-pair-at-a-time computation and the harness's own HFLM."""

import copy
from pathlib import Path

import pytest
import torch

from tutorial_lib.evaluate.loaders import load_task_docs
from tutorial_lib.evaluate.scoring import (
    encode_request,
    evaluate_task,
    first_argmax,
    load_model,
    score_requests,
)
from tutorial_lib.evaluate.tasks import Request, build_requests

SMOKE = Path(__file__).resolve().parents[2] / "data" / "smoke"
from realdata_helpers import realdata_path

FILES = {
    "xcopa": SMOKE / "xcopa" / "test.sw.jsonl",
    "xnli": SMOKE / "xnli" / "test.sw.jsonl",
    "xstorycloze": SMOKE / "xstorycloze" / "spring2016.val.sw.tsv.split_20_80_eval.tsv",
}


@pytest.fixture(scope="module")
def tiny(tiny_model_dir):
    return load_model(tiny_model_dir, device="cpu")


def naive_loglikelihood(model, tokenizer, context: str, choice: str) -> float:
    """One forward per (context, choice), written from the harness's description, no batching."""
    continuation = " " + choice
    stripped = context.rstrip()
    continuation = context[len(stripped) :] + continuation
    cont = tokenizer(continuation, add_special_tokens=False)["input_ids"]
    ctx = tokenizer(stripped)["input_ids"] if stripped else [tokenizer.eos_token_id]
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ctx]), labels=torch.tensor([cont])).logits
    logp = torch.log_softmax(logits[0], dim=-1)
    return float(logp[torch.arange(len(cont)), torch.tensor(cont)].sum())


def _requests(task, n=7, num_fewshot=0):
    docs = load_task_docs(task, "sw", FILES[task])
    return build_requests(task, "sw", docs[:n], num_fewshot=num_fewshot, fewshot_docs=docs[n:])


@pytest.mark.parametrize("task", ["xcopa", "xnli", "xstorycloze"])
@pytest.mark.parametrize("batch_size,share", [(1, False), (3, True), (16, True), (16, False)])
def test_scores_equal_naive_reference(tiny, task, batch_size, share):
    model, tokenizer = tiny
    requests = _requests(task)
    scores = score_requests(
        model, tokenizer, requests, batch_size=batch_size, share_prefix=share, progress=False
    )
    for req, got in zip(requests, scores):
        want = [naive_loglikelihood(model, tokenizer, req.context, c) for c in req.choices]
        assert got == pytest.approx(want, abs=1e-4)


def test_fewshot_contexts_with_trailing_newlines_score_like_reference(tiny):
    model, tokenizer = tiny
    requests = _requests("xnli", n=4, num_fewshot=2)
    assert requests[0].context.endswith("\n\n") and requests[0].context.startswith(" ")
    scores = score_requests(model, tokenizer, requests, batch_size=5, progress=False)
    for req, got in zip(requests, scores):
        want = [naive_loglikelihood(model, tokenizer, req.context, c) for c in req.choices]
        assert got == pytest.approx(want, abs=1e-4)


def test_encoding_follows_the_harness(tiny):
    _, tokenizer = tiny
    ctx, conts = encode_request(
        tokenizer, Request(0, "Mvua ilinyesha kwa hiyo", ["barabara."], 0), 2048
    )
    assert ctx[-1] == tokenizer.eos_token_id  # context keeps its </s>
    assert tokenizer.eos_token_id not in conts[0]  # continuation: no EOS added or scored
    ctx, conts = encode_request(tokenizer, Request(0, "", ["a", "b"], 0), 2048)
    assert ctx == [tokenizer.eos_token_id]  # empty context -> [</s>]


@pytest.mark.parametrize("task", ["xcopa", "xnli", "xstorycloze"])
def test_scores_equal_lm_eval_hflm(tiny, task):
    """The harness's own scorer on the same (tied, see below) model gives the same numbers."""
    pytest.importorskip("lm_eval")
    from lm_eval.api.instance import Instance
    from lm_eval.models.huggingface import HFLM

    model, tokenizer = tiny
    # HFLM calls model.tie_weights(); with transformers 5 that replaces an mT5
    # checkpoint's own lm_head by the input embeddings. Tie a copy first so both
    # sides score the same network.
    tied = copy.deepcopy(model)
    tied.lm_head.weight = tied.get_input_embeddings().weight
    requests = _requests(task, n=6, num_fewshot=1 if task == "xnli" else 0)
    lm = HFLM(pretrained=tied, tokenizer=tokenizer, backend="seq2seq", batch_size=4, device="cpu")
    instances = [
        Instance("loglikelihood", {}, (r.context, " " + c), i)
        for r in requests
        for i, c in enumerate(r.choices)
    ]
    harness = [ll for ll, _ in lm.loglikelihood(instances, disable_tqdm=True)]
    kit = [
        s
        for row in score_requests(tied, tokenizer, requests, batch_size=4, progress=False)
        for s in row
    ]
    assert kit == pytest.approx(harness, rel=1e-6, abs=1e-4)  # tied logits are large (~1e3)


def test_the_checkpoints_own_lm_head_is_kept(tiny, tiny_model_dir):
    """mT5 checkpoints have an output layer of their own; loading must not tie it away."""
    model, _ = tiny
    assert not torch.equal(model.lm_head.weight, model.get_input_embeddings().weight)


def test_first_argmax_takes_the_first_of_ties():
    assert first_argmax([-1.0, -0.5, -0.5]) == 1
    assert first_argmax([-2.0]) == 0


def test_evaluate_task_on_smoke_file(tiny):
    model, tokenizer = tiny
    res = evaluate_task(
        model, tokenizer, "xstorycloze", "sw", data_file=FILES["xstorycloze"], limit=5, batch_size=4
    )
    assert res["n"] == 5 and [p["idx"] for p in res["predictions"]] == list(range(5))
    for p in res["predictions"]:
        assert len(p["scores"]) == 2 and p["pred"] == first_argmax(p["scores"])
    assert res["accuracy"] == sum(p["pred"] == p["label"] for p in res["predictions"]) / 5


@pytest.mark.realdata
@pytest.mark.parametrize(
    "task,parts,limit",
    [
        ("xcopa", ("xcopa", "data", "sw", "test.sw.jsonl"), 12),
        ("xnli", ("xnli", "sw", "test.jsonl"), 6),
        ("xstorycloze", ("xstorycloze", "spring2016.val.sw.tsv.split_20_80_eval.tsv"), 8),
    ],
)
def test_limit_run_on_real_files(tiny, task, parts, limit):
    model, tokenizer = tiny
    res = evaluate_task(model, tokenizer, task, "sw", data_file=realdata_path(*parts), limit=limit)
    assert res["n"] == limit and 0.0 <= res["accuracy"] <= 1.0
    assert [p["idx"] for p in res["predictions"]] == list(range(limit))
    assert {len(p["scores"]) for p in res["predictions"]} == {3 if task == "xnli" else 2}


def test_load_model_errors_are_clear(tmp_path):
    from tutorial_lib.evaluate.scoring import ModelLoadError

    with pytest.raises(ModelLoadError, match="does not exist"):
        load_model(str(tmp_path / "no" / "such" / "model"))
    with pytest.raises(ModelLoadError, match="offline|cannot load"):
        load_model("google/mt5-small-not-cached-anywhere")
