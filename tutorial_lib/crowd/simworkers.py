"""The simulated worker pool: profiles, per-worker skill and bias, exams, and how they vote.

Default shares are tuned to a realistic open crowd *before* the entry exam
(many spammers apply, most fail it). Among the validators who pass, weighted by
how many tasks they take, about 45-50% are diligent (right ~95% of the time),
~10-15% careless (~70%), ~20-25% say yes to everything and ~15% click at
random; 55-70% of answers are helpful. Majority vote over 3 votes then lands
around 0.78-0.90 accuracy on all answers (0.85-0.92 on those passing the
quality rules), while Dawid-Skene, which learns each worker's confusion across
many tasks, with dynamic overlap up to 5 reaches ~0.93-0.98. That gap is what
notebooks/03_answer_validation teaches.
"""

from __future__ import annotations

import random
from collections.abc import Callable

ROLE_OF = {"answers": "writer", "validation": "validator", "ranking": "validator"}

# share: of the pool before the exam; exam: share who pass it; speed: x seconds_per_task;
# activity: how many tasks they take relative to others (fast workers grab more);
# good: chance an answer is the good variant (mean, sd); bad_variant: what it is otherwise.
WRITERS = {
    "diligent": {
        "share": 0.50,
        "exam": 0.95,
        "speed": 1.0,
        "good": (0.93, 0.03),
        "bad_variant": "weak",
        "activity": 1.0,
    },
    "spammer": {
        "share": 0.10,
        "exam": 0.2,
        "speed": 0.07,
        "good": (0.0, 0.0),
        "bad_variant": "junk",
        "activity": 1.5,
    },
    "english": {
        "share": 0.10,
        "exam": 0.4,
        "speed": 0.5,
        "good": (0.1, 0.05),
        "bad_variant": "english",
        "activity": 1.2,
    },
    "copier": {
        "share": 0.08,
        "exam": 0.45,
        "speed": 0.12,
        "good": (0.1, 0.05),
        "bad_variant": "copy",
        "activity": 1.5,
    },
    "offtopic": {
        "share": 0.10,
        "exam": 0.6,
        "speed": 0.45,
        "good": (0.15, 0.05),
        "bad_variant": "offtopic",
        "activity": 1.2,
    },
    "truncator": {
        "share": 0.12,
        "exam": 0.7,
        "speed": 0.35,
        "good": (0.2, 0.05),
        "bad_variant": "truncated",
        "activity": 1.3,
    },
}
# skill: chance to judge by the truth; otherwise the vote is "yes" with probability bias.
VALIDATORS = {
    "diligent": {
        "share": 0.44,
        "exam": 0.95,
        "speed": 1.0,
        "skill": (0.93, 0.03),
        "bias": (0.6, 0.1),
        "activity": 1.0,
    },
    "careless": {
        "share": 0.10,
        "exam": 0.75,
        "speed": 0.45,
        "skill": (0.45, 0.08),
        "bias": (0.6, 0.1),
        "activity": 1.3,
    },
    "always_yes": {
        "share": 0.20,
        "exam": 0.8,
        "speed": 0.2,
        "skill": (0.0, 0.0),
        "bias": (0.97, 0.01),
        "activity": 1.5,
    },
    "spammer": {
        "share": 0.26,
        "exam": 0.4,
        "speed": 0.1,
        "skill": (0.0, 0.0),
        "bias": (0.5, 0.15),
        "activity": 1.5,
    },
}
_TABLES = {"writers": WRITERS, "validators": VALIDATORS}
# Where a simulated worker says they are from (their Swahili variety), drawn independently of
# profile and from its own random stream: the simulation gives region NO effect on quality, so
# any gap in acceptance by region in a simulated run is chance, which is what to compare a real
# crowd's gaps against. Shares are a teaching assumption, not a census of any platform.
REGIONS = {
    "Kenya (coast)": 0.2,
    "Kenya (inland)": 0.25,
    "Tanzania (mainland)": 0.3,
    "Zanzibar": 0.1,
    "Uganda / DR Congo": 0.15,
}


