"""Task pages of their own: user tasks whose subject is not a ticket open on their module's page.

The inbox links every task to /tasks/<id>; for an inspection (business key ``inspection:<id>``)
or an enterprise's licence warning (``enterprise:<id>``) that view sends the user on to the
page that shows the subject and the task's real form (checklist, camera, GPS ...).
"""

from __future__ import annotations

from flask import url_for

PAGES = {
    "inspection:": "inspections.task",
    "enterprise:": "enterprises.task",
    "carried_review": "casework.carried_review",  # 挂账案件月度复核
}


def page_for(item) -> str | None:
    key = item.business_key or ""
    for prefix, endpoint in PAGES.items():
        if key.startswith(prefix):
            return url_for(endpoint, item_id=item.id)
    return None
