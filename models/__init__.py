"""Typed SQLAlchemy models. Importing this package registers every table on `Base.metadata`."""
from models.base import Base  # noqa: F401
from models import org, platform, outbox, audit, calendar, account  # noqa: F401
from models.org import Person, PersonRole, Unit, UnknownSender  # noqa: F401
from models.platform import Card, Conversation, InboundCallback, JobRun  # noqa: F401
from models.outbox import OutboxFile, OutboxMessage  # noqa: F401
from models.audit import AuditLog  # noqa: F401
from models.calendar import CalendarDay  # noqa: F401
from models.account import Account, AccountChange  # noqa: F401
from models import weekly  # noqa: F401,E402
from models.weekly import MonthClose, WeeklyReport, WeeklyReportEntry, WeeklyReportVersion  # noqa: F401,E402
from models import oversight, rectification, measure, training  # noqa: F401
from models.oversight import DormancyCase, DormancyRung, DormancyWatch  # noqa: F401
from models.rectification import Rectification, RectificationAnswer  # noqa: F401
from models.measure import Measure  # noqa: F401
from models.training import Training, TrainingAttendee  # noqa: F401
from models import approval  # noqa: F401
from models.approval import ApprovalDecision, ApprovalRequest, RegistryFiling  # noqa: F401
from models import bulletin  # noqa: F401,E402
from models.screenshot import Screenshot  # noqa: F401,E402
from models.bulletin import StoredBulletin  # noqa: F401,E402
