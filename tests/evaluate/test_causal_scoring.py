"""Causal scoring equals lm-evaluation-harness 0.4.13's own ``HFLM.loglikelihood`` (causal path)."""

from pathlib import Path

import pytest
import torch

from tutorial_lib.evaluate.causal_scoring import encode_causal_request
from tutorial_lib.evaluate.generation import generate_answers
from tutorial_lib.evaluate.loaders import load_task_docs
from tutorial_lib.evaluate.scoring import evaluate_task, load_model, score_requests
from tutorial_lib.evaluate.tasks import Request, build_requests

SMOKE = Path(__file__).resolve().parents[2] / "data" / "smoke"
FILES = {
    "xcopa": SMOKE / "xcopa" / "test.sw.jsonl",
    "xnli": SMOKE / "xnli" / "test.sw.jsonl",
    "xstorycloze": SMOKE / "xstorycloze" / "spring2016.val.sw.tsv.split_20_80_eval.tsv",
}


@pytest.fixture(scope="module")
def causal(tiny_causal_dir):
    torch.set_num_threads(1)
    return load_model(tiny_causal_dir, device="cpu")


def _requests(task, n=6, num_fewshot=0):
    docs = load_task_docs(task, "sw", FILES[task])
    return build_requests(task, "sw", docs[:n], num_fewshot=num_fewshot, fewshot_docs=docs[n:])


def _harness(model, tokenizer, requests, **kwargs):
    pytest.importorskip("lm_eval")
    from lm_eval.api.instance import Instance
    from lm_eval.models.huggingface import HFLM

    lm = HFLM(
        pretrained=model,
        tokenizer=tokenizer,
        backend="causal",
        batch_size=4,
        device="cpu",
        **kwargs,
    )
    instances = [
        Instance("loglikelihood", {}, (r.context, " " + c), i)
        for r in requests
        for i, c in enumerate(r.choices)
    ]
    return [ll for ll, _ in lm.loglikelihood(instances, disable_tqdm=True)]


@pytest.mark.parametrize("task", ["xcopa", "xnli", "xstorycloze"])
@pytest.mark.parametrize("num_fewshot", [0, 1])
def test_scores_equal_lm_eval_hflm(causal, task, num_fewshot):
    model, tokenizer = causal
    requests = _requests(task, num_fewshot=num_fewshot)
    harness = _harness(model, tokenizer, requests)
    for batch_size, share in ((1, False), (3, True), (16, True)):
        kit = [
            s
            for row in score_requests(
                model,
                tokenizer,
                requests,
                batch_size=batch_size,
                share_prefix=share,
                progress=False,
            )
            for s in row
        ]
        assert kit == pytest.approx(harness, rel=1e-6, abs=2e-4)


def test_left_truncation_equals_the_harness(causal):
    """Contexts longer than the model's window are cut from the left, per choice, as the harness."""
    from tutorial_lib.evaluate.causal_scoring import score_causal_requests

    model, tokenizer = causal
    requests = _requests("xstorycloze", n=4)
    harness = _harness(model, tokenizer, requests, max_length=24)
    kit = [
        s
        for row in score_causal_requests(
            model, tokenizer, requests, batch_size=4, progress=False, limit=24
        )
        for s in row
    ]
    assert kit == pytest.approx(harness, rel=1e-6, abs=2e-4)


def test_encoding_follows_the_harness(causal):
    _, tokenizer = causal
    bos = tokenizer.bos_token_id
    pairs = encode_causal_request(
        tokenizer, Request(0, "Mvua ilinyesha kwa hiyo ", ["barabara."], 0), 2048, bos
    )
    ctx, cont = pairs[0]
    assert ctx[0] == bos and bos not in cont  # BOS once, on the context
    whole = tokenizer("Mvua ilinyesha kwa hiyo  barabara.")["input_ids"]
    assert cont == whole[len(ctx) :]  # one string, split at the context's length
    assert tokenizer.decode(cont) == "  barabara."  # the context's trailing space moved over
    pairs = encode_causal_request(tokenizer, Request(0, "", ["a", "b"], 0), 2048, bos)
    assert [ctx for ctx, _ in pairs] == [[bos], [bos]]  # empty context -> [BOS]


def test_evaluate_task_dispatches_on_the_family(causal):
    model, tokenizer = causal
    res = evaluate_task(
        model, tokenizer, "xcopa", "sw", data_file=FILES["xcopa"], limit=4, batch_size=4
    )
    assert res["n"] == 4 and all(len(p["scores"]) == 2 for p in res["predictions"])


def test_generation_uses_the_prompt_format_and_returns_only_the_answer(causal):
    model, tokenizer = causal
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    answers = generate_answers(
        model, tokenizer, ["Habari ya asubuhi?", "Leo ni siku nzuri"], max_new_tokens=6
    )
    assert len(answers) == 2
    assert all("<|assistant|>" not in a and "Habari ya asubuhi?" not in a for a in answers)
