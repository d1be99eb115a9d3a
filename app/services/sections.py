"""科室 (sections) as the pages' filters and the 分派 form list them, read once a few seconds per
process (app/services/page_cache.py drops the list when this process changes a section)."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select

from app.extensions import db
from app.models import Section
from app.services import page_cache


class ListedSection(NamedTuple):
    id: int
    code: str
    name: str
    duties: str


_cache = page_cache.LayoutCache((Section,), ttl=5.0)


def listed() -> list[ListedSection]:
    """Every section in its order (id), as plain rows: nothing attached to a session is kept."""
    return _cache.get("all", _read)


def _read() -> list[ListedSection]:
    rows = db.session.execute(select(Section.id, Section.code, Section.name, Section.duties).order_by(Section.id))
    return [ListedSection(*row) for row in rows]
