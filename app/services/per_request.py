"""What a request computes once and reads many times (its catalogue, its locale, the masks of its tickets).

Kept in the request's WSGI environ, not in ``g``: tests hold an app context open, so ``g`` outlives a
request there. Outside a request the value is computed each time. Flask's request context is read
from its context variable directly: a proxy lookup on every call was a measurable part of a page that
asks hundreds of times.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask.globals import _cv_request  # (Flask's own context variable; the one place that reads it)

T = TypeVar("T")


def request_context():
    """The current request context, or None outside a request."""
    return _cv_request.get(None)


def remembered(key: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per request under ``key`` (a ``jiesu.`` name)."""
    ctx = _cv_request.get(None)
    if ctx is None:
        return compute()
    environ = ctx.request.environ
    try:
        return environ[key]
    except KeyError:
        value = environ[key] = compute()
        return value
