"""分派 dispatch: the chosen section becomes the ticket's section and the handlers' candidate group."""

from app.diagrams import ticket_lifecycle as lifecycle
from app.extensions import db
from app.models import Section
from app.services import _
from app.tasks import TaskContext, TaskHandler


class DispatchHandler(TaskHandler):
    def before_submit(self, ctx: TaskContext) -> None:
        section = db.session.scalar(db.select(Section).where(Section.code == ctx.data.get(lifecycle.DISPATCH_SECTION)))
        if section is not None:
            ctx.data["section_name"] = section.name  # the reply to the platform names the section
            ctx.result["message"] = _("已分派至 %(section)s。", section=section.name)

    def after_submit(self, ctx: TaskContext) -> None:
        if ctx.ticket is not None:
            ctx.ticket.section_id = db.session.scalar(
                db.select(Section.id).where(Section.code == ctx.data.get(lifecycle.DISPATCH_SECTION)))
