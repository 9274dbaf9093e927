from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SearchField, SelectField
from wtforms.validators import Optional

from lms.config import LANGUAGES
from lms.validators import length


def theme_label(theme: str) -> str:
    return {
        "clustering": _l("Cluster cooperation"),
        "digital-skills": _l("Digital skills"),
        "entrepreneurship": _l("Entrepreneurship"),
    }.get(theme, theme)


def level_label(level: str) -> str:
    return {"beginner": _l("Beginner"), "intermediate": _l("Intermediate"), "advanced": _l("Advanced")}.get(level, level)


class FilterForm(FlaskForm):
    q = SearchField(_l("Search"), validators=[Optional(), length(max=100)])
    theme = SelectField(_l("Theme"), validators=[Optional()], choices=[
        ("", _l("All themes")), ("clustering", theme_label("clustering")),
        ("digital-skills", theme_label("digital-skills")), ("entrepreneurship", theme_label("entrepreneurship")),
    ])
    level = SelectField(_l("Level"), validators=[Optional()], choices=[
        ("", _l("All levels")), ("beginner", level_label("beginner")),
        ("intermediate", level_label("intermediate")), ("advanced", level_label("advanced")),
    ])
    language = SelectField(_l("Available in"), validators=[Optional()], choices=[("", _l("Any language"))] + list(LANGUAGES.items()))
    duration = SelectField(_l("Duration"), validators=[Optional()], choices=[
        ("", _l("Any length")), ("short", _l("Up to 1 hour")), ("medium", _l("1 to 3 hours")), ("long", _l("More than 3 hours")),
    ])
