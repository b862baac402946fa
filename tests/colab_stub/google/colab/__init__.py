"""A minimal stand-in for Colab's ``google.colab`` package, for the Colab-like notebook test.

Only what the kit touches: ``drive.mount``, ``output.enable_custom_widget_manager``
and ``userdata.get``. ``google`` stays a namespace package (no ``__init__.py``), so
``google.protobuf`` keeps working next to it, as on Colab.
"""

from . import drive, output, userdata  # noqa: F401
