"""Typed SQLAlchemy models. Importing this package registers every table on `Base.metadata`."""
from models.base import Base
from models import org, platform, outbox, audit, calendar, account
from models.org import Person, PersonRole, Unit, UnknownSender
from models.platform import Card, Conversation, InboundCallback, JobRun
from models.outbox import OutboxFile, OutboxMessage
from models.audit import AuditLog
from models.calendar import CalendarDay
from models.account import Account, AccountChange
from models import weekly
from models.weekly import MonthClose, WeeklyReport, WeeklyReportEntry, WeeklyReportVersion
from models import oversight, rectification, measure, training
from models.oversight import DormancyCase, DormancyRung, DormancyWatch
from models.rectification import Rectification, RectificationAnswer
from models.measure import Measure
from models.training import Training, TrainingAttendee
from models import approval
from models.approval import ApprovalDecision, ApprovalRequest, RegistryFiling
from models import bulletin
from models.bulletin import StoredBulletin
from models.screenshot import Screenshot

# What importing this package gives (pyflakes reads this list as use of the imports above)
__all__ = [
    "Base", "org", "platform", "outbox", "audit", "calendar", "account", "Person", "PersonRole", "Unit",
    "UnknownSender", "Card", "Conversation", "InboundCallback", "JobRun", "OutboxFile", "OutboxMessage",
    "AuditLog", "CalendarDay", "Account", "AccountChange", "weekly", "MonthClose", "WeeklyReport",
    "WeeklyReportEntry", "WeeklyReportVersion", "oversight", "rectification", "measure", "training",
    "DormancyCase", "DormancyRung", "DormancyWatch", "Rectification", "RectificationAnswer", "Measure", "Training",
    "TrainingAttendee", "approval", "ApprovalDecision", "ApprovalRequest", "RegistryFiling", "bulletin",
    "StoredBulletin", "Screenshot",
]
