"""All tables of the LMS. Import from here: ``from lms.models import User``."""
from lms.models.accounts import PasswordResetToken, User  # noqa: F401
from lms.models.content import Course, Lesson, Module  # noqa: F401
from lms.models.progress import Enrolment, LessonProgress  # noqa: F401
from lms.models.assessment import QuizAttempt, SkillAssessment  # noqa: F401
from lms.models.cohorts import (  # noqa: F401
    Announcement, Attendance, Cohort, CohortCourse, CohortMember, CohortSession, CohortTrainer,
    Submission, SubmissionComment,
)
from lms.models.certificates import BadgeIssuer, Certificate  # noqa: F401
from lms.models.feedback import TranslationReport  # noqa: F401
