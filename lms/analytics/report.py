"""The analytics pages as tables and charts: labels in the reader's language, figures from
``services``. Every table can be exported (``export``) exactly as it is shown."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _

from lms.analytics import charts, services
from lms.analytics.services import Filters, Scope
from lms.config import LANGUAGES


@dataclass
class Column:
    key: str
    label: str
    kind: str = "text"  # text | int | percent | decimal | days
    shown: bool = True  # False: in exports only (ids for machines)


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    footer: dict[str, Any] | None = None
    note: str = ""

    @property
    def shown_columns(self) -> list[Column]:
        return [c for c in self.columns if c.shown]


@dataclass
class Page:
    tables: dict[str, Table]
    charts: dict[str, str] = field(default_factory=dict)  # table name -> data: URI
    context: dict[str, Any] = field(default_factory=dict)


PAGES = {"overview": ("courses", "months"), "audience": ("countries", "languages"),
         "funnel": ("funnel",), "quizzes": ("items", "options")}
TABLE_PAGE = {t: page for page, tables in PAGES.items() for t in tables}


def _course_title(catalog, course_id: str, lang: str) -> str:
    cdef = catalog.course(course_id)
    return cdef.title(lang) if cdef else course_id


def _figures_columns() -> list[Column]:
    return [
        Column("enrolments", _("Enrolments"), "int"),
        Column("started", _("Started"), "int"),
        Column("completed", _("Completed"), "int"),
        Column("completion_rate", _("Completion rate"), "percent"),
    ]


# -- overview -----------------------------------------------------------------------------------


def overview(f: Filters, scope: Scope, catalog, lang: str) -> Page:
    ov = services.overview(f, scope)
    rows = []
    for x in ov.courses:
        rows.append({
            "course_id": x.course_id, "course": _course_title(catalog, x.course_id, lang),
            "enrolments": x.enrolments, "active": x.active, "started": x.started, "completed": x.completed,
            "completion_rate": x.completion_rate, "median_days": x.median_days,
        })
    t = ov.total
    courses = Table(
        "courses", _("Courses"),
        [Column("course_id", _("Course id"), shown=False), Column("course", _("Course")),
         Column("enrolments", _("Enrolments"), "int"), Column("active", _("Active learners"), "int"),
         Column("started", _("Started"), "int"), Column("completed", _("Completed"), "int"),
         Column("completion_rate", _("Completion rate"), "percent"),
         Column("median_days", _("Median days to complete"), "days")],
        rows,
        footer={"course_id": "", "course": _("All courses"), "enrolments": t.enrolments, "active": t.active,
                "started": t.started, "completed": t.completed, "completion_rate": t.completion_rate,
                "median_days": t.median_days},
        note=_("Active learners opened a lesson in the period; the total counts each learner once."),
    )
    month_cols = [Column("month", _("Month")), Column("enrolments", _("Enrolments"), "int"),
                  Column("completions", _("Completions"), "int")]
    if ov.certificates:
        month_cols += [Column("certificates", _("Certificates issued"), "int"),
                       Column("revoked", _("Of these revoked"), "int")]
    months = Table("months", _("Per month"), month_cols, ov.months,
                   note=_("Enrolments by the month they were made, completions by the month of completion, certificates by the month of issue (UTC)."))
    page = Page({"courses": courses, "months": months}, context={"total": t, "certificates": ov.certificates})
    if ov.months:
        labels = [r["month"] for r in ov.months]
        series = [(_("Enrolments"), [r["enrolments"] for r in ov.months]),
                  (_("Completions"), [r["completions"] for r in ov.months])]
        if ov.certificates:
            series.append((_("Certificates issued"), [r["certificates"] for r in ov.months]))
        page.charts["months"] = charts.lines(_("Per month"), labels, series)
    if rows:
        page.charts["courses"] = charts.bars(
            _("Completion rate by course (%)"), [r["course"] for r in rows],
            [(_("Completion rate"), [round(100 * (r["completion_rate"] or 0), 1) for r in rows])],
            horizontal=True, percent=True, value_range=(0, 100))
    return page


# -- countries and languages --------------------------------------------------------------------


def country_name(code: str | None) -> str:
    if not code:
        return _("Not stated")
    return get_locale().territories.get(code, code)


def language_name(code: str | None) -> str:
    if not code:
        return _("Not stated")
    return LANGUAGES.get(code, code)


def audience(f: Filters, scope: Scope, lang: str) -> Page:
    au = services.audience(f, scope)

    def table(name: str, title: str, key: str, code_label: str, label: str, groups, namer) -> Table:
        cols = [Column(key, code_label, shown=False), Column(key + "_name", label),
                Column("learners", _("Learners"), "int")] + _figures_columns()
        if au.certificates:
            cols.append(Column("certificates", _("Certificates"), "int"))
        rows = [{key: g.key or "", key + "_name": namer(g.key), "learners": g.learners, "enrolments": g.enrolments,
                 "started": g.started, "completed": g.completed, "completion_rate": g.completion_rate,
                 "certificates": g.certificates} for g in groups]
        return Table(name, title, cols, rows)

    countries = table("countries", _("By country"), "country", _("Country code"), _("Country"), au.countries, country_name)
    languages = table("languages", _("By language"), "language", _("Language code"), _("Language"), au.languages, language_name)
    page = Page({"countries": countries, "languages": languages}, context={"certificates": au.certificates})
    for t, key in ((countries, "country_name"), (languages, "language_name")):
        if t.rows:
            series = [(_("Learners"), [r["learners"] for r in t.rows]), (_("Completed"), [r["completed"] for r in t.rows])]
            if au.certificates:
                series.append((_("Certificates"), [r["certificates"] for r in t.rows]))
            page.charts[t.name] = charts.bars(t.title, [r[key] for r in t.rows], series)
    return page


# -- funnel ----------------------------------------------------------------------------------------


def funnel(f: Filters, scope: Scope, cdef, catalog, lang: str) -> Page:
    fn = services.funnel(f, scope, cdef)
    modules = {m.key: cdef.module_title(m, lang) for m in cdef.modules}
    rows = []
    for n, step in enumerate(fn.steps, start=1):
        if step.kind == "lesson":
            title = cdef.lesson_title(cdef.lesson(step.key), lang)
            kind = _("Lesson")
        else:
            quiz = catalog.quizzes.get(step.key)
            title = quiz.title(lang) if quiz else step.key
            kind = _("Quiz")
        rows.append({
            "position": n, "kind": kind, "key": step.key, "step": title, "module": modules.get(step.module_key, step.module_key),
            "started": step.started, "completed": step.completed,
            "started_share": services._ratio(step.started, fn.enrolled), "completed_share": services._ratio(step.completed, fn.enrolled),
        })
    table = Table(
        "funnel", _("Where learners drop off"),
        [Column("position", _("Step"), "int"), Column("kind", _("Kind")), Column("key", _("Id"), shown=False),
         Column("step", _("Lesson or quiz")), Column("module", _("Module"), shown=False),
         Column("started", _("Opened or took"), "int"), Column("completed", _("Completed or passed"), "int"),
         Column("started_share", _("Opened, share of enrolled"), "percent"),
         Column("completed_share", _("Completed, share of enrolled"), "percent")],
        rows,
        note=_("Of the learners who enrolled (in the period): how many opened and completed each lesson, and took and passed each quiz, in course order."),
    )
    page = Page({"funnel": table}, context={"enrolled": fn.enrolled, "completed": fn.completed})
    if rows:
        page.charts["funnel"] = charts.bars(
            _("Learners per step"), [f"{r['position']}. {r['step']}" for r in rows],
            [(_("Opened or took"), [r["started"] for r in rows]), (_("Completed or passed"), [r["completed"] for r in rows])],
            horizontal=True)
    return page


# -- quiz items ------------------------------------------------------------------------------------


TYPE_LABELS = {
    "single": lambda: _("Single choice"), "multiple": lambda: _("Multiple response"), "truefalse": lambda: _("True/false"),
    "matching": lambda: _("Matching"), "ordering": lambda: _("Ordering"), "short": lambda: _("Short text"),
    "numeric": lambda: _("Number"), "likert": lambda: _("Rating"),
}


def _flag(item: services.ItemFigures, scored: bool) -> str:
    if not scored or item.facility is None:
        return ""
    if item.discrimination is not None and item.discrimination < 0:
        return _("Stronger learners get it wrong more often: check the answer key and the wording.")
    if item.facility < 0.3:
        return _("Very hard: check the wording and whether the lessons teach it.")
    if item.facility > 0.95:
        return _("Almost everyone gets it right.")
    if item.discrimination is not None and item.discrimination < 0.2:
        return _("Does not tell stronger and weaker learners apart: check the wording.")
    return ""


def _short(text: str, n: int = 140) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _options(q: dict, T) -> list[tuple[str, str, bool | None]]:
    """(choice as stored, label, correct) for every option of a choice question."""
    from lms.assessment.types import get_type

    kind = q["type"]
    if kind in ("single", "multiple"):
        correct = get_type(kind)._correct(q)
        return [(o["id"], T("options", o["id"], "text"), o["id"] in correct) for o in q.get("options") or []]
    if kind == "truefalse":
        return [("true", _("True"), q.get("answer") is True), ("false", _("False"), q.get("answer") is False)]
    if kind == "likert":
        return [(str(v), str(v), None) for v in range(1, int(q.get("scale", 5)) + 1)]
    return []


def quiz_items(f: Filters, scope: Scope, quiz, lang: str, sample: int) -> Page:
    from lms.assessment.types import get_type

    ia = services.item_analysis(f, scope, quiz, sample)
    items, options = [], []
    for n, q in enumerate(quiz.questions, start=1):
        fig = ia.items.get(q["id"]) or services.ItemFigures(q["id"])
        T = quiz.text(lang, q["id"])
        scored = get_type(q["type"]).scored
        text = _short(T("text"), 90)
        items.append({
            "number": n, "question_id": q["id"], "question": text, "type": TYPE_LABELS[q["type"]]() if q["type"] in TYPE_LABELS else q["type"],
            "presented": fig.presented, "answered": fig.answered,
            "facility": fig.facility if scored else None, "discrimination": fig.discrimination if scored else None,
            "flag": _flag(fig, scored),
        })
        for choice, label, correct in _options(q, T):
            chosen = fig.choices.get(choice, 0)
            options.append({
                "number": n, "question_id": q["id"], "question": _short(text, 60), "option_id": choice,
                "option": _short(label, 100), "correct": "" if correct is None else (_("yes") if correct else _("no")),
                "chosen": chosen, "share": services._ratio(chosen, fig.answered),
            })
    items_table = Table(
        "items", _("Questions"),
        [Column("number", _("No."), "int"), Column("question_id", _("Question id"), shown=False),
         Column("question", _("Question")), Column("type", _("Type")),
         Column("presented", _("Shown"), "int"), Column("answered", _("Answered"), "int"),
         Column("facility", _("Facility"), "decimal"), Column("discrimination", _("Discrimination"), "decimal"),
         Column("flag", _("Note"))],
        items,
        note=_("Facility: the mean score as a share of the question's points (0 = nobody, 1 = everybody right). "
               "Discrimination: the corrected point-biserial correlation, i.e. Pearson's r between the score on the "
               "question and the score on the rest of the quiz (below 0.2: the question hardly separates stronger "
               "from weaker learners). From learners' first attempts."),
    )
    options_table = Table(
        "options", _("How often each option was chosen"),
        [Column("number", _("No."), "int"), Column("question_id", _("Question id"), shown=False),
         Column("question", _("Question")), Column("option_id", _("Option id"), shown=False),
         Column("option", _("Option")), Column("correct", _("Correct")),
         Column("chosen", _("Chosen"), "int"), Column("share", _("Share of answers"), "percent")],
        options,
        note=_("A multiple-response answer counts once for every option chosen, so its shares can add up to more than 100 %."),
    )
    page = Page({"items": items_table, "options": options_table}, context={"analysis": ia})
    scored_rows = [r for r in items if r["facility"] is not None]
    if scored_rows:
        page.charts["items"] = charts.bars(
            _("Facility and discrimination per question"), [str(r["number"]) for r in scored_rows],
            [(_("Facility"), [round(r["facility"], 3) for r in scored_rows]),
             (_("Discrimination"), [None if r["discrimination"] is None else round(r["discrimination"], 3) for r in scored_rows])],
            value_range=(-0.5, 1))
    return page
