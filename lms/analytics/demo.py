"""Realistic demo data at any scale: ``flask lms demo-data --learners N [--seed S]``.

Learners in the partner countries and the nine interface languages enrol in the courses on
disk, open and complete lessons in course order (most drop off somewhere), take the module
quizzes with answers graded by the real question types (so ``results`` match the quiz files),
join cohorts run by trainers, and receive certificates when they complete a course.

Everything is written with bulk inserts in batches (``session.execute(insert(Model), rows)``;
``COPY`` on PostgreSQL), so 100,000 learners and 5 million lesson-progress rows take minutes.
"""
from __future__ import annotations

import json
import logging
import math
import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from lms.assessment.quizfile import Quiz
from lms.assessment.services import grade, make_layout
from lms.assessment.types import get_type
from lms.content.catalog import Catalog, CourseDef
from lms.models import (
    Cohort, CohortCourse, CohortMember, CohortTrainer, Enrolment, Lesson, LessonProgress, QuizAttempt, User,
)

log = logging.getLogger(__name__)

# Where learners come from (weights roughly follow the pilots) and which interface language they use.
COUNTRIES: dict[str, int] = {"SE": 16, "NO": 14, "LT": 14, "LV": 12, "EE": 12, "DK": 12, "IS": 8, "FI": 6, "GL": 6}
LANGUAGES_BY_COUNTRY: dict[str, list[tuple[str, float]]] = {
    "SE": [("sv", 0.9), ("en", 0.1)], "NO": [("nb", 0.9), ("en", 0.1)], "LT": [("lt", 0.85), ("en", 0.15)],
    "LV": [("lv", 0.85), ("en", 0.15)], "EE": [("et", 0.85), ("en", 0.15)], "DK": [("da", 0.9), ("en", 0.1)],
    "IS": [("is", 0.85), ("en", 0.15)], "FI": [("sv", 0.35), ("en", 0.65)],
    "GL": [("kl", 0.55), ("da", 0.4), ("en", 0.05)],
}
PLACES: dict[str, list[str]] = {
    "SE": ["Ljusdal", "Umeå", "Östersund", "Stockholm"], "NO": ["Bodø", "Tromsø", "Trondheim", "Oslo"],
    "LT": ["Vilnius", "Kaunas", "Klaipėda"], "LV": ["Riga", "Valmiera", "Liepāja"], "EE": ["Tallinn", "Tartu", "Pärnu"],
    "DK": ["Aalborg", "Esbjerg", "Odense"], "IS": ["Reykjavík", "Akureyri"], "FI": ["Vaasa", "Helsinki"],
    "GL": ["Ilulissat", "Nuuk", "Sisimiut"],
}
FIRST_NAMES: dict[str, list[str]] = {
    "SE": ["Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Elin", "Nils"],
    "NO": ["Ingrid", "Ole", "Kari", "Henrik", "Silje", "Magnus", "Hanne", "Jon"],
    "LT": ["Rūta", "Tomas", "Jurgita", "Mantas", "Eglė", "Darius", "Asta", "Paulius"],
    "LV": ["Līga", "Jānis", "Ilze", "Andris", "Inese", "Mārtiņš", "Dace", "Edgars"],
    "EE": ["Kadri", "Toomas", "Liis", "Margus", "Kati", "Priit", "Tiina", "Rein"],
    "DK": ["Mette", "Søren", "Camilla", "Rasmus", "Pernille", "Anders", "Line", "Mikkel"],
    "IS": ["Guðrún", "Jón", "Sigríður", "Gunnar", "Kristín", "Ólafur", "Helga", "Einar"],
    "FI": ["Johanna", "Mikael", "Sanna", "Jukka", "Emma", "Mika", "Laura", "Antti"],
    "GL": ["Aviaja", "Malik", "Nivi", "Hans", "Paninnguaq", "Kunuk", "Naja", "Aqqaluk"],
}
LAST_NAMES: dict[str, list[str]] = {
    "SE": ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson"],
    "NO": ["Hansen", "Johansen", "Olsen", "Larsen", "Berg", "Haugen"],
    "LT": ["Kazlauskas", "Jankauskas", "Petrauskas", "Stankevičius", "Vasiliauskas"],
    "LV": ["Bērziņš", "Kalniņš", "Ozoliņš", "Jansons", "Liepiņš"],
    "EE": ["Tamm", "Saar", "Sepp", "Mägi", "Kask", "Kukk"],
    "DK": ["Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen"],
    "IS": ["Jónsdóttir", "Sigurðsson", "Guðmundsdóttir", "Ólafsson", "Einarsdóttir"],
    "FI": ["Korhonen", "Virtanen", "Nieminen", "Lindqvist", "Mäkinen"],
    "GL": ["Kleist", "Lynge", "Berthelsen", "Olsen", "Petersen", "Kristiansen"],
}
BUSINESSES = ["Tours", "Guesthouse", "Crafts", "Fisheries", "Bakery", "Consulting", "Design", "Workshop", "Café", "Boats"]

