"""Errors raised by services and selectors; the API and views turn them into answers."""


class ApplicationError(Exception):
    """A business rule refused the request. `message` is user-facing (translated)."""

    status_code = 400

    def __init__(self, message, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class NotFound(ApplicationError):
    """Missing and forbidden look the same, so a probe learns nothing."""

    status_code = 404


class PermissionDenied(ApplicationError):
    status_code = 403
