"""Form validators with our own translated messages (WTForms ships no Greenlandic)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import validators as v


def required() -> v.DataRequired:
    return v.DataRequired(message=_l("This field is required."))


def email() -> v.Email:
    return v.Email(message=_l("Enter a valid e-mail address."))


def length(min: int = -1, max: int = -1) -> v.Length:  # noqa: A002 - mirrors WTForms
    if min > 0 and max > 0:
        return v.Length(min=min, max=max, message=_l("Use between %(min)d and %(max)d characters."))
    if min > 0:
        return v.Length(min=min, message=_l("Use at least %(min)d characters."))
    return v.Length(max=max, message=_l("Use at most %(max)d characters."))
