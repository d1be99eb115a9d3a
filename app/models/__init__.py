"""SQLAlchemy models, one module per aggregate."""

from app.models.settings import CalendarDay, CalendarYear, Setting
from app.models.ticket import AccessLog, Alert, Attachment, Ticket, TicketEvent, TicketNote
from app.models.user import ROLES, Section, User
from app.models.workflow import ProcessInstance, ProcessVersion, WorkItem

__all__ = [
    "ROLES",
    "AccessLog",
    "Alert",
    "Attachment",
    "CalendarDay",
    "CalendarYear",
    "ProcessInstance",
    "ProcessVersion",
    "Section",
    "Setting",
    "Ticket",
    "TicketEvent",
    "TicketNote",
    "User",
    "WorkItem",
]