DAYS_OF_HISTORY = 730
BATCH_LEARNERS = 1000
COHORT_SHARE = 0.25  # learners who take part in a trainer-led pilot
# Drop-off: a share of enrolments never opens a lesson; after each lesson a learner goes on with
# this probability (higher for able learners and pilot members); an opened lesson is completed
# with this probability.
NEVER_STARTED = 0.12
KEEP_GOING = 0.978
COMPLETE_LESSON = 0.985


@dataclass
class DemoReport:
    learners: int = 0
    trainers: int = 0
    cohorts: int = 0
    enrolments: int = 0
    lesson_progress: int = 0
    quiz_attempts: int = 0
    certificates: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


# -- bulk writing -------------------------------------------------------------------------------


def bulk_insert(sess: Session, model, rows: list[dict[str, Any]], chunk: int = 5000) -> None:
    """Insert many rows: COPY on PostgreSQL, batched executemany elsewhere."""
    if not rows:
        return
    if sess.get_bind().dialect.name == "postgresql":
        _copy(sess, model, rows)
        return
    for start in range(0, len(rows), chunk):
        sess.execute(insert(model), rows[start:start + chunk])


def _copy(sess: Session, model, rows: list[dict[str, Any]]) -> None:
    table = model.__table__
    cols = [c.name for c in table.columns if c.name in rows[0]]
    json_cols = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
    raw = sess.connection().connection.driver_connection  # the psycopg connection, same transaction
    with raw.cursor() as cur:
        with cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(
                    json.dumps(row[c]) if c in json_cols and row[c] is not None else row[c] for c in cols
                ))


def _next_id(sess: Session, model) -> int:
    return (sess.scalar(select(func.max(model.id))) or 0) + 1


def _fix_sequences(sess: Session) -> None:
    """Explicit ids were inserted: move PostgreSQL's sequences past them."""
    if sess.get_bind().dialect.name != "postgresql":
        return
    for table in ("lms_users", "lms_cohorts"):
        sess.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        ))


# -- quizzes: answers graded once per distinct answer -----------------------------------------------


@dataclass
class QuizModel:
    """A quiz with per-question difficulty and cached grading of typical answers."""

    quiz: Quiz
    pass_mark: float
    layouts: list[list[dict]]
    difficulty: dict[str, float]
    misleading: set[str]
    _graded: dict[tuple[str, str], dict] = field(default_factory=dict)

    def result(self, qid: str, answer: Any) -> dict:
        key = (qid, json.dumps(answer, sort_keys=True))
        if key not in self._graded:
            self._graded[key] = grade(self.quiz, [{"id": qid}], {qid: answer} if answer is not None else {}, "en", 0).results[qid]
        return self._graded[key]


def _quiz_model(quiz: Quiz, pass_mark: float, rng: random.Random) -> QuizModel:
    layouts = [make_layout(quiz, rng) for _ in range(4)]
    difficulty = {q["id"]: rng.gauss(-1.0, 0.9) for q in quiz.questions}
    misleading = {q["id"] for q in quiz.questions if q["type"] in ("single", "multiple") and rng.random() < 0.08}
    return QuizModel(quiz, pass_mark, layouts, difficulty, misleading)


