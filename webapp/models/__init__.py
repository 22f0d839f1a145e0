"""Shared database models, one module per domain noun; each process keeps its own in its package."""
from .base import utcnow  # noqa: F401
from .org import Organisation, OrgKind  # noqa: F401
from .people import (AnnualAssessment, CertificateSequence, RoleAssignment, TeacherProfile, TitleEvent,  # noqa: F401
                     TitleEventKind, TitleHolding, TitleStatus, User)
from .service import EmploymentRecord, Position, Posting, PostingKind, StaffingNeed  # noqa: F401
from .cycle import ApplicationCycle  # noqa: F401
from .workflow import AuditEvent, HumanTask, InstanceStatus, ProcessInstance, ProcessVersion, TaskState  # noqa: F401
from .evidence import Evidence, EvidenceLink  # noqa: F401
from .calendar import CalendarDay  # noqa: F401
from .notification import EmailState, Notification, NotificationKind  # noqa: F401
from .scheduler import SchedulerFailure, SchedulerJob  # noqa: F401
from .definitions import DefinitionDraft, DefinitionFormSet, DefinitionPublication  # noqa: F401
from .security import LoginEvent, RateLimitCounter  # noqa: F401
from .import_job import ImportJob  # noqa: F401
from . import auth_version  # noqa: F401  (its triggers join `create_all`)
