"""Telling "the database cannot be reached" from "this query is wrong"."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError


def database_unavailable(exc: BaseException | None) -> bool:
    """The database cannot be reached (stopped, restarting, network, pool exhausted): connection
    errors, disconnects and timeouts, also as the cause of another error (the engine wraps what a
    BPMN script's function raised). Nothing can be saved in the transaction at hand after one."""
    for _depth in range(8):
        if exc is None:
            return False
        if isinstance(exc, (OperationalError, InterfaceError, SQLAlchemyTimeoutError)):
            return True
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            return True
        exc = exc.__cause__ or exc.__context__
    return False
