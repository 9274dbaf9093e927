"""Record courses, modules and lessons in the database under their stable ids."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.content.catalog import Catalog
from lms.db import utcnow
from lms.models import Course, Lesson, Module


@dataclass
class SyncReport:
    courses: int = 0
    lessons_added: int = 0
    lessons_updated: int = 0
    lessons_retired: int = 0


def sync_catalog(sess: Session, catalog: Catalog) -> SyncReport:
    """Upsert by (course id, module/lesson id); what left the files is retired, never deleted."""
    report = SyncReport()
    now = utcnow()
    for cdef in catalog.courses.values():
        report.courses += 1
        course = sess.get(Course, cdef.id)
        if course is None:
            course = Course(id=cdef.id, published=True)
            sess.add(course)
        course.slug = cdef.slug
        course.theme = cdef.theme
        course.level = cdef.level
        course.estimated_minutes = cdef.estimated_minutes
        course.retired = False
        course.content_hash = cdef.content_hash
        course.synced_at = now
        sess.flush()

        modules = {m.key: m for m in sess.scalars(select(Module).where(Module.course_id == cdef.id))}
        seen_modules = set()
        for mdef in cdef.modules:
            row = modules.get(mdef.key)
            if row is None:
                row = Module(course_id=cdef.id, key=mdef.key)
                sess.add(row)
                modules[mdef.key] = row
            row.position = mdef.position
            row.quiz_id = mdef.quiz
            row.retired = False
            seen_modules.add(mdef.key)
        for key, row in modules.items():
            if key not in seen_modules:
                row.retired = True
        sess.flush()

        lessons = {x.key: x for x in sess.scalars(select(Lesson).where(Lesson.course_id == cdef.id))}
        seen = set()
        for entry in cdef.lessons:
            row = lessons.get(entry.key)
            if row is None:
                row = Lesson(course_id=cdef.id, key=entry.key)
                sess.add(row)
                report.lessons_added += 1
            else:
                report.lessons_updated += 1
            row.module_id = modules[entry.module_key].id
            row.position = entry.position
            row.file = entry.file
            row.retired = False
            seen.add(entry.key)
        for key, row in lessons.items():
            if key not in seen and not row.retired:
                row.retired = True
                report.lessons_retired += 1
    # Courses whose folder is gone are retired, keeping their history. A course with problems
    # keeps its last good state: a typo must not take a course away from its learners.
    for course in sess.scalars(select(Course)):
        if course.id not in catalog.courses and course.slug not in catalog.invalid_slugs:
            course.retired = True
    sess.commit()
    return report
