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
    """Both projects' cost at these settings, as text (the pricing calculator's output)."""
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
