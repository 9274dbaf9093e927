"""``flask lms certificates …``: pre-render PDFs so the first downloads are instant."""
from __future__ import annotations

import click
from sqlalchemy import select

from lms import db
from lms.cli import lms_cli


@lms_cli.group("certificates")
def certificates_group() -> None:
    """Certificates: pre-render PDFs."""


@certificates_group.command("render-pending")
@click.option("--course", "course_id", default=None, help="Only this course's certificates.")
def render_pending(course_id: str | None) -> None:
    """Render the PDF of every valid certificate that has none cached yet (needs LMS_BASE_URL)."""
    from flask import current_app

    from lms.certificates import pdf as pdfs
    from lms.models import Certificate, User

    if not current_app.config.get("LMS_BASE_URL"):
        raise click.ClickException("set LMS_BASE_URL (e.g. https://learn.example.org): the QR code needs the public address")
    stmt = (
        select(Certificate, User.locale)
        .outerjoin(User, User.id == Certificate.user_id)
        .where(Certificate.status == "valid")
        .order_by(Certificate.issued_at)
    )
    if course_id:
        stmt = stmt.where(Certificate.course_id == course_id)
    rows = list(db.session().execute(stmt))
    rendered = 0
    with click.progressbar(rows, label="Rendering certificates", show_pos=True) as bar:
        for cert, locale in bar:
            lang = pdfs.pdf_language(cert, locale)
            if not pdfs.is_cached(cert, lang):
                pdfs.pdf_bytes(cert, lang)
                rendered += 1
    click.echo(f"rendered {rendered} PDF(s); {len(rows) - rendered} were ready")
