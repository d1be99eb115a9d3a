"""证照到期预警: what the inspector records (a renewal, a closed business) updates the ledger."""

from app.diagrams import licence_watch as diagram
from app.engine.clock import LOCAL_TZ, clock
from app.engine.expressions import to_datetime
from app.extensions import db
from app.models import Enterprise
from app.tasks import TaskContext, TaskHandler


class LicenceWarningHandler(TaskHandler):
    def after_submit(self, ctx: TaskContext) -> None:
        key = ctx.item.business_key or ""
        ent = db.session.get(Enterprise, int(key.split(":", 1)[1])) if key.startswith("enterprise:") else None
        if ent is None:
            return
        action = ctx.data.get(diagram.ACTION)
        if action == diagram.RENEWED and ctx.data.get(diagram.NEW_EXPIRY):
            ent.licence_expiry = to_datetime(ctx.data[diagram.NEW_EXPIRY]).astimezone(LOCAL_TZ).date()
            ent.updated_at = clock.now()
        elif action == diagram.CLOSED_DOWN:
            ent.active = False
            ent.updated_at = clock.now()