def region_of(seed: int, index: int) -> str:
    """The region of worker ``index`` in pool ``seed`` (its own stream, so pools stay as they were).

    Drawn from :data:`REGIONS`' shares, independently of the worker's profile:
    region has no effect on quality in the simulation.

    Args:
        seed: The pool's seed.
        index: The worker's position in the pool (0-based).

    Returns:
        A key of :data:`REGIONS`.
    """
    rng = random.Random(f"region|{seed}|{index}")
    return rng.choices(list(REGIONS), weights=list(REGIONS.values()))[0]


def resolve_mix(mix: dict | None) -> dict:
    """Profile shares per role, normalised; ``mix`` replaces a role's shares wholesale.

    Args:
        mix: ``{"writers"|"validators": {profile: share}}``; shares need not
            sum to 1. A role left out keeps the default shares of
            :data:`WRITERS` / :data:`VALIDATORS`; ``None`` keeps both.

    Returns:
        ``{"writers": {...}, "validators": {...}}`` with shares summing to 1
        (rounded to 6 places), zero shares left out.

    Raises:
        ValueError: if a role or profile is unknown, a share is negative, or
            a role's shares are all zero.

    Examples:
        >>> resolve_mix({"writers": {"diligent": 3, "spammer": 1}})["writers"]
        {'diligent': 0.75, 'spammer': 0.25}
    """
    mix = dict(mix or {})
    unknown_roles = set(mix) - set(_TABLES)
    if unknown_roles:
        raise ValueError(f"mix has unknown role(s) {sorted(unknown_roles)}; use writers/validators")
    out = {}
    for role, table in _TABLES.items():
        shares = mix.get(role) or {name: p["share"] for name, p in table.items()}
        unknown = set(shares) - set(table)
        if unknown:
            raise ValueError(
                f"mix[{role!r}] has unknown profile(s) {sorted(unknown)}; known: {sorted(table)}"
            )
        if any(v < 0 for v in shares.values()) or sum(shares.values()) <= 0:
            raise ValueError(f"mix[{role!r}] shares must be >= 0 and not all zero: {shares}")
        total = sum(shares.values())
        out[role] = {name: round(v / total, 6) for name, v in shares.items() if v > 0}
    return out


def _quota(shares: dict, n: int, rng: random.Random) -> list[str]:
    """Exactly-proportional profile list (largest remainder), shuffled."""
    raw = {name: share * n for name, share in shares.items()}
    counts = {name: int(v) for name, v in raw.items()}
    for name in sorted(raw, key=lambda k: raw[k] - counts[k], reverse=True)[
        : n - sum(counts.values())
    ]:
        counts[name] += 1
    out = [name for name, c in counts.items() for _ in range(c)]
    rng.shuffle(out)
    return out


def _around(rng: random.Random, mean_sd: tuple, lo: float = 0.0, hi: float = 0.99) -> float:
    mean, sd = mean_sd
    return round(min(max(rng.gauss(mean, sd) if sd else mean, lo), hi), 4)


def _exam(profiles: list[str], table: dict, rng: random.Random) -> list[bool]:
    """Who passes: each profile's exam share of its workers (stochastic rounding), at random."""
    passed = [False] * len(profiles)
    for name in sorted(set(profiles)):
        idx = [i for i, p in enumerate(profiles) if p == name]
        n_pass = min(len(idx), int(len(idx) * table[name]["exam"] + rng.random()))
        for i in rng.sample(idx, n_pass):
            passed[i] = True
    return passed


