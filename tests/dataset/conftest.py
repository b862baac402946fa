"""A small crowd "world" with known verdicts for the dataset tests.

40 distinct prompts (5 per category) plus constructed near-duplicates: an exact
copy under another id, a case/punctuation variant, and a chain A~B~C where A
and C alone are below the threshold. Every prompt gets a best accepted answer,
a weaker accepted one, a validator-rejected one and (for some) a QC reject.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest

from tutorial_lib.records import CATEGORIES, Assignment, Decision, Prompt, QCResult

WORKERS = [f"w_{i:010x}" for i in range(12)]


@dataclass
class World:
    prompts: list[Prompt]
    answers: list[Assignment]
    decisions: list[Decision]
    qc: list[QCResult]
    votes: list[Assignment]
    near_dup_groups: list[list[str]] = field(default_factory=list)


def _words(rng: random.Random, tag: str, n: int) -> str:
    return " ".join(f"{tag}{rng.randrange(10**6):06d}" for _ in range(n))


def _answer(aid: str, pid: str, worker: str, text: str, rnd: int = 0) -> Assignment:
    return Assignment(
        assignment_id=aid,
        task_id=pid,
        worker_id=worker,
        kind="answers",
        backend="simulated",
        submitted_at="2024-01-01T00:00:00+00:00",
        duration_s=90.0,
        answer=text,
        round=rnd,
    )


def _votes(aid: str, n: int, helpful: int) -> list[Assignment]:
    return [
        Assignment(
            assignment_id=f"{aid}-v{k}",
            task_id=aid,
            worker_id=WORKERS[k],
            kind="validation",
            backend="simulated",
            submitted_at="2024-01-01T00:00:00+00:00",
            duration_s=20.0,
            label=int(k < helpful),
        )
        for k in range(n)
    ]


def _prompts(rng: random.Random) -> tuple[list[Prompt], list[list[str]]]:
    prompts = []
    for c, cat in enumerate(CATEGORIES):
        for k in range(5):
            refs = [f"rejea {_words(rng, 'r', 6)}"] if (c + k) % 4 else []
            prompts.append(
                Prompt(
                    id=f"p{c}{k}",
                    category=cat,
                    prompt=f"Eleza {_words(rng, 'q', 8)}.",
                    references=refs,
                )
            )
    base = prompts[0].prompt
    chain_a = "alfa beta gamma delta epsilon zeta eta theta iota kappa"
    chain_b = chain_a + " lambda mu"  # J(a,b) = 10/12 = 0.83
    chain_c = chain_b + " nu xi"  # J(b,c) = 12/14 = 0.86, J(a,c) = 10/14 = 0.71
    extra = [
        Prompt(
            id="dup_exact", category=prompts[0].category, prompt=base, references=["rejea moja"]
        ),
        Prompt(
            id="dup_case",
            category=prompts[0].category,
            prompt=base.upper().replace(".", "?!"),
            references=["rejea mbili"],
        ),
        Prompt(id="chain_a", category="brainstorming", prompt=chain_a, references=["a"]),
        Prompt(id="chain_b", category="brainstorming", prompt=chain_b, references=["b"]),
        Prompt(id="chain_c", category="brainstorming", prompt=chain_c, references=["c"]),
    ]
    groups = [["p00", "dup_exact", "dup_case"], ["chain_a", "chain_b", "chain_c"]]
    return prompts + extra, groups


def make_world(seed: int = 0) -> World:
    rng = random.Random(seed)
    prompts, groups = _prompts(rng)
    answers, decisions, qc, votes = [], [], [], []
    copied = None
    for i, p in enumerate(prompts):
        plan = [
            ("best", "accept", 0.9 - 0.001 * i, 5, 5),
            ("weak", "accept", 0.6, 3, 2),
            ("bad", "reject", 0.1, 3, 0),
        ]
        if i % 3 == 0:
            plan.append(("lang", "reject", 0.0, 0, 0))
        for j, (kind, verdict, score, n_votes, helpful) in enumerate(plan):
            aid = f"{p.id}-{kind}"
            text = f"jibu {_words(rng, kind[0], 4 + (i * 7 + j * 5) % 30)}"
            if kind == "weak" and i == 3:
                copied = text
            if kind == "weak" and i == 10 and copied:
                text = copied + " pia"  # a near-copy of another prompt's answer
            answers.append(_answer(aid, p.id, WORKERS[(i + j) % len(WORKERS)], text))
            reasons = (
                ["wrong_language"]
                if kind == "lang"
                else ([] if verdict == "accept" else ["low_helpfulness"])
            )
            decisions.append(
                Decision(
                    assignment_id=aid,
                    prompt_id=p.id,
                    worker_id=answers[-1].worker_id,
                    verdict=verdict,
                    score=score,
                    confidence=0.5 + score / 2,
                    votes=n_votes,
                    reasons=reasons,
                )
            )
            qc.append(
                QCResult(
                    assignment_id=aid,
                    prompt_id=p.id,
                    worker_id=answers[-1].worker_id,
                    passed=kind != "lang",
                    reasons=["wrong_language"] if kind == "lang" else [],
                    lang="en" if kind == "lang" else "sw",
                    lang_confidence=0.8 + 0.001 * i,
                )
            )
            votes += _votes(aid, n_votes, helpful)
    # One answer nobody has decided on yet: counted, not lost.
    answers.append(_answer("p11-late", "p11", WORKERS[0], f"jibu {_words(rng, 'l', 9)}"))
    return World(prompts, answers, decisions, qc, votes, groups)


@pytest.fixture
def world() -> World:
    return make_world()
