"""Forms for trainers (cohorts, sessions, people, attendance, announcements, review) and for
learners (join code, exercise answer). Labels are lazy so they translate per request."""
from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField, DateTimeLocalField, EmailField, HiddenField, IntegerField, RadioField, SelectField,
    SelectMultipleField, StringField, SubmitField, TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from lms.auth.forms import country_choices, language_choices

TOKEN_RE = r"^[A-Za-z0-9_-]{16,64}$"


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_field() -> HiddenField:
    """A one-time token issued with the form: the same token twice means a double submit."""
    return HiddenField(default=new_token, validators=[DataRequired(), Regexp(TOKEN_RE)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CohortForm(FlaskForm):
    name = StringField(_l("Name of the cohort"), validators=[DataRequired(), Length(max=120)],
                       description=_l("For example: Ilulissat tourism pilot, spring 2026"))
    courses = MultiCheckboxField(_l("Courses"), validators=[DataRequired(message=_l("Choose at least one course."))])
    language = SelectField(_l("Language of the sessions"), validators=[DataRequired()])
    country = SelectField(_l("Country"), validators=[Optional()])
    starts_on = DateField(_l("Start date"), validators=[Optional()])
    ends_on = DateField(_l("End date"), validators=[Optional()])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, course_choices: list[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.courses.choices = list(course_choices)
        self.language.choices = language_choices()
        self.country.choices = country_choices()

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date must not be before the start date."))


class NewCohortForm(CohortForm):
    token = token_field()
    submit = SubmitField(_l("Create cohort"))


class SessionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)],
                        description=_l("For example: Session 2: the SWOT of your cluster"))
    starts_at = DateTimeLocalField(_l("Date and time"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"], validators=[DataRequired()],
                                   description=_l("In the group's local time (the time zone of its country; UTC when the group has no country)."))
    minutes = IntegerField(_l("Duration in minutes"), default=180, validators=[DataRequired(), NumberRange(min=15, max=720)])
    location = StringField(_l("Location"), validators=[Optional(), Length(max=200)],
                           description=_l("An address, a room or a video-call link."))
    submit = SubmitField(_l("Save session"))


class NewSessionForm(SessionForm):
    token = token_field()
    submit = SubmitField(_l("Add session"))


class PersonForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Add"))


class AnnouncementForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=5000)])
    token = token_field()
    submit = SubmitField(_l("Post and e-mail the members"))


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=5000)])
    token = token_field()
    submit = SubmitField(_l("Add comment"))


def attendance_label(status: str) -> str:
    return {"present": _l("Present"), "absent": _l("Absent"), "excused": _l("Excused")}.get(status, status)


def attendance_form(member_ids: list[int], current: dict[int, str], formdata=None) -> FlaskForm:
    """One radio group per member (present / absent / excused); an unmarked member is left out."""

    class AttendanceForm(FlaskForm):
        submit = SubmitField(_l("Save attendance"))

    choices = [(s, attendance_label(s)) for s in ("present", "absent", "excused")]
    for uid in member_ids:
        setattr(AttendanceForm, f"m{uid}", RadioField(choices=choices, default=current.get(uid), validators=[Optional()]))
    return AttendanceForm(formdata=formdata) if formdata is not None else AttendanceForm()


# -- learners ----------------------------------------------------------------------------------------


class JoinForm(FlaskForm):
    code = StringField(_l("Join code"), validators=[DataRequired(), Length(max=20)],
                       description=_l("The 8 characters your trainer gave you, for example K7QM-4TXB."))
    submit = SubmitField(_l("Join"))


class ExerciseForm(FlaskForm):
    text = TextAreaField(_l("Your answer"), validators=[Optional(), Length(max=20000)])
    file = FileField(_l("Attach a file (optional)"))
    submit = SubmitField(_l("Hand in"))
