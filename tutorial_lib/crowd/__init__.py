"""Crowd projects (Parts I and II): one task design, pricing, and backends behind one lifecycle.

``design`` defines the projects, ``pricing`` what they cost, ``backend`` the
lifecycle, ``simulated`` the offline default crowd, ``collect`` what the
pipeline calls. ``toloka`` and ``room`` (Potato) are imported lazily because
they pull in optional dependencies.

Taught in notebooks/01_crowdsourcing_basics.
"""
from .backend import BackendError, CrowdBackend, Progress, pseudonymise
from .design import (
    DesignError,
    ProjectSpec,
    QuestionSpec,
    answer_project,
    ranking_project,
    render_html,
    validation_project,
)

__all__ = [
    "BackendError", "CrowdBackend", "Progress", "pseudonymise", "DesignError", "ProjectSpec",
    "QuestionSpec", "answer_project", "ranking_project", "render_html", "validation_project",
]