def _answer(q: dict, right: bool, rng: random.Random) -> Any:
    """A plausible answer to one question: the right one, or a typical mistake."""
    kind = q["type"]
    if kind == "single":
        opts = [o["id"] for o in q["options"]]
        correct = [o["id"] for o in q["options"] if o.get("correct") is True or (o.get("weight") or 0) >= 100]
        if right and correct:
            return correct[0]
        wrong = [o for o in opts if o not in correct] or opts
        # The first distractor attracts most of the wrong answers, as real distractors do.
        return wrong[0] if rng.random() < 0.6 else rng.choice(wrong)
    if kind == "multiple":
        correct = sorted(get_type("multiple")._correct(q))
        if right:
            return correct
        wrong = [o["id"] for o in q["options"] if o["id"] not in correct]
        chosen = set(correct)
        if wrong and (rng.random() < 0.5 or len(chosen) == 1):
            chosen.add(rng.choice(wrong))
        else:
            chosen.discard(rng.choice(correct))
        return sorted(chosen) or [rng.choice(wrong or correct)]
    if kind == "truefalse":
        return q["answer"] if right else not q["answer"]
    if kind == "matching":
        ids = [p["id"] for p in q["pairs"]]
        if right:
            return {i: i for i in ids}
        a, b = rng.sample(ids, 2)
        out = {i: i for i in ids}
        out[a], out[b] = b, a
        return out
    if kind == "ordering":
        ids = [i["id"] for i in q["items"]]
        pos = {iid: n for n, iid in enumerate(ids, start=1)}
        if not right:
            a, b = rng.sample(ids, 2)
            pos[a], pos[b] = pos[b], pos[a]
        return pos
    if kind == "short":
        return str(q["accept"][0]) if right else "not sure"
    if kind == "numeric":
        a = q["answers"][0]
        value = a["value"] if "value" in a else (a["min"] + a["max"]) / 2
        return float(value) if right else float(value) + 10
    if kind == "likert":
        return rng.randint(1, int(q.get("scale", 5)))
    return None


def _attempt_rows(model: QuizModel, ability: float, rng: random.Random) -> tuple[list[dict], dict, dict, float, float]:
    """Answers and per-question results of one attempt, plus score and max score."""
    layout = rng.choice(model.layouts)
    answers: dict[str, Any] = {}
    results: dict[str, dict] = {}
    score = max_score = 0.0
    for item in layout:
        qid = item["id"]
        q = model.quiz.question(qid)
        if qid in model.misleading:
            # An ambiguous question: stronger learners over-think it (negative discrimination).
            p = 1 / (1 + math.exp(0.6 * ability + 0.3))
        else:
            p = 1 / (1 + math.exp(-(1.3 * ability - model.difficulty[qid])))
        answer = None if rng.random() < 0.03 else _answer(q, rng.random() < p, rng)
        if answer is not None:
            answers[qid] = answer
        res = model.result(qid, answer)
        results[qid] = res
        score += res["score"]
        max_score += res["points"]
    return layout, answers, results, score, max_score


# -- the people ------------------------------------------------------------------------------------


def _pick(rng: random.Random, weighted: list[tuple[str, float]] | dict[str, int]) -> str:
    items = list(weighted.items()) if isinstance(weighted, dict) else weighted
    return rng.choices([k for k, _w in items], weights=[w for _k, w in items])[0]


def _person(rng: random.Random, country: str) -> tuple[str, str | None]:
    first, last = rng.choice(FIRST_NAMES[country]), rng.choice(LAST_NAMES[country])
    org = f"{rng.choice(PLACES[country])} {rng.choice(BUSINESSES)}" if rng.random() < 0.6 else None
    return f"{first} {last}", org


@dataclass
class _OpenCohort:
    id: int
    country: str
    course_id: str
    starts: datetime
    size: int
    members: int = 0


