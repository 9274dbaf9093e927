"""Demo data for the benchmarks: learners enrolled in courses, with lesson progress and quiz attempts.

Runs against the database named by LMS_DATABASE_URL (after ``lms db upgrade`` and
``lms courses sync``), through the app's own engine and models. Passwords are hashed once with
the app's hasher and the hash is reused, so seeding hundreds of learners takes seconds.

    python benchmarks/seed.py --learners 300 --out seed.json

Writes a JSON file naming the course, lesson and quiz the load scripts use and the learners'
e-mails and password.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text  # noqa: E402

from lms import create_app, db  # noqa: E402
from lms.assessment.services import make_layout  # noqa: E402
from lms.auth.services import hash_password  # noqa: E402
from lms.catalogue.services import catalog  # noqa: E402
from lms.db import utcnow  # noqa: E402
from lms.models import Enrolment, Lesson, LessonProgress, QuizAttempt, User  # noqa: E402

PASSWORD = "bench-learner-password"
PREFERRED_COURSE = "general-digital-skills"


def pick_targets(cat):
    """The course every learner is enrolled in, its first lesson, and a quiz that allows
    unlimited attempts without a time limit (so a learner can submit it again and again)."""
    courses = sorted(cat.courses.values(), key=lambda c: (c.slug != PREFERRED_COURSE, c.slug))
    for cdef in courses:
        for module in cdef.modules:
            quiz = cat.quizzes.get(module.quiz) if module.quiz else None
            if quiz and quiz.attempts_allowed == 0 and not quiz.time_limit_minutes and cdef.lessons:
                return cdef, cdef.lessons[0], quiz
    raise SystemExit("no course with an unlimited, untimed quiz found")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--learners", type=int, default=300)
    ap.add_argument("--courses-each", type=int, default=3, help="enrolments per learner (the target course is always one)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    app = create_app()
    with app.app_context():
        sess = db.session()
        cat = catalog()
        cdef, lesson, quiz = pick_targets(cat)
        others = [c for c in cat.courses.values() if c.id != cdef.id]
        lesson_ids = {
            (row.course_id, row.key): row.id
            for row in sess.scalars(select(Lesson).where(Lesson.retired.is_(False)))
        }
        start = (sess.scalar(select(func.max(User.id))) or 0) + 1
        pw_hash = hash_password(PASSWORD)
        now = utcnow()
        users = [
            {
                "id": start + i, "email": f"bench-learner-{start + i:05d}@example.org", "password_hash": pw_hash,
                "display_name": f"Bench Learner {start + i}", "locale": "en", "role": "learner", "active": True,
                "session_token": f"{rng.getrandbits(128):032x}", "created_at": now - timedelta(days=30),
            }
            for i in range(args.learners)
        ]
        sess.execute(insert(User), users)

        enrolments, progress, attempts = [], [], []
        for u in users:
            chosen = [cdef] + rng.sample(others, min(len(others), max(0, args.courses_each - 1)))
            for c in chosen:
                keys = [e.key for e in c.lessons]
                done = rng.randint(0, len(keys))
                last = lesson_ids.get((c.id, keys[max(0, done - 1)])) if keys else None
                t0 = now - timedelta(days=rng.randint(1, 20))
                enrolments.append({"user_id": u["id"], "course_id": c.id, "enrolled_at": t0,
                                   "last_lesson_id": last, "last_activity_at": t0 + timedelta(hours=done)})
                for n, key in enumerate(keys[: done + 1]):
                    lid = lesson_ids.get((c.id, key))
                    if lid is None:
                        continue
                    finished = n < done
                    progress.append({"user_id": u["id"], "lesson_id": lid, "course_id": c.id, "started_at": t0,
                                     "last_seen_at": t0 + timedelta(hours=n),
                                     "completed_at": t0 + timedelta(hours=n) if finished else None,
                                     "seconds_spent": rng.randint(60, 900)})
                # learners past the first module have taken its quiz once
                first = c.modules[0] if c.modules else None
                q = cat.quizzes.get(first.quiz) if first and first.quiz else None
                if q and done >= len(first.lessons):
                    pct = rng.choice([40.0, 60.0, 80.0, 100.0])
                    attempts.append({"user_id": u["id"], "quiz_id": q.id, "course_id": c.id, "number": 1,
                                     "status": "graded", "started_at": t0, "submitted_at": t0 + timedelta(minutes=5),
                                     "layout": make_layout(q, rng), "answers": {}, "results": {},
                                     "score": pct, "max_score": 100.0, "percent": pct, "passed": pct >= c.pass_mark})
        sess.execute(insert(Enrolment), enrolments)
        if progress:
            sess.execute(insert(LessonProgress), progress)
        if attempts:
            sess.execute(insert(QuizAttempt), attempts)
        sess.commit()
        if sess.get_bind().dialect.name == "postgresql":
            # explicit ids were inserted: move the sequence past them
            sess.execute(text("SELECT setval(pg_get_serial_sequence('lms_users', 'id'), (SELECT max(id) FROM lms_users))"))
            sess.commit()

        out = {
            "course_slug": cdef.slug, "course_id": cdef.id, "lesson_key": lesson.key, "quiz_id": quiz.id,
            "quiz_questions": len(quiz.questions), "password": PASSWORD,
            "learners": [u["email"] for u in users], "learner_ids": {u["email"]: u["id"] for u in users},
            "counts": {"learners": len(users), "enrolments": len(enrolments), "lesson_progress": len(progress),
                       "quiz_attempts": len(attempts)},
        }
    Path(args.out).write_text(json.dumps(out, indent=1))
    print(f"seeded {len(users)} learners, {len(enrolments)} enrolments, {len(progress)} lesson progress rows, "
          f"{len(attempts)} graded attempts; course {cdef.slug}, lesson {lesson.key}, quiz {quiz.id}")


if __name__ == "__main__":
    main()
