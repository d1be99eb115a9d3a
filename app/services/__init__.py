"""Service layer: every user-visible state change is one function and one transaction."""


class ServiceError(Exception):
    """A refusal the user should read (in Chinese), e.g. a permission or state problem."""


class PermissionDenied(ServiceError):
    pass


class Conflict(ServiceError):
    """Someone else changed the same thing first; nothing of ours was saved."""


class NotFound(ServiceError):
    pass


class StaleState(Conflict):
    """The row changed under us (optimistic lock); the caller may re-read and try again."""
