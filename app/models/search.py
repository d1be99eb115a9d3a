"""The schema objects of the ledger's text search that SQLAlchemy's models cannot declare.

``ticket.search_text`` (a model column) holds the jieba-segmented words of a ticket, space-separated.
On PostgreSQL a stored generated ``tsvector`` column over it (``simple`` configuration) carries a GIN
index; on SQLite an FTS5 table with external content (``ticket_fts``) is kept in step by triggers.
Both are created with the ticket table (``create_all``) and by the migration, from the statements here.
"""

from __future__ import annotations

from sqlalchemy import DDL, event

from app.models.ticket import Ticket

# a search within one section (a handler's ledger): one GIN index over the section and the words, so a word
# common elsewhere but rare in the section is found at once (the planner cannot know the two are correlated).
# btree_gin ships with PostgreSQL (contrib) and is a trusted extension: the database owner may create it;
# where it cannot be created the search still works, only slower, and the server logs a warning.
PG_SECTION_SEARCH = """DO $$ BEGIN
  CREATE EXTENSION IF NOT EXISTS btree_gin;
  CREATE INDEX IF NOT EXISTS ix_ticket_search_section ON ticket USING gin (section_id, search_vector);
EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
  RAISE WARNING 'jiesu: btree_gin unavailable, a search within a section uses ix_ticket_search';
END $$"""
PG_CREATE = [
    "ALTER TABLE ticket ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', coalesce(search_text, ''))) STORED",
    "CREATE INDEX IF NOT EXISTS ix_ticket_search ON ticket USING gin (search_vector)",
    PG_SECTION_SEARCH,
]
SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS ticket_fts USING fts5(search_text, content='ticket', content_rowid='id')",
    "CREATE TRIGGER IF NOT EXISTS ticket_fts_ai AFTER INSERT ON ticket BEGIN "
    "INSERT INTO ticket_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS ticket_fts_ad AFTER DELETE ON ticket BEGIN "
    "INSERT INTO ticket_fts(ticket_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS ticket_fts_au AFTER UPDATE OF search_text ON ticket BEGIN "
    "INSERT INTO ticket_fts(ticket_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO ticket_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]
SQLITE_DROP = ["DROP TABLE IF EXISTS ticket_fts"]
# reflected by Alembic but not declared on the models (see ``include_object``)
UNDECLARED_TABLES = {"ticket_fts", "ticket_fts_data", "ticket_fts_idx", "ticket_fts_docsize", "ticket_fts_config",
                     "ticket_fts_content"}
UNDECLARED_COLUMNS = {("ticket", "search_vector")}


def statements(dialect: str, drop: bool = False) -> list[str]:
    if dialect == "postgresql":
        return [] if drop else PG_CREATE
    if dialect == "sqlite":
        return SQLITE_DROP if drop else SQLITE_CREATE
    return []


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: the search objects above are the migration's business, not autogenerate's."""
    if type_ == "table" and name in UNDECLARED_TABLES:
        return False
    if type_ == "column" and (getattr(obj.table, "name", None), name) in UNDECLARED_COLUMNS:
        return False
    return not (type_ == "index" and name in ("ix_ticket_search", "ix_ticket_search_section"))


for _dialect in ("postgresql", "sqlite"):  # schema DDL of the ticket table, not a hook: runs with create_all
    for _sql in statements(_dialect):
        event.listen(Ticket.__table__, "after_create", DDL(_sql).execute_if(dialect=_dialect))
    for _sql in statements(_dialect, drop=True):
        event.listen(Ticket.__table__, "before_drop", DDL(_sql).execute_if(dialect=_dialect))
