"""``google.colab.output``: the custom widget manager switch, a no-op outside Colab."""

ENABLED = []


def enable_custom_widget_manager() -> None:
    ENABLED.append(True)
