"""Skills self-assessment: a profile per competence area and a personal learning path.

The assessment itself is an ordinary quiz file (so it is answered, saved and graded like any
quiz). Which question measures which area, how areas map to DigComp/EntreComp, and what each
area recommends live in ``quizzes/_maps/skills.yaml``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from lms import db
from lms.assessment.quizfile import Problem, Quiz
from lms.content.yamlines import YamlError, line_of, load
from lms.models import QuizAttempt, SkillAssessment, User

MAP_FILE = Path("_maps") / "skills.yaml"


@dataclass
class Recommendation:
    course: str
    lessons: list[str]
    reason: dict[str, str]


@dataclass
class Area:
    id: str
    title: dict[str, str]
    frameworks: list[str]
    questions: list[str]
    recommend: list[Recommendation]

    def label(self, lang: str) -> str:
        return self.title.get(lang) or self.title.get("en") or self.id


@dataclass
class SkillsMap:
    assessment: str
    threshold: float
    areas: list[Area] = field(default_factory=list)

    def area(self, area_id: str) -> Area | None:
        return next((a for a in self.areas if a.id == area_id), None)


def load_skills_map(quizzes_dir: Path, quizzes: dict[str, Quiz], course_lessons: dict[str, set[str]]) -> tuple[SkillsMap | None, list[Problem]]:
    """Load and check the map against the quiz and the courses; None when absent or broken."""
    path = quizzes_dir / MAP_FILE
    rel = str(Path(quizzes_dir.name) / MAP_FILE)
    if not path.is_file():
        return None, []
    try:
        data = load(path.read_text(encoding="utf-8"))
    except YamlError as exc:
        return None, [Problem(rel, exc.line, exc.message)]
    problems: list[Problem] = []
    if not isinstance(data, dict) or not isinstance(data.get("areas"), list):
        return None, [Problem(rel, 1, "the skills map needs 'assessment' and a list of 'areas'")]
    quiz = quizzes.get(data.get("assessment"))
    if quiz is None:
        problems.append(Problem(rel, line_of(data, "assessment"), f"assessment quiz {data.get('assessment')!r} does not exist"))
    smap = SkillsMap(str(data.get("assessment")), float(data.get("threshold", 67)))
    used: set[str] = set()
    for raw in data["areas"]:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            problems.append(Problem(rel, line_of(raw, None, line_of(data, "areas")), "each area needs an id"))
            continue
        qids = list(raw.get("questions") or [])
        for qid in qids:
            if quiz is not None and quiz.question(qid) is None:
                problems.append(Problem(rel, line_of(raw, "questions"), f"area {raw['id']!r}: unknown question {qid!r}"))
            if qid in used:
                problems.append(Problem(rel, line_of(raw, "questions"), f"question {qid!r} is in two areas"))
            used.add(qid)
        if not qids:
            problems.append(Problem(rel, line_of(raw), f"area {raw['id']!r} has no questions"))
        recs = []
        for rec in raw.get("recommend") or []:
            course = rec.get("course") if isinstance(rec, dict) else None
            if course not in course_lessons:
                problems.append(Problem(rel, line_of(rec, "course", line_of(raw, "recommend")), f"area {raw['id']!r}: unknown course {course!r}"))
                continue
            for lesson in rec.get("lessons") or []:
                if lesson not in course_lessons[course]:
                    problems.append(Problem(rel, line_of(rec, "lessons"), f"area {raw['id']!r}: course {course!r} has no lesson {lesson!r}"))
            reason = rec.get("reason") or {}
            if not isinstance(reason, dict) or not reason.get("en"):
                problems.append(Problem(rel, line_of(rec), f"area {raw['id']!r}: a recommendation needs a reason with 'en'"))
            recs.append(Recommendation(course, list(rec.get("lessons") or []), dict(reason)))
        title = raw.get("title") or {}
        if not isinstance(title, dict) or not title.get("en"):
            problems.append(Problem(rel, line_of(raw, "title"), f"area {raw['id']!r} needs a title with 'en'"))
            title = {"en": raw["id"]}
        smap.areas.append(Area(raw["id"], dict(title), list(raw.get("frameworks") or []), qids, recs))
    if quiz is not None:
        missing = [q["id"] for q in quiz.questions if q["id"] not in used]
        if missing:
            problems.append(Problem(rel, line_of(data, "areas"), f"questions in no area: {', '.join(missing)}"))
    return (None if problems else smap), problems


def profile_from_attempt(smap: SkillsMap, quiz: Quiz, attempt: QuizAttempt) -> dict[str, int]:
    """Percent per area: self-ratings scaled 1..N → 0..100, knowledge questions by their score."""
    answers = attempt.answers or {}
    results = attempt.results or {}
    out: dict[str, int] = {}
    for area in smap.areas:
        values = []
        for qid in area.questions:
            q = quiz.question(qid)
            if q is None:
                continue
            if q["type"] == "likert":
                if qid in answers:
                    scale = int(q.get("scale", 5))
                    values.append(100 * (int(answers[qid]) - 1) / (scale - 1))
                else:
                    values.append(0.0)
            else:
                res = results.get(qid) or {}
                points = res.get("points") or 1
                values.append(100 * float(res.get("score", 0)) / points)
        out[area.id] = round(sum(values) / len(values)) if values else 0
    return out


@dataclass
class PathStep:
    """One course on the learning path, with the lessons to start with and why."""

    course: str
    lessons: list[str]
    reasons: list[tuple[Area, int, str]]  # (area, score, reason)

    @property
    def score(self) -> int:
        return min(score for _a, score, _r in self.reasons)


def learning_path(smap: SkillsMap, profile: dict[str, int], lang: str, prerequisites: dict[str, list[str]], done_courses: set[str] = frozenset()) -> list[PathStep]:
    """Weakest areas first, one step per course; a course's prerequisites come before it."""
    weak = sorted((a for a in smap.areas if profile.get(a.id, 0) < smap.threshold), key=lambda a: (profile.get(a.id, 0), a.id))
    steps: dict[str, PathStep] = {}
    for area in weak:
        for rec in area.recommend:
            if rec.course in done_courses:
                continue
            step = steps.setdefault(rec.course, PathStep(rec.course, [], []))
            step.lessons += [key for key in rec.lessons if key not in step.lessons]
            step.reasons.append((area, profile.get(area.id, 0), rec.reason.get(lang) or rec.reason["en"]))
    ordered = list(steps.values())
    # Move a prerequisite that is also on the path in front of the course that needs it.
    for step in list(ordered):
        for pre in prerequisites.get(step.course, []):
            pre_step = steps.get(pre)
            if pre_step and ordered.index(pre_step) > ordered.index(step):
                ordered.remove(pre_step)
                ordered.insert(ordered.index(step), pre_step)
    return ordered


