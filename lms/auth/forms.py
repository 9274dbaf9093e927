"""Account forms. Labels are lazy so they translate per request."""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import EqualTo, Optional, ValidationError

from lms.config import LANGUAGES
from lms.validators import email, length, required

COUNTRIES = ["DK", "EE", "FI", "GL", "IS", "LT", "LV", "NO", "SE"]
PASSWORD_MIN = 10


def country_choices() -> list[tuple[str, str]]:
    names = get_locale().territories
    return [("", _l("Not stated"))] + sorted(((c, names.get(c, c)) for c in COUNTRIES), key=lambda x: x[1])


def language_choices() -> list[tuple[str, str]]:
    return list(LANGUAGES.items())


def _password_rules(form, field):
    value = field.data or ""
    if value.strip() != value or len(set(value)) < 4:
        raise ValidationError(_l("Choose a password with more variety and no spaces at the ends."))


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[required(), email(), length(max=254)])
    password = PasswordField(_l("Password"), validators=[required(), length(max=200)])
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class RegisterForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[required(), length(max=100)])
    email = EmailField(_l("E-mail"), validators=[required(), email(), length(max=254)])
    password = PasswordField(
        _l("Password"),
        validators=[required(), length(min=PASSWORD_MIN, max=200), _password_rules],
        description=_l("At least 10 characters. A few unrelated words make a strong password."),
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[required(), EqualTo("password", message=_l("The passwords do not match."))],
    )
    locale = SelectField(_l("Language"), validators=[required()])
    country = SelectField(_l("Country"), validators=[Optional()])
    organisation = StringField(_l("Organisation or company"), validators=[Optional(), length(max=200)])
    next = HiddenField()  # where to go afterwards (a join link, a course); checked by safe_next
    submit = SubmitField(_l("Create account"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = language_choices()
        self.country.choices = country_choices()


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[required(), length(max=100)])
    locale = SelectField(_l("Language"), validators=[required()])
    country = SelectField(_l("Country"), validators=[Optional()])
    organisation = StringField(_l("Organisation or company"), validators=[Optional(), length(max=200)])
    submit = SubmitField(_l("Save profile"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = language_choices()
        self.country.choices = country_choices()


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[required(), length(max=200)])
    password = PasswordField(
        _l("New password"), validators=[required(), length(min=PASSWORD_MIN, max=200), _password_rules]
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[required(), EqualTo("password", message=_l("The passwords do not match."))],
    )
    submit = SubmitField(_l("Change password"))


class ForgotForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[required(), email(), length(max=254)])
    submit = SubmitField(_l("Send reset link"))


class ResetForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[required(), length(min=PASSWORD_MIN, max=200), _password_rules]
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[required(), EqualTo("password", message=_l("The passwords do not match."))],
    )
    submit = SubmitField(_l("Set new password"))


class ConfirmForm(FlaskForm):
    """A form with only the CSRF token, for one-button actions (log out, enrol, mark complete)."""

    submit = SubmitField(_l("Confirm"))
