"""分派 dispatch: the chosen section becomes the ticket's section and the handlers' candidate group."""

from app.extensions import db
from app.models import Section
from app.tasks import TaskHandler, register


@register("jiesu:dispatch", "dispatch")
class DispatchHandler(TaskHandler):
    def before_submit(self, ticket, data, actor):
        section = db.session.scalar(db.select(Section).where(Section.code == data.get("section")))
        if section is not None:
            data["section_name"] = section.name
        return data

    def after_submit(self, ticket, data, actor):
        section = db.session.scalar(db.select(Section.id).where(Section.code == data.get("section")))
        ticket.section_id = section
