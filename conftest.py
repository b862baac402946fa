"""Settings for every test and doctest; HF offline switches are set before any HF import."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Tiny models train ~20x slower with 2 threads on a shared 2-core box than with 1.
os.environ.setdefault("OMP_NUM_THREADS", "1")

# Running a package's __main__ is not a doctest.
collect_ignore_glob = ["tutorial_lib/**/__main__.py", "tutorial_lib/__main__.py"]