class DemoGenerator:
    """Builds rows batch by batch; ``run`` writes them."""

    def __init__(self, sess: Session, catalog: Catalog, seed: int, now: datetime | None = None) -> None:
        self.sess = sess
        self.rng = random.Random(seed)
        self.now = now or datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
        self.courses: list[CourseDef] = sorted(catalog.courses.values(), key=lambda c: c.id)
        if not self.courses:
            raise RuntimeError("no courses: run 'lms courses sync' with course files first")
        self.popularity = {c.id: w for c, w in zip(self.courses, [5, 4, 3, 3, 2, 2, 1, 1] + [1] * 100)}
        self.lesson_ids = {
            (row.course_id, row.key): row.id
            for row in sess.scalars(select(Lesson).where(Lesson.retired.is_(False)))
        }
        missing = [c.id for c in self.courses if any((c.id, e.key) not in self.lesson_ids for e in c.lessons)]
        if missing:
            raise RuntimeError(f"courses not synced to the database: {', '.join(missing)}; run 'lms courses sync'")
        self.quizzes: dict[str, QuizModel] = {}
        for cdef in self.courses:
            for qid in cdef.quiz_ids:
                quiz = catalog.quizzes.get(qid)
                if quiz is not None and qid not in self.quizzes:
                    pm = quiz.pass_mark if "pass_mark" in quiz.data else cdef.pass_mark
                    self.quizzes[qid] = _quiz_model(quiz, pm, self.rng)
        self.password_hash = _unusable_password_hash()
        self.next_user = _next_id(sess, User)
        self.next_cohort = _next_id(sess, Cohort)
        self.open_cohorts: dict[str, _OpenCohort] = {}
        self.trainers: dict[str, list[int]] = {}
        self.cert_maker = _certificate_maker()
        self.report = DemoReport()

    # -- one batch of learners ------------------------------------------------------------------

    def batch(self, n: int) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {k: [] for k in (
            "users", "cohorts", "cohort_trainers", "cohort_courses", "cohort_members",
            "enrolments", "progress", "attempts", "certificates")}
        for _ in range(n):
            self._learner(out)
        return out

    def _new_user(self, out, country: str, created: datetime, role: str = "learner") -> dict:
        uid = self.next_user
        self.next_user += 1
        name, org = _person(self.rng, country)
        row = {
            "id": uid, "email": f"{'trainer' if role == 'trainer' else 'learner'}-{uid}@demo.example.org",
            "password_hash": self.password_hash, "display_name": name,
            "locale": _pick(self.rng, LANGUAGES_BY_COUNTRY[country]), "country": country,
            "organisation": org, "role": role, "active": True, "session_token": secrets.token_hex(16),
            "created_at": created, "last_login_at": None,
        }
        out["users"].append(row)
        return row

    def _trainer_for(self, out, country: str, when: datetime) -> int:
        pool = self.trainers.setdefault(country, [])
        # About one trainer per four cohorts of a country.
        if not pool or self.rng.random() < 0.25:
            pool.append(self._new_user(out, country, when - timedelta(days=30), role="trainer")["id"])
            self.report.trainers += 1
        return self.rng.choice(pool)

    def _cohort_for(self, out, country: str, created: datetime) -> _OpenCohort:
        cohort = self.open_cohorts.get(country)
        if cohort is None or cohort.members >= cohort.size:
            cid = self.next_cohort
            self.next_cohort += 1
            course = _pick(self.rng, self.popularity)
            starts = created + timedelta(days=self.rng.randint(3, 14))
            lang = LANGUAGES_BY_COUNTRY[country][0][0]
            owner = self._trainer_for(out, country, starts)
            out["cohorts"].append({
                "id": cid, "name": f"{self.rng.choice(PLACES[country])} pilot {cid}", "country": country,
                "language": lang, "starts_on": starts.date(), "ends_on": (starts + timedelta(weeks=6)).date(),
                "join_code": f"DEMO{cid:08d}", "created_by": owner, "created_at": starts - timedelta(days=14),
                "archived": starts + timedelta(weeks=10) < self.now,
            })
            out["cohort_trainers"].append({"cohort_id": cid, "user_id": owner, "role": "owner", "added_at": starts - timedelta(days=14)})
            if self.rng.random() < 0.3:
                co = self._trainer_for(out, country, starts)
                if co != owner:
                    out["cohort_trainers"].append({"cohort_id": cid, "user_id": co, "role": "co-trainer", "added_at": starts - timedelta(days=7)})
            out["cohort_courses"].append({"cohort_id": cid, "course_id": course})
            cohort = _OpenCohort(cid, country, course, starts, size=self.rng.randint(6, 20))
            self.open_cohorts[country] = cohort
            self.report.cohorts += 1
        cohort.members += 1
        return cohort

    def _learner(self, out) -> None:
        rng = self.rng
        country = _pick(rng, COUNTRIES)
        # More learners joined recently than two years ago.
        created = self.now - timedelta(days=DAYS_OF_HISTORY * (1 - math.sqrt(rng.random())), seconds=rng.randint(0, 86399))
        cohort = self._cohort_for(out, country, created) if rng.random() < COHORT_SHARE else None
        if cohort is not None:
            created = min(created, cohort.starts - timedelta(days=rng.randint(0, 10)))
        user = self._new_user(out, country, created)
        self.report.learners += 1
        ability = rng.gauss(0, 1)
        n_courses = rng.choices([1, 2, 3, 4, 5], weights=[11, 17, 30, 23, 19])[0]
        chosen: list[str] = []
        if cohort is not None:
            out["cohort_members"].append({"cohort_id": cohort.id, "user_id": user["id"], "joined_at": max(created, cohort.starts - timedelta(days=3))})
            chosen.append(cohort.course_id)
        weights = dict(self.popularity)
        while len(chosen) < min(n_courses, len(self.courses)):
            pick = _pick(rng, {k: w for k, w in weights.items() if k not in chosen})
            chosen.append(pick)
        last_seen = created
        for n, course_id in enumerate(chosen):
            if cohort is not None and n == 0:
                start = max(created, cohort.starts) + timedelta(minutes=rng.randint(10, 600))
            else:
                start = created + timedelta(days=rng.expovariate(1 / 40) if n else rng.uniform(0, 3), minutes=rng.randint(1, 600))
            if start >= self.now:
                continue
            last_seen = max(last_seen, self._enrolment(out, user, course_id, start, ability, cohort is not None))
        if last_seen > created:
            user["last_login_at"] = last_seen

    def _enrolment(self, out, user: dict, course_id: str, start: datetime, ability: float, in_cohort: bool) -> datetime:
        rng = self.rng
        cdef = next(c for c in self.courses if c.id == course_id)
        uid = user["id"]
        enrol = {"user_id": uid, "course_id": course_id, "enrolled_at": start, "completed_at": None,
                 "last_lesson_id": None, "last_activity_at": None}
        out["enrolments"].append(enrol)
        self.report.enrolments += 1
        # Learners in a pilot with a trainer keep going more often.
        keep_going = min(0.998, max(0.85, KEEP_GOING + 0.01 * ability + (0.015 if in_cohort else 0)))
        t = start + timedelta(minutes=rng.randint(0, 120))
        if rng.random() < NEVER_STARTED:
            return start
        finished = True
        for module in cdef.modules:
            for entry in module.lessons:
                if t >= self.now:
                    finished = False
                    break
                lesson_id = self.lesson_ids[(course_id, entry.key)]
                spent = int(min(5400, max(60, rng.lognormvariate(6.3, 0.6))))
                done = rng.random() < COMPLETE_LESSON
                seen = t + timedelta(seconds=spent)
                out["progress"].append({
                    "user_id": uid, "lesson_id": lesson_id, "course_id": course_id, "started_at": t,
                    "completed_at": seen if done else None, "last_seen_at": seen, "seconds_spent": spent,
                })
                self.report.lesson_progress += 1
                enrol["last_lesson_id"], enrol["last_activity_at"] = lesson_id, seen
                t = seen + (timedelta(minutes=rng.randint(1, 30)) if rng.random() < 0.65 else timedelta(days=rng.expovariate(1 / 4), minutes=rng.randint(0, 600)))
                if not done or rng.random() > keep_going:
                    finished = False
                    break
            if not finished:
                break
            if module.quiz and module.quiz in self.quizzes and t < self.now:
                t, passed = self._quiz(out, uid, course_id, self.quizzes[module.quiz], t, ability)
                if not passed:
                    finished = False
                    break
        if finished and cdef.modules and t < self.now:
            completed = t - timedelta(minutes=1)
            enrol["completed_at"] = completed
            # Most certificates are issued on completion, some by the trainer at the end of a
            # pilot, a few not yet.
            if self.cert_maker is not None and rng.random() < 0.93:
                issued = completed + timedelta(seconds=rng.randint(1, 90))
                if rng.random() < 0.2:
                    issued += timedelta(days=rng.uniform(1, 21))
                if issued < self.now:
                    out["certificates"].append(self.cert_maker(user, cdef, completed, issued))
                    self.report.certificates += 1
        return enrol["last_activity_at"] or start

    def _quiz(self, out, uid: int, course_id: str, model: QuizModel, t: datetime, ability: float) -> tuple[datetime, bool]:
        rng = self.rng
        for number in range(1, 4):
            layout, answers, results, score, max_score = _attempt_rows(model, ability + 0.4 * (number - 1), rng)
            percent = round(100 * score / max_score, 2) if max_score else 100.0
            passed = percent >= model.pass_mark
            submitted = t + timedelta(minutes=rng.randint(3, 20))
            out["attempts"].append({
                "user_id": uid, "quiz_id": model.quiz.id, "course_id": course_id, "number": number,
                "purpose": None, "status": "graded", "started_at": t, "deadline": None, "submitted_at": submitted,
                "layout": layout, "answers": answers, "results": results, "score": score,
                "max_score": max_score, "percent": percent, "passed": passed,
            })
            self.report.quiz_attempts += 1
            t = submitted + timedelta(minutes=rng.randint(1, 60))
            if passed:
                return t, True
            if rng.random() < 0.3 or t >= self.now:
                return t, False
        return t, False

    # -- writing ----------------------------------------------------------------------------------

    def write(self, rows: dict[str, list[dict]]) -> None:
        from lms import models

        sess = self.sess
        order = [("users", User), ("cohorts", Cohort), ("cohort_trainers", CohortTrainer),
                 ("cohort_courses", CohortCourse), ("cohort_members", CohortMember), ("enrolments", Enrolment),
                 ("progress", LessonProgress), ("attempts", QuizAttempt)]
        if rows["certificates"]:
            order.append(("certificates", models.Certificate))
        for key, model in order:
            bulk_insert(sess, model, rows[key])
        sess.commit()


