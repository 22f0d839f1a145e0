"""Database models, one module per domain noun."""
from .base import utcnow  # noqa: F401
from .org import Organisation, OrgKind  # noqa: F401
from .people import AnnualAssessment, RoleAssignment, TeacherProfile, TitleHolding, User  # noqa: F401
from .application import Application, ApplicationCycle, ApplicationStatus  # noqa: F401
from .workflow import AuditEvent, HumanTask, InstanceStatus, ProcessInstance, ProcessVersion, TaskState  # noqa: F401
from .evidence import Evidence, EvidenceLink  # noqa: F401
from .calendar import CalendarDay  # noqa: F401
from .vote import (  # noqa: F401
    BallotReceipt, CandidateStatus, NoticeChange, Objection, ObjectionStatus, RoundCandidate, RoundStatus, VoteRound,
)
from .notification import EmailState, Notification, NotificationKind, ReminderSchedule  # noqa: F401
from .scheduler import SchedulerFailure, SchedulerJob  # noqa: F401
from .definitions import DefinitionDraft, DefinitionPublication  # noqa: F401
