"""A small JSON API: the catalogue (public) and the learner's own progress."""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from lms.access import access
from lms.api import bp
from lms.catalogue import services as catalogue
from lms.learn import services as learning


@bp.route("/courses")
@access("public")
def courses():
    return jsonify(courses=[
        {"id": c.id, "slug": c.slug, "title": c.title, "summary": c.summary, "theme": c.course.theme,
         "level": c.course.level, "estimated_minutes": c.course.estimated_minutes, "languages": c.languages}
        for c in catalogue.catalogue_courses()
    ])


@bp.route("/me/progress")
@access("learner")
def my_progress():
    out = []
    for enr in learning.my_enrolments(current_user):
        cdef = catalogue.catalog().course(enr.course_id)
        if cdef is None:
            continue
        p = learning.course_progress(current_user, cdef)
        out.append({"course": cdef.id, "percent": p.percent, "completed": enr.completed_at is not None,
                    "lessons_completed": sorted(p.completed_lessons), "quizzes_passed": sorted(p.passed)})
    return jsonify(progress=out)
