"""Certificate forms. Labels are lazy so they translate per request."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SearchField, SelectField, StringField, SubmitField, TextAreaField, URLField
from wtforms.validators import AnyOf, DataRequired, Email, Length, Optional, URL


def name_display_choices() -> list[tuple[str, str]]:
    return [("full", _l("Full name")), ("initials", _l("Initials only"))]


class NameDisplayForm(FlaskForm):
    name_display = RadioField(_l("Name on the public verification page"), validators=[DataRequired(), AnyOf(["full", "initials"])])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.name_display.choices = name_display_choices()


class RevokeForm(FlaskForm):
    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(message=_l("Give a reason for the revocation.")), Length(max=300)],
        description=_l("Shown publicly on the verification page. Write no personal details."),
    )
    submit = SubmitField(_l("Revoke"))


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search

    q = SearchField(_l("Search by name, course or certificate ID"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), validators=[Optional()])
    submit = SubmitField(_l("Search"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from lms.certificates.services import status_text

        self.status.choices = [("", _l("Any"))] + [(s, status_text(s)) for s in ("valid", "revoked", "superseded", "withdrawn")]


class IssuerForm(FlaskForm):
    name = StringField(_l("Issuer name"), validators=[DataRequired(), Length(max=200)])
    url = URLField(_l("Web address"), validators=[Optional(), URL(require_tld=False), Length(max=300)])
    email = EmailField(_l("Contact e-mail"), validators=[Optional(), Email(), Length(max=254)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save issuer profile"))
