"""Error pages in the user's language, JSON for API calls; never a bare 500."""
from __future__ import annotations

import logging

from flask import jsonify, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from lms.access import wants_json

log = logging.getLogger(__name__)


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Please check what you sent and try again.")),
        401: (_("Please log in"), _("You need to log in to see this page.")),
        403: (_("Not allowed"), _("You do not have permission to open this page.")),
        404: (_("Page not found"), _("We could not find that page. The address may be wrong or the page was removed.")),
        405: (_("Not allowed"), _("That action is not possible on this page.")),
        409: (_("Conflict"), _("This was changed by another request. Please reload and try again.")),
        413: (_("Too large"), _("What you sent is too large.")),
        429: (_("Too many attempts"), _("Too many attempts in a short time. Please wait a minute and try again.")),
        500: (_("Something went wrong"), _("An unexpected error happened on our side. Please try again later.")),
    }


def render_error(status: int, detail: str | None = None):
    title, text = _messages().get(status, (_("Error"), _("Something went wrong.")))
    if detail:
        text = detail
    if wants_json():
        return jsonify(error=title, message=text, status=status), status
    from lms.i18n import template_context

    # Explicit context: app-level errors (404 on an unknown URL) are outside the LMS blueprint.
    return render_template("lms/error.html", status=status, title=title, text=text, **template_context()), status


def handle_http(exc: HTTPException):
    status = exc.code or 500
    detail = exc.description if getattr(exc, "lms_message", False) else None
    return render_error(status, detail)


def handle_csrf(exc: CSRFError):
    return render_error(400, _("Your form expired or was sent from another page. Please go back, reload the page and try again."))


def handle_unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return handle_http(exc)
    log.exception("unhandled error", exc_info=exc)
    return render_error(500)


def register_error_handlers(target) -> None:
    """Register on a blueprint (plugin mode) or on the whole app (standalone)."""
    target.register_error_handler(CSRFError, handle_csrf)
    target.register_error_handler(HTTPException, handle_http)
    target.register_error_handler(InternalServerError, handle_unexpected)
    target.register_error_handler(Exception, handle_unexpected)


def user_error(status: int, message: str) -> HTTPException:
    """An HTTP error whose (translated) message is shown to the user."""
    from werkzeug.exceptions import default_exceptions

    exc = default_exceptions[status](description=message)
    exc.lms_message = True  # type: ignore[attr-defined]
    return exc
