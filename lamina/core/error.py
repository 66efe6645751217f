"""The root of Lamina's exceptions; each layer derives its own base from it."""


class LaminaError(Exception):
    """Base of every error Lamina raises on purpose."""
