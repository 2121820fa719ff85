"""The one exception the reference raises for an invalid configuration or input."""


class SpecError(ValueError):
    """Keras rejects this configuration or input.

    ``argument`` names the offending argument, so that a rejection can be
    matched to the framework's own error message in a report.
    """

    def __init__(self, argument: str, message: str):
        self.argument = argument
        super().__init__(f"{argument}: {message}")


def require(condition: bool, argument: str, message: str) -> None:
    """Raise :class:`SpecError` for ``argument`` unless ``condition`` holds."""
    if not condition:
        raise SpecError(argument, message)