def record(user: User, attempt: QuizAttempt, smap: SkillsMap, quiz: Quiz) -> SkillAssessment:
    """Store the profile once per graded attempt (a reload or a retry never duplicates it)."""
    from lms.db import insert_ignore

    db.begin_write()  # also called from the result page (GET)
    sess = db.session()
    context = (attempt.purpose or "skills:general").removeprefix("skills:")
    insert_ignore(
        sess, SkillAssessment,
        {"user_id": user.id, "attempt_id": attempt.id, "context": context, "taken_at": attempt.submitted_at,
         "answers": attempt.answers or {}, "profile": profile_from_attempt(smap, quiz, attempt)},
        ["attempt_id"],
    )
    sess.commit()
    return sess.scalar(select(SkillAssessment).where(SkillAssessment.attempt_id == attempt.id))


def history(user: User) -> list[SkillAssessment]:
    return list(db.session().scalars(
        select(SkillAssessment).where(SkillAssessment.user_id == user.id).order_by(SkillAssessment.taken_at, SkillAssessment.id)
    ))


def gain(user: User, course_id: str) -> tuple[SkillAssessment, SkillAssessment] | None:
    """The latest before/after pair around a course, when both exist."""
    rows = history(user)
    pre = [r for r in rows if r.context == f"pre:{course_id}"]
    post = [r for r in rows if r.context == f"post:{course_id}"]
    if pre and post:
        return pre[-1], post[-1]
    return None


def chart_svg(smap: SkillsMap, profile: dict[str, int], lang: str, title: str, compare: dict[str, int] | None = None, compare_label: str = "", label: str = "") -> str:
    """A horizontal bar chart rendered on the server (pygal), no JavaScript."""
    import pygal
    from pygal.style import Style

    style = Style(background="white", plot_background="white", foreground="#1b1f24", foreground_strong="#1b1f24",
                  foreground_subtle="#d5dbe1", colors=("#0b5cad", "#17673a"), font_family="system-ui, sans-serif",
                  label_font_size=14, major_label_font_size=14, title_font_size=16, legend_font_size=14, value_font_size=12)
    chart = pygal.HorizontalBar(js=[], disable_xml_declaration=True, range=(0, 100), style=style, title=title,
                                show_legend=compare is not None, print_values=True, width=800,
                                height=120 + 60 * len(smap.areas), legend_at_bottom=True)
    areas = list(reversed(smap.areas))  # pygal draws the first bar at the bottom
    chart.x_labels = [a.label(lang) for a in areas]
    if compare is not None:
        chart.add(compare_label, [compare.get(a.id, 0) for a in areas])
    chart.add(label or title, [profile.get(a.id, 0) for a in areas])
    # pygal always embeds a small config script for its optional tooltips; the chart is shown
    # as a static image, so drop it.
    return re.sub(r"<script\b[^>]*>.*?</script>", "", chart.render(is_unicode=True), flags=re.S)


def as_dict(step: PathStep) -> dict[str, Any]:
    return {"course": step.course, "lessons": step.lessons,
            "reasons": [{"area": a.id, "score": score, "reason": reason} for a, score, reason in step.reasons]}
