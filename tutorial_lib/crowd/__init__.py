"""Crowd projects (Parts I and II): one task design, pricing, and backends behind one lifecycle.

``design`` defines the projects (their data model: ``design_spec``; their
texts: ``design_texts``, reading ``data/crowd_texts/<lang>.yaml``), ``pricing``
what they cost, ``budget`` the run's spending limit, ``backend`` the lifecycle,
``backend_factory`` which backend a run uses, ``simulated`` the offline default
crowd, ``collect`` what the pipeline calls (with ``tasks``, ``sink`` and
``request_more``), ``ledger`` the money record. ``toloka`` and ``room`` (Potato)
are imported lazily because they pull in optional dependencies.

Taught in notebooks/01_crowdsourcing_basics.
"""

from .backend import BackendError, CrowdBackend, Progress, pseudonymise
from .budget import Budget
from .collect import (
    collect_answers,
    collect_rankings,
    collect_votes,
    make_backend,
    request_more_answers,
    request_more_votes,
)
from .design import answer_project, ranking_project, render_html, validation_project
from .design_spec import DesignError, ProjectSpec, QuestionSpec
from .ledger import Ledger
from .pricing import (
    BudgetExceeded,
    CostEstimate,
    Pricing,
    check_budget,
    estimate_cost,
    reward_per_assignment,
)
from .simulated import SimulatedCrowd

__all__ = [
    "BackendError",
    "Budget",
    "BudgetExceeded",
    "CostEstimate",
    "CrowdBackend",
    "DesignError",
    "Ledger",
    "Pricing",
    "Progress",
    "ProjectSpec",
    "QuestionSpec",
    "SimulatedCrowd",
    "answer_project",
    "check_budget",
    "collect_answers",
    "collect_rankings",
    "collect_votes",
    "estimate_cost",
    "make_backend",
    "pseudonymise",
    "ranking_project",
    "render_html",
    "request_more_answers",
    "request_more_votes",
    "reward_per_assignment",
    "validation_project",
]
