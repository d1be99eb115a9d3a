"""Dialect-aware SQL pieces the report queries need (SQLite and PostgreSQL): durations and local days.

Times are stored as naive UTC (app/models/types.py); Beijing is UTC+8 all year (no DST).
"""

from __future__ import annotations

from sqlalchemy import Date, Float, Integer, String, case, cast, func, literal_column, text

from app.extensions import db


def dialect() -> str:
    return db.session.get_bind().dialect.name


def seconds_between(later, earlier):
    """later - earlier in seconds."""
    if dialect() == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return cast(func.extract("epoch", later - earlier), Float)


def local_day(column):
    """The Beijing calendar day of a stored instant, as text YYYY-MM-DD."""
    if dialect() == "sqlite":
        return func.date(column, "+8 hours")
    return cast(cast(column + text("interval '8 hours'"), Date), String)


def local_hour(column):
    if dialect() == "sqlite":
        return cast(func.strftime("%H", column, "+8 hours"), Integer)
    return cast(func.extract("hour", column + text("interval '8 hours'")), Integer)


def bucket(value, edges: list[float]):
    """The index of the first edge ``value`` is at most, len(edges) past the last (NULL: -1)."""
    whens = [(value <= edge, index) for index, edge in enumerate(edges)]
    return case((value.is_(None), -1), *whens, else_=len(edges))


def count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


ONE = literal_column("1")
