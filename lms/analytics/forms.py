"""The filter form of the analytics pages (GET, so no CSRF token)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SubmitField
from wtforms.validators import Optional, ValidationError

from lms.auth.forms import COUNTRIES
from lms.config import LANGUAGES


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    course = SelectField(_l("Course"), validators=[Optional()])
    cohort = SelectField(_l("Cohort"), validators=[Optional()])
    country = SelectField(_l("Country"), validators=[Optional()])
    language = SelectField(_l("Language"), validators=[Optional()])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    submit = SubmitField(_l("Show"))

    def __init__(self, formdata, courses: list[tuple[str, str]], cohorts: list[tuple[int, str]], restricted: bool, **kw) -> None:
        super().__init__(formdata, **kw)
        from flask_babel import get_locale

        self.course.choices = [("", _("All courses"))] + courses
        self.cohort.choices = [("", _("All my cohorts") if restricted else _("All cohorts"))] + [(str(i), n) for i, n in cohorts]
        names = get_locale().territories
        self.country.choices = [("", _("All countries"))] + sorted(((c, names.get(c, c)) for c in COUNTRIES), key=lambda x: x[1])
        self.language.choices = [("", _("All languages"))] + list(LANGUAGES.items())

    @staticmethod
    def _plausible(field) -> None:
        if field.data and not 1970 <= field.data.year <= 2200:
            raise ValidationError(_l("Choose a date between 1970 and 2200."))

    def validate_date_from(self, field) -> None:
        self._plausible(field)

    def validate_date_to(self, field) -> None:
        self._plausible(field)
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))


class QuizFilterForm(FilterForm):
    quiz = SelectField(_l("Quiz"), validators=[Optional()])

    def __init__(self, formdata, quizzes: list[tuple[str, str]], **kw) -> None:
        super().__init__(formdata, **kw)
        self.quiz.choices = quizzes
