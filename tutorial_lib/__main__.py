"""``python -m tutorial_lib`` is the ``tutorial-lib`` command."""

import sys

from .cli import main

sys.exit(main())
