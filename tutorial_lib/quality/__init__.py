"""Quality wing: rules before validation, aggregation with crowd-kit, post-acceptance.

Modules: ``rules`` (reason codes per answer), ``textsim`` (shingles and
Jaccard, shared with dataset curation), ``langid`` (language ID), ``workers``
(per-worker summaries, bans), ``aggregate`` (label estimators in crowd-kit's
``fit``/``fit_predict`` style), ``smoothed_ds`` (Dawid-Skene with a crowd
prior), ``text_aggregate`` (ROVER, HRRASA), ``pairwise`` (Bradley-Terry),
``vote_input`` (checks every aggregator runs first), ``io`` (crowd-kit /
Toloka files), ``overlap`` (dynamic overlap), ``postaccept`` (accept/reject,
re-collection), ``worker_comments`` (what a worker reads with a verdict),
``commands`` (CLI ``aggregate``).

Taught in notebooks/03_answer_validation.
"""
