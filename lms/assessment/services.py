"""Quiz attempts: start, save, submit and grade, all on the server.

Correctness comes from the database, not from Python reads: a partial unique index allows one
open attempt per learner and quiz, and a conditional UPDATE (status 'open' → 'graded') lets
exactly one of several concurrent submissions grade an attempt.
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from lms import db
from lms.assessment.quizfile import Quiz
from lms.assessment.types import AnswerError, get_type
from lms.db import aware, utcnow
from lms.models import QuizAttempt, User


class QuizError(Exception):
    """A problem the learner is told about (translated), with an HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def attempts_of(user: User, quiz_id: str) -> list[QuizAttempt]:
    return list(db.session().scalars(
        select(QuizAttempt).where(QuizAttempt.user_id == user.id, QuizAttempt.quiz_id == quiz_id).order_by(QuizAttempt.number)
    ))


def graded_count(user: User, quiz_id: str) -> int:
    return db.session().scalar(
        select(func.count()).select_from(QuizAttempt).where(
            QuizAttempt.user_id == user.id, QuizAttempt.quiz_id == quiz_id, QuizAttempt.status == "graded")
    ) or 0


def open_attempt(user: User, quiz_id: str) -> QuizAttempt | None:
    return db.session().scalar(
        select(QuizAttempt).where(QuizAttempt.user_id == user.id, QuizAttempt.quiz_id == quiz_id, QuizAttempt.status == "open")
    )


def attempts_left(quiz: Quiz, user: User) -> int | None:
    """None means unlimited."""
    if quiz.attempts_allowed == 0:
        return None
    return max(0, quiz.attempts_allowed - graded_count(user, quiz.id))


def make_layout(quiz: Quiz, rng: random.Random) -> list[dict]:
    questions = quiz.questions
    if quiz.draw:
        questions = rng.sample(questions, quiz.draw)
    elif quiz.shuffle:
        questions = list(questions)
        rng.shuffle(questions)
    return [{"id": q["id"], **get_type(q["type"]).layout(q, rng, quiz.shuffle)} for q in questions]


def start_attempt(user: User, quiz: Quiz, course_id: str | None, now: datetime | None = None, purpose: str | None = None) -> QuizAttempt:
    """Resume the open attempt or start one; parallel starts end with one open attempt."""
    now = now or utcnow()
    sess = db.session()
    current = open_attempt(user, quiz.id)
    if current is not None:
        if not expire_if_due(current, quiz, now):
            return current
    left = attempts_left(quiz, user)
    if left == 0:
        raise QuizError(_("You have used all your attempts at this quiz."), 409)
    rng = random.Random(secrets.randbits(64))
    number = graded_count(user, quiz.id) + 1
    deadline = now + timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None
    attempt = QuizAttempt(
        user_id=user.id, quiz_id=quiz.id, course_id=course_id, number=number, status="open", purpose=purpose,
        started_at=now, deadline=deadline, layout=make_layout(quiz, rng), answers={},
    )
    sess.add(attempt)
    try:
        sess.commit()
    except IntegrityError:
        # Another request opened one first: use that one.
        sess.rollback()
        existing = open_attempt(user, quiz.id)
        if existing is None:
            raise
        return existing
    return attempt


def field_name(qid: str, sub: str = "") -> str:
    return f"q-{qid}" + (f"-{sub}" if sub else "")


def _allowed_names(attempt: QuizAttempt) -> set[str]:
    names = set()
    for item in attempt.layout:
        names.add(field_name(item["id"]))
        for key in ("prompts", "items"):
            for tok, _id in item.get(key, []):
                names.add(field_name(item["id"], tok))
    return names


def parse_answers(quiz: Quiz, attempt: QuizAttempt, form) -> dict:
    """Read the answers of this attempt's questions; unknown questions or options are errors."""
    unknown = [k for k in form.keys() if k.startswith("q-") and k not in _allowed_names(attempt)]
    if unknown:
        raise QuizError(_("Your answers name a question that is not part of this attempt. Please reload the quiz."))
    answers = {}
    for item in attempt.layout:
        q = quiz.question(item["id"])
        if q is None:
            continue

        def get(sub: str, _qid=item["id"]) -> list[str]:
            return form.getlist(field_name(_qid, sub))

        try:
            value = get_type(q["type"]).parse(q, item, get)
        except AnswerError as exc:
            raise QuizError(_("One of your answers is not valid: %(reason)s. Please check it and try again.", reason=str(exc))) from exc
        if value is not None:
            answers[item["id"]] = value
    return answers


def _check_owner(attempt: QuizAttempt, user: User) -> None:
    if attempt.user_id != user.id:
        raise QuizError(_("This quiz attempt belongs to someone else."), 403)


def past_deadline(attempt: QuizAttempt, now: datetime) -> bool:
    return attempt.deadline is not None and now > aware(attempt.deadline)


def save_answers(attempt: QuizAttempt, quiz: Quiz, user: User, form, now: datetime) -> bool:
    """Save answers while the attempt is open and in time; returns False when it was too late."""
    _check_owner(attempt, user)
    if attempt.status != "open":
        raise QuizError(_("This attempt has already been submitted."), 409)
    if past_deadline(attempt, now):
        return False
    answers = {**(attempt.answers or {}), **parse_answers(quiz, attempt, form)}
    sess = db.session()
    changed = sess.execute(
        update(QuizAttempt).where(QuizAttempt.id == attempt.id, QuizAttempt.status == "open").values(answers=answers)
    ).rowcount
    sess.commit()
    if not changed:
        raise QuizError(_("This attempt has already been submitted."), 409)
    attempt.answers = answers
    return True


