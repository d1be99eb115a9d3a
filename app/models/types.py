"""Column types shared by the models."""

import functools
import json
from datetime import UTC, datetime

from sqlalchemy import DateTime, Text
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike.

    SQLite keeps no time zone, so values are stored as naive UTC and made aware on load.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store aware datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class JSONText(TypeDecorator):
    """JSON kept as text (portable; we never query inside it)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else json.dumps(value, ensure_ascii=False, default=_default)

    def process_result_value(self, value, dialect):
        return None if value is None else json.loads(value)


class SharedJSONText(JSONText):
    """JSON text that never changes once written (a deployed version's task metadata): each distinct text is
    parsed once per process and every row holding it gets the same value. Never change such a value in place."""

    cache_ok = True

    def process_result_value(self, value, dialect):
        return None if value is None else _parsed_once(value)


@functools.lru_cache(maxsize=128)
def _parsed_once(text: str):
    return json.loads(text)


def _default(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