def build_pool(seed: int, n_workers: int, mix: dict, name: Callable[[str], str]) -> dict:
    """``n_workers`` workers keyed by pseudonymised id, each with a writer and validator role.

    Profiles are assigned in exact proportion to ``mix`` (largest remainder),
    each profile's exam share passes, and skill, bias and activity vary
    around the profile's values. The same arguments give the same pool.

    Args:
        seed: The pool's seed.
        n_workers: Pool size, at least 2.
        mix: Shares per role and profile, as :func:`resolve_mix` returns them.
        name: Turns a raw worker id (``sim<seed>-worker-<i>``) into the id
            records carry (the simulated crowd pseudonymises it).

    Returns:
        ``{worker_id: {"writer": {...}, "validator": {...}, "passed":
        {"writer": bool, "validator": bool}, "region": str}}``; a role holds
        its ``profile``, ``speed`` and ``activity`` plus ``good`` and
        ``bad_variant`` (writer) or ``skill`` and ``bias`` (validator).

    Raises:
        ValueError: if ``n_workers`` < 2.
    """
    if n_workers < 2:
        raise ValueError(f"n_workers must be >= 2, got {n_workers}")
    rng = random.Random(f"pool|{seed}|{n_workers}")
    writers, validators = (
        _quota(mix["writers"], n_workers, rng),
        _quota(mix["validators"], n_workers, rng),
    )
    w_pass, v_pass = _exam(writers, WRITERS, rng), _exam(validators, VALIDATORS, rng)
    pool = {}
    for i in range(n_workers):
        wp, vp = WRITERS[writers[i]], VALIDATORS[validators[i]]
        base = rng.lognormvariate(0.0, 0.25)
        pool[name(f"sim{seed}-worker-{i:04d}")] = {
            "writer": {
                "profile": writers[i],
                "speed": wp["speed"],
                "good": _around(rng, wp["good"], hi=1.0),
                "bad_variant": wp["bad_variant"],
                "activity": round(base * wp["activity"], 4),
            },
            "validator": {
                "profile": validators[i],
                "speed": vp["speed"],
                "skill": _around(rng, vp["skill"]),
                "bias": _around(rng, vp["bias"], 0.01),
                "activity": round(base * vp["activity"], 4),
            },
            "passed": {"writer": w_pass[i], "validator": v_pass[i]},
            "region": region_of(seed, i),
        }
    return pool


def vote(
    rng: random.Random, role: dict, scale: str, truth: bool | None = None, diff: float = 0.0
) -> int:
    """One vote: ``binary`` 1/0, ``likert5`` 1-5 (truth = helpful), ``ranking`` 0=A / 1=B.

    For ranking, ``diff`` is closeness(B) - closeness(A): near-ties are hard
    even for the diligent, and a yes-sayer's bias becomes a bias for answer A.
    With probability ``skill`` the vote follows the truth; otherwise it is
    "yes" with probability ``bias``.

    Args:
        rng: The worker's random stream.
        role: The worker's validator role from :func:`build_pool`
            (``profile``, ``skill``, ``bias``).
        scale: ``binary``, ``likert5`` or ``ranking``.
        truth: Whether the answer is helpful (``binary``/``likert5``).
        diff: chrF difference B - A (``ranking`` only); the smaller it is,
            the more the vote follows ``bias`` (a tie: only the bias).

    Returns:
        The vote on the scale's own values.

    Raises:
        ValueError: if ``scale`` is none of the three.

    Examples:
        >>> perfect = {"profile": "diligent", "skill": 1.0, "bias": 0.5}
        >>> vote(random.Random(0), perfect, "binary", truth=True)
        1
        >>> vote(random.Random(0), perfect, "ranking", diff=20.0)  # B is clearly closer
        1
    """
    skill = role["skill"]
    if scale == "ranking":
        truth = diff > 0 if diff else rng.random() < 0.5
        skill *= min(1.0, abs(diff) / 8.0)
        knows = rng.random() < skill
        return int(truth) if knows else int(rng.random() >= role["bias"])
    yes = truth if rng.random() < skill else rng.random() < role["bias"]
    if scale == "binary":
        return int(yes)
    if scale != "likert5":
        raise ValueError(f"unknown scale {scale!r}")
    if role["profile"] in ("careless", "spammer") and rng.random() < 0.2:
        return 3
    return (5 if rng.random() < 0.6 else 4) if yes else (1 if rng.random() < 0.6 else 2)
