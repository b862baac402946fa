"""Evaluation: harness-identical XCOPA/XNLI/XStoryCloze scoring, held-out generation, human ranking.

Taught in notebooks/05_hands_on_mt5.
"""

from .generation import generate_answers, score_generations, side_by_side_html
from .loaders import DataFileError, load_task_docs
from .ranking import build_comparisons, rank_models
from .scoring import ModelLoadError, evaluate_task, load_model, score_requests
from .tasks import TASKS, build_requests
from .templates import LANGUAGES

__all__ = [
    "LANGUAGES",
    "TASKS",
    "DataFileError",
    "ModelLoadError",
    "build_comparisons",
    "build_requests",
    "evaluate_task",
    "generate_answers",
    "load_model",
    "load_task_docs",
    "rank_models",
    "score_generations",
    "score_requests",
    "side_by_side_html",
]
