"""The pricing calculator: both projects' bill, live, as sliders move.

Taught in notebooks/01_crowdsourcing_basics.
"""

from __future__ import annotations

import ipywidgets as w

from ..render import nl2br


def cost_summary(
    n_prompts: int,
    answer_overlap: int,
    validation_overlap: int,
    seconds_per_answer: float,
    seconds_per_vote: float,
    hourly_pay_usd: float,
    control_share: float = 0.1,
    platform_fee: float = 0.3,
) -> str:
    """Both projects' bill at these settings, as text (the pricing calculator's output).

    Part I pays for ``answer_overlap`` answers per prompt; Part II pays for
    ``validation_overlap`` votes on each of those answers, so its task count is
    ``n_prompts * answer_overlap``. Each part is priced by
    :func:`tutorial_lib.crowd.pricing.estimate_cost`.

    Args:
        n_prompts: prompts sent to the crowd.
        answer_overlap: answers collected per prompt.
        validation_overlap: votes collected per answer.
        seconds_per_answer: time a worker needs for one answer, in seconds.
        seconds_per_vote: time a worker needs for one vote, in seconds.
        hourly_pay_usd: the pay rate the price is set from, in US dollars per hour.
        control_share: share of all assignments spent on control tasks (0.1 = 10%).
        platform_fee: the platform's fee as a fraction of worker pay (0.3 = 30%).

    Returns:
        Several lines: each part's summary, then ``Both parts: $X.XX``.

    Examples:
        >>> text = cost_summary(100, 3, 3, 120, 20, 6.0)
        >>> text.splitlines()[0], text.splitlines()[-1].startswith("Both parts: $")
        ('Part I (answers)', True)
    """
    from ..crowd.pricing import estimate_cost

    part1 = estimate_cost(
        n_prompts, answer_overlap, seconds_per_answer, hourly_pay_usd, control_share, platform_fee
    )
    part2 = estimate_cost(
        n_prompts * answer_overlap,
        validation_overlap,
        seconds_per_vote,
        hourly_pay_usd,
        control_share,
        platform_fee,
    )
    total = part1.total_usd + part2.total_usd
    return (
        f"Part I (answers)\n{part1.summary()}\n\nPart II (validation)\n{part2.summary()}\n\n"
        f"Both parts: ${total:.2f}"
    )


def pricing_calculator(crowd_cfg=None, n_prompts: int = 160):
    """Sliders for prompts, overlaps, task times and hourly pay; shows the bill as they move.

    Args:
        crowd_cfg: a :class:`~tutorial_lib.config.CrowdConfig` whose values start
            the sliders and fix the control share and platform fee (default: the
            stock ``CrowdConfig()``).
        n_prompts: where the prompts slider starts.

    Returns:
        An ``ipywidgets.VBox`` of the sliders and the bill; ``box.sliders`` (name
        -> slider) and ``box.output`` (the HTML bill) let tests and cells drive it.

    Taught in notebooks/01_crowdsourcing_basics.
    """
    from ..config import CrowdConfig

    c = crowd_cfg or CrowdConfig()
    out = w.HTML()
    sliders = {
        "n_prompts": w.IntSlider(value=n_prompts, min=10, max=2000, step=10, description="prompts"),
        "answer_overlap": w.IntSlider(
            value=c.answer_overlap, min=1, max=5, description="answers/prompt"
        ),
        "validation_overlap": w.IntSlider(
            value=c.validation_overlap, min=1, max=7, description="votes/answer"
        ),
        "seconds_per_answer": w.IntSlider(
            value=int(c.seconds_per_answer), min=30, max=600, step=10, description="s per answer"
        ),
        "seconds_per_vote": w.IntSlider(
            value=int(c.seconds_per_vote), min=5, max=120, step=5, description="s per vote"
        ),
        "hourly_pay_usd": w.FloatSlider(
            value=c.hourly_pay_usd, min=1, max=30, step=0.5, description="$ per hour"
        ),
    }

    def update(*_):
        text = cost_summary(
            **{k: s.value for k, s in sliders.items()},
            control_share=c.control_share,
            platform_fee=c.platform_fee,
        )
        out.value = f"<pre>{nl2br(text)}</pre>"

    for s in sliders.values():
        s.style = {"description_width": "8em"}
        s.observe(update, names="value")
    update()
    box = w.VBox([*sliders.values(), out])
    box.sliders, box.output = sliders, out
    return box
