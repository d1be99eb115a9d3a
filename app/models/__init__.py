"""SQLAlchemy models, one module per aggregate."""

from app.models import search as _search  # noqa: F401  the text-search DDL of the ticket table
from app.models.roster import DUTY_ROLES, SHIFT_KINDS, DutyAssignment
from app.models.settings import CalendarDay, CalendarYear, Setting
from app.models.staged_upload import StagedUpload
from app.models.ticket import AccessLog, Alert, Attachment, Ticket, TicketEvent, TicketNote
from app.models.ticket_import import ImportJob
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
    "DUTY_ROLES",
    "SHIFT_KINDS",
    "DutyAssignment",
    "ImportJob",
    "StagedUpload",
]

# enterprise ledger and field inspection
from app.models.enterprise import ENTERPRISE_KINDS, RISK_LEVELS, Enterprise, EnterpriseTicket  # noqa: E402
from app.models.inspection import (  # noqa: E402
    INSPECTION_SOURCES,
    Evidence,
    Inspection,
    InspectionCampaign,
    InspectionEvent,
    InspectionRecord,
    RectificationOrder,
    SubmitToken,
)

__all__ += [
    "ENTERPRISE_KINDS", "RISK_LEVELS", "Enterprise", "EnterpriseTicket", "INSPECTION_SOURCES", "Evidence",
    "Inspection", "InspectionCampaign", "InspectionEvent", "InspectionRecord", "RectificationOrder", "SubmitToken",
]

# repeat detection and early warning
from app.models.early_warning import EarlyWarning  # noqa: E402
from app.models.repeats import (  # noqa: E402
    RepeatGroup,
    RepeatGroupMember,
    RepeatLink,
    RepeatRegisterTotal,
    TicketFingerprint,
)

__all__ += ["EarlyWarning", "RepeatGroup", "RepeatGroupMember", "RepeatLink", "RepeatRegisterTotal", "TicketFingerprint"]

# platform API keys, outbound queue, platform 督办/催办
from app.models.platform import ApiKey, OutboxItem, PlatformMessage  # noqa: E402

__all__ += ["ApiKey", "OutboxItem", "PlatformMessage"]

# 延期、剔除、督办、挂账: requests about a ticket decided in side processes
from app.models.casework import REQUEST_KINDS, REQUEST_STATUSES, CaseRequest  # noqa: E402

__all__ += ["REQUEST_KINDS", "REQUEST_STATUSES", "CaseRequest"]

# the process owner's workbench (modeler drafts, time rules, instance migrations)
from app.models.workbench import InstanceMigration, ProcessDraft, TimeRuleVersion  # noqa: E402

__all__ += ["InstanceMigration", "ProcessDraft", "TimeRuleVersion"]

from app.models.incident import Incident  # noqa: E402

__all__ += ["Incident"]

# sign-in security: sessions, login throttling, the account audit log
from app.models.security import LoginFailure, LoginLock, SecurityEvent, UserSession  # noqa: E402

__all__ += ["LoginFailure", "LoginLock", "SecurityEvent", "UserSession"]

# notices in a person's inbox (催办, deadline reminders)
from app.models.notification import Notification  # noqa: E402

__all__ += ["Notification"]

# 报表归档: drafted, published and corrected reports (app/services/reports/archive.py)
from app.models.report import REPORT_STATUSES, ReportRecord  # noqa: E402

__all__ += ["REPORT_STATUSES", "ReportRecord"]

# 导出任务: ledger exports made in the background (app/services/ledger_export.py)
from app.models.ledger_export import EXPORT_STATES, ExportJob  # noqa: E402

__all__ += ["EXPORT_STATES", "ExportJob"]
