"""Sourced facts about the world and the notebook-01 figures built on them.

``registry`` holds every number the notebooks and slides state about the world, each
with its source URL and retrieval date (``tutorial-lib facts`` lists them); ``figures``
draws the charts: language shares in public data, published Swahili results, and
what fair pay costs; ``tokenization`` runs the live tokenizer-fertility experiment
(Rust et al. 2021; Petrov et al. 2023).

Taught in notebooks/01_crowdsourcing_basics.
"""

from .figures import (  # noqa: F401
    DATA_SHARE_IDS,
    GPT3_SOURCE,
    GPT3_WORDS,
    data_share_rows,
    language_share,
    plot_cost_by_overlap,
    plot_data_share,
    plot_language_share,
    plot_published_results,
    plot_reward_curve,
)
from .registry import (  # noqa: F401
    CATEGORY_TITLES,
    Fact,
    FactError,
    all_facts,
    benchmark_matrix,
    cite,
    format_references,
    get,
    published_references,
    references,
    table,
    to_json,
    value,
)
from .tokenization import fertility, fertility_experiment, plot_fertility  # noqa: F401
