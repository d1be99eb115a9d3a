"""URL converters: ``<int:...>`` matches only numbers a database column holds.

``/tickets/99999999999999999999`` once reached the view and failed in SQLite ("Python int too large to
convert to SQLite INTEGER"): a 500 on every route with an id. Now a larger number does not match, a 404.
"""

from flask import Flask
from werkzeug.routing import IntegerConverter

from app.services.query_args import DB_INT_MAX, DB_INT_MIN


class DatabaseInteger(IntegerConverter):
    """Flask's ``int`` (``fixed_digits``, ``min``, ``max``, ``signed`` as there) within the id columns' range (INTEGER: 32 bits on PostgreSQL)."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, *args, **kwargs)
        self.min = DB_INT_MIN if self.min is None else max(self.min, DB_INT_MIN)
        self.max = DB_INT_MAX if self.max is None else min(self.max, DB_INT_MAX)


def install(app: Flask) -> None:
    """Before the blueprints: a rule takes its converter when it is added."""
    app.url_map.converters["int"] = DatabaseInteger