def _unusable_password_hash() -> str:
    """Demo accounts cannot log in: the hash of a random password nobody knows."""
    from lms.auth.services import hash_password

    return hash_password(secrets.token_urlsafe(24))


def _certificate_maker() -> Callable | None:
    """Rows for the certificates table when that area is installed, else None."""
    try:
        from lms.certificates import services as certs
        from lms.models import Certificate  # noqa: F401
    except ImportError:  # pragma: no cover - the certificates area is optional
        return None
    organisation = certs.issuer_profile().name[:200]

    def make(user: dict, cdef: CourseDef, completed: datetime, issued: datetime) -> dict:
        issued = issued.replace(microsecond=0)
        values = {
            "id": certs.new_certificate_id(), "user_id": user["id"], "course_id": cdef.id, "status": "valid",
            "holder_name": user["display_name"], "course_title": certs.course_title(cdef, user["locale"])[:300],
            "completed_on": completed.astimezone(timezone.utc).date(), "study_minutes": cdef.estimated_minutes,
            "organisation": organisation, "signatory_name": "", "signatory_title": "", "issued_at": issued,
            "lang": user["locale"], "name_display": "full", "issued_by": None, "revoked_at": None,
            "revoked_reason": None, "revoked_by": None, "superseded_by": None,
        }
        values["signature"] = certs.sign(values)
        return values

    return make


