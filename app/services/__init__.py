"""Service layer: every user-visible state change is one function and one transaction."""

from flask_babel.speaklater import LazyString

from app.services import catalogue, per_request  # (they need nothing of this module)


def _(message: str, **variables) -> str:
    """A message for the user, in the request's language.

    Services also run outside requests (CLI, timer worker, tests with only an app
    context), where the locale selector cannot read the session: there the Chinese
    source text is used, as in the default locale.
    """
    if per_request.request_context() is not None:
        return catalogue.gettext(message, **variables)
    return message % variables if variables else message


def N_(message: str) -> str:
    """Marks a message for the catalogue where it is stored and translated later (timeline entries)."""
    return message


def _l(message: str, **variables) -> LazyString:
    """Like ``_``, translated when turned into a string (for module-level constants)."""
    return LazyString(_, message, **variables)


class ServiceError(Exception):
    """A refusal the user should read (in their language), e.g. a permission or state problem."""


class PermissionDenied(ServiceError):
    pass


class Conflict(ServiceError):
    """Someone else changed the same thing first; nothing of ours was saved."""


class NotFound(ServiceError):
    pass


class InvalidInput(ServiceError):
    """Some fields were refused; ``errors`` maps each form field to its message (one per field)."""

    def __init__(self, errors: dict):
        super().__init__("；".join(str(m) for m in errors.values()))
        self.errors = dict(errors)


class StaleState(Conflict):
    """The row changed under us (optimistic lock); the caller may re-read and try again."""
