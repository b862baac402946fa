"""Quality wing: rules before validation, aggregation with crowd-kit, post-acceptance.

Modules: ``rules`` (reason codes per answer), ``langid`` (language ID),
``workers`` (per-worker summaries, bans), ``aggregate`` (labels, texts,
pairwise), ``io`` (crowd-kit / Toloka files), ``overlap`` (dynamic overlap),
``postaccept`` (accept/reject, re-collection), ``commands`` (CLI ``aggregate``).

Taught in notebooks/03_answer_validation.
"""
