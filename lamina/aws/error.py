"""The protocol layer's own failures (not AWS wire errors: those are `ServiceError`)."""

from __future__ import annotations

from lamina.core.error import LaminaError


class AwsError(LaminaError):
    """Base of the errors the AWS protocol layer raises about its own setup."""


class UnknownServiceModel(AwsError):
    """A provider names a service botocore has no model for."""
