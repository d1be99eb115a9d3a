"""行业台账: the enterprise ledger.

- ``ledger``: who keeps it, validation (shared by the entry form and the import), entry, edit, search, history
- ``links``: complaints linked to enterprises, at intake (``link_on_intake``) and by hand
- ``importing``: the spreadsheet import (staged upload, preview, confirm), export and template
- ``licence``: the licence expiry watch process per enterprise (``name_enterprise_in_title``)

``app/bootstrap.py`` wires ``link_on_intake`` and ``name_enterprise_in_title``; the licence
task's handler is ``app/tasks/enterprise.py``.
"""

from app.services import credit_code as credit
from app.services.enterprises.importing import IMPORT, export_workbook, template_workbook
from app.services.enterprises.ledger import (
    COLUMNS,
    EDIT_ROLES,
    by_code,
    can_edit,
    clean_fields,
    counts,
    create,
    get,
    history,
    licence_status,
    normalise_name,
    search,
    update,
)
from app.services.enterprises.licence import ensure_watch, name_enterprise_in_title, watch_instance
from app.services.enterprises.links import (
    can_link,
    link,
    link_on_intake,
    links_for_ticket,
    match_by_name,
    suggestions,
    ticket_by_no,
    unlink,
)

__all__ = [
    "EDIT_ROLES",
    "COLUMNS", "IMPORT", "by_code", "can_edit", "can_link", "clean_fields", "counts", "create", "credit",
    "ensure_watch", "export_workbook", "get", "history", "licence_status", "link", "link_on_intake",
    "links_for_ticket", "match_by_name", "name_enterprise_in_title", "normalise_name", "search", "suggestions",
    "template_workbook", "ticket_by_no", "unlink", "update", "watch_instance",
]