def generate(sess: Session, catalog: Catalog, learners: int, seed: int = 1,
             on_batch: Callable[[int], None] | None = None, batch_size: int = BATCH_LEARNERS) -> DemoReport:
    """Generate ``learners`` learners with everything that goes with them; returns the counts."""
    if sess.get_bind().dialect.name == "sqlite":
        # A bulk load touches every index: a bigger page cache keeps them in memory.
        sess.execute(text("PRAGMA cache_size = -262144"))
    gen = DemoGenerator(sess, catalog, seed)
    done = 0
    while done < learners:
        n = min(batch_size, learners - done)
        gen.write(gen.batch(n))
        done += n
        if on_batch:
            on_batch(n)
    _fix_sequences(sess)
    sess.commit()
    log.info("demo data: %s", gen.report.as_dict())
    return gen.report


def analyse(sess: Session) -> None:
    """Refresh the planner's statistics after a bulk load (both databases plan from them).

    PostgreSQL also needs VACUUM: rows written by COPY are not yet marked all-visible, and
    until autovacuum gets to them every index-only scan still reads the table.
    """
    sess.commit()
    engine = sess.get_bind()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")
    else:
        sess.execute(text("ANALYZE"))
        sess.commit()


__all__ = ["DemoReport", "bulk_insert", "generate", "analyse"]
