"""What counts as "the database cannot be reached" (a 503 and a retry, not a 500)."""

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, PendingRollbackError

from app.services.outages import database_unavailable


def _operational():
    return OperationalError("SELECT 1", {}, Exception("connection refused"))


def test_connection_errors_count_and_wrong_queries_do_not():
    assert database_unavailable(_operational())
    assert not database_unavailable(IntegrityError("INSERT", {}, Exception("duplicate key")))
    assert not database_unavailable(ValueError("bad input"))
    assert not database_unavailable(None)
    invalidated = DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True)
    assert database_unavailable(invalidated)


def test_an_error_raised_because_of_a_lost_connection_counts_too():
    """The engine wraps what a BPMN script's function raised; a failed flush leaves a PendingRollbackError
    raised while the first error is handled."""
    try:
        try:
            raise _operational()
        except OperationalError as exc:
            raise RuntimeError("script task failed") from exc
    except RuntimeError as wrapped:
        assert database_unavailable(wrapped)
    try:
        try:
            raise _operational()
        except OperationalError:
            raise PendingRollbackError("Can't reconnect until invalid transaction is rolled back", None) from None
    except PendingRollbackError as later:
        assert later.__context__ is not None
        assert database_unavailable(later)
