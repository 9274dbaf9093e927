from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import AnyOf

from lms.validators import length, required


def role_label(role: str) -> str:
    return {"learner": _l("Learner"), "trainer": _l("Trainer"), "admin": _l("Administrator")}.get(role, role)


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), validators=[required()], choices=[
        ("learner", role_label("learner")), ("trainer", role_label("trainer")), ("admin", role_label("admin")),
    ])
    submit = SubmitField(_l("Change role"))


class PublishForm(FlaskForm):
    published = HiddenField(validators=[AnyOf(["0", "1"])])
    submit = SubmitField(_l("Save"))


class EraseUserForm(FlaskForm):
    """Erasing a person's data: the administrator types the account's e-mail address again."""

    email = StringField(_l("Type the account's e-mail address to confirm"), validators=[required(), length(max=254)])
    submit = SubmitField(_l("Erase this person's data"))