@dataclass
class Grade:
    score: float
    max_score: float
    percent: float
    passed: bool
    results: dict


def grade(quiz: Quiz, attempt_layout: list[dict], answers: dict, lang: str, pass_mark: float) -> Grade:
    results = {}
    score = max_score = 0.0
    for item in attempt_layout:
        q = quiz.question(item["id"])
        if q is None:
            continue
        qtype = get_type(q["type"])
        g = qtype.grade(q, answers.get(item["id"]), quiz.text(lang, q["id"]), lang)
        points = float(q.get("points", 1)) if qtype.scored else 0.0
        score += g.score * points
        max_score += points
        results[item["id"]] = {"score": g.score * points, "points": points, "correct": g.correct, "scored": g.scored}
    percent = round(100 * score / max_score, 2) if max_score else 100.0
    return Grade(score, max_score, percent, percent >= pass_mark, results)


def finish(attempt: QuizAttempt, quiz: Quiz, lang: str, pass_mark: float, now: datetime) -> bool:
    """Grade and close the attempt once; False when another request graded it first."""
    g = grade(quiz, attempt.layout, attempt.answers or {}, lang, pass_mark)
    sess = db.session()
    changed = sess.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == "open")
        .values(status="graded", submitted_at=now, score=g.score, max_score=g.max_score,
                percent=g.percent, passed=g.passed, results=g.results, answers=attempt.answers or {})
    ).rowcount
    sess.commit()
    sess.refresh(attempt)
    return bool(changed)


def submit(attempt: QuizAttempt, quiz: Quiz, user: User, form, lang: str, pass_mark: float, now: datetime) -> QuizAttempt:
    """Save the last answers (if in time) and grade exactly once."""
    _check_owner(attempt, user)
    if attempt.status != "open":
        raise QuizError(_("This attempt has already been submitted."), 409)
    in_time = not past_deadline(attempt, now)
    if in_time:
        attempt.answers = {**(attempt.answers or {}), **parse_answers(quiz, attempt, form)}
    # After the deadline only what was saved in time counts; the close time is the deadline.
    closed_at = now if in_time else aware(attempt.deadline)
    if not finish(attempt, quiz, lang, pass_mark, closed_at):
        raise QuizError(_("This attempt has already been submitted."), 409)
    return attempt


def expire_if_due(attempt: QuizAttempt, quiz: Quiz, now: datetime, lang: str = "en", pass_mark: float | None = None) -> bool:
    """Grade an open attempt whose time is up from its saved answers; True when it was closed."""
    if attempt.status == "open" and past_deadline(attempt, now):
        db.begin_write()  # may run while a GET shows the attempt
        finish(attempt, quiz, lang, quiz.pass_mark if pass_mark is None else pass_mark, aware(attempt.deadline))
        return True
    return False


def may_show_answers(quiz: Quiz, attempt: QuizAttempt, user: User) -> bool:
    policy = quiz.show_answers
    if attempt.status != "graded" or policy == "never":
        return False
    if policy == "after_submit":
        return True
    if policy == "after_pass":
        return bool(attempt.passed)
    left = attempts_left(quiz, user)
    return bool(attempt.passed) or left == 0


def present_attempt(quiz: Quiz, attempt: QuizAttempt, lang: str) -> list[dict]:
    """What the page shows for an open attempt: texts, tokens, saved answers. No answer key."""
    out = []
    for n, item in enumerate(attempt.layout, start=1):
        q = quiz.question(item["id"])
        if q is None:
            continue
        T = quiz.text(lang, q["id"])
        qtype = get_type(q["type"])
        saved = (attempt.answers or {}).get(q["id"])
        out.append({
            "n": n, "id": q["id"], "type": q["type"], "text": T("text"), "name": field_name(q["id"]),
            **qtype.present(q, item, T),
            "saved": {field_name(q["id"], k): v for k, v in qtype.saved_form_values(q, item, saved).items()} if saved is not None else {},
        })
    return out


def review_attempt(quiz: Quiz, attempt: QuizAttempt, lang: str, reveal: bool) -> list[dict]:
    """Per-question results for a graded attempt, with feedback and solutions when allowed."""
    out = []
    for n, item in enumerate(attempt.layout, start=1):
        q = quiz.question(item["id"])
        if q is None:
            continue
        T = quiz.text(lang, q["id"])
        qtype = get_type(q["type"])
        res = (attempt.results or {}).get(q["id"], {})
        entry = {"n": n, "id": q["id"], "text": T("text"), "score": res.get("score", 0), "points": res.get("points", 0),
                 "correct": res.get("correct"), "scored": res.get("scored", True), "feedback": [], "solution": []}
        if reveal:
            g = qtype.grade(q, (attempt.answers or {}).get(q["id"]), T, lang)
            entry["feedback"] = g.feedback + ([T("feedback")] if T("feedback") else [])
            entry["solution"] = qtype.solution(q, T)
        out.append(entry)
    return out


Clock = Callable[[], datetime]
