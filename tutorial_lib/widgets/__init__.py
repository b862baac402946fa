"""Interactive cells: do a crowd task yourself, watch a pool fill up, rank two models blind, price a project.

Everything an attendee submits becomes an ordinary crowd record (backend
``widget``, pseudonymised id) and flows through the same quality control as
the crowd's; crowd- and model-written text is always HTML-escaped.

Taught in notebooks/01_crowdsourcing_basics.
"""

from .display import html_table, save_assignment, show_figure, show_table
from .pricing import cost_summary, pricing_calculator
from .ranking import RankingWidget
from .task import DEFAULT_SALT, PoolProgress, TaskWidget

__all__ = [
    "DEFAULT_SALT",
    "PoolProgress",
    "RankingWidget",
    "TaskWidget",
    "cost_summary",
    "html_table",
    "pricing_calculator",
    "save_assignment",
    "show_figure",
    "show_table",
]
