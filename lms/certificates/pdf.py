"""The certificate as a PDF: an HTML/CSS template rendered by WeasyPrint, A4 landscape, in the
learner's language, with embedded Noto fonts and a QR code that links to the verification page.

Rendering takes a fraction of a second, so PDFs are made on first download (or ahead of time by
``flask lms certificates render-pending``) and kept under ``<instance>/certificates/`` keyed by
certificate id and a hash of everything that goes into the file. A second download returns the
same bytes; the PDF's dates are the issue date, never "now".
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from flask_babel import force_locale, format_date

from lms.certificates import services
from lms.i18n import format_minutes
from lms.models import Certificate

log = logging.getLogger(__name__)

TEMPLATE = "lms/certificates/pdf.html"
STYLESHEET = "lms/certificates/pdf.css"
# Noto covers every partner language (æøå, õäöü, āčēģīķļņšūž, ąčęėįšųūž, ð þ, Greenlandic).
FONT_FILES = {
    ("sans", 400): "NotoSans-Regular.ttf",
    ("sans", 700): "NotoSans-Bold.ttf",
    ("serif", 400): "NotoSerif-Regular.ttf",
    ("serif", 700): "NotoSerif-Bold.ttf",
}
FONT_FAMILIES = {"sans": "Noto Sans", "serif": "Noto Serif"}


@dataclass
class FontFace:
    family: str
    weight: int
    src: str  # url("file://…") or local("…")


def font_dir() -> Path:
    return Path(current_app.config.get("LMS_CERT_FONT_DIR") or "/usr/share/fonts/truetype/noto")


def font_faces() -> list[FontFace]:
    """@font-face rules for the Noto files, or the system's font by name if a file is missing."""
    faces = []
    for (family, weight), name in FONT_FILES.items():
        path = font_dir() / name
        if path.is_file():
            src = f'url("{path.resolve().as_uri()}")'
        else:
            log.warning("certificate font %s is missing; using the system's %s", path, FONT_FAMILIES[family])
            src = f'local("{FONT_FAMILIES[family]}")'
        faces.append(FontFace(family, weight, src))
    return faces


def cache_dir() -> Path:
    configured = current_app.config.get("LMS_CERT_CACHE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "certificates"


def _template_source(name: str) -> str:
    env = current_app.jinja_env
    source, _filename, _uptodate = env.loader.get_source(env, name)
    return source


def pdf_language(cert: Certificate, user_locale: str | None) -> str:
    """The holder's chosen (profile) language when known, else the language at issue."""
    langs = list(current_app.config.get("LMS_LANGUAGES") or [])
    return user_locale if user_locale in langs else cert.lang


def _title_in(cert: Certificate, lang: str) -> str:
    if lang == cert.lang:
        return cert.course_title
    cdef = services.catalog().course(cert.course_id)
    return services.course_title(cdef, lang) if cdef is not None else cert.course_title


def _context(cert: Certificate, lang: str) -> dict[str, Any]:
    import segno

    url = services.verify_url(cert.id)
    qr = segno.make(url, error="m", micro=False)
    return {
        "cert": cert,
        "lang": lang,
        "course_title": _title_in(cert, lang),
        "verify_url": url,
        "qr_data_uri": qr.svg_data_uri(scale=4, border=0, dark="#1b1f24"),
        "fonts": font_faces(),
        "issued_iso": services.iso_utc(cert.issued_at),
    }


def content_hash(cert: Certificate, lang: str, ctx: dict[str, Any]) -> str:
    """Everything that shapes the file: the signed snapshot, language, title, link, templates."""
    h = hashlib.sha256()
    for part in (
        services.canonical_content(cert), lang.encode(), ctx["course_title"].encode(),
        ctx["verify_url"].encode(), _template_source(TEMPLATE).encode(), _template_source(STYLESHEET).encode(),
        repr([(f.family, f.weight, f.src) for f in ctx["fonts"]]).encode(),
    ):
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:24]


def _fetcher_for(allowed_dir: Path):
    """Only the font files and inline data: URIs may be loaded while rendering; nothing from
    the network or elsewhere on disk (names in the template are the learner's own text)."""
    from weasyprint.urls import URLFetcher

    root = allowed_dir.resolve()

    class CertificateFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            if parts.scheme == "file":
                path = Path(unquote(parts.path)).resolve()
                if path.parent == root and path.suffix.lower() in (".ttf", ".otf"):
                    return super().fetch(url, headers)
            raise ValueError(f"certificate rendering does not load {parts.scheme}: resources")

    return CertificateFetcher()


def render(cert: Certificate, lang: str, ctx: dict[str, Any] | None = None) -> bytes:
    """Render the PDF (no cache)."""
    import weasyprint

    ctx = ctx or _context(cert, lang)
    with force_locale(lang):
        ctx = {
            **ctx,
            "completed_on": format_date(cert.completed_on, format="long"),
            "study_time": format_minutes(cert.study_minutes) if cert.study_minutes else "",
        }
        html = render_template(TEMPLATE, **ctx)
        css = render_template(STYLESHEET, **ctx)
    fetcher = _fetcher_for(font_dir())
    document = weasyprint.HTML(string=html, url_fetcher=fetcher, base_url=font_dir().resolve().as_uri() + "/")
    return document.write_pdf(
        stylesheets=[weasyprint.CSS(string=css, url_fetcher=fetcher)],
        # A fixed identifier and metadata dates (from the template) keep the bytes stable.
        pdf_identifier=hashlib.sha256(cert.id.encode()).hexdigest()[:32].encode(),
    )


def cached_path(cert: Certificate, lang: str, ctx: dict[str, Any]) -> Path:
    return cache_dir() / f"{cert.id}-{lang}-{content_hash(cert, lang, ctx)}.pdf"


def pdf_bytes(cert: Certificate, lang: str) -> bytes:
    """The certificate's PDF in ``lang``: from the disk cache, else rendered and cached."""
    ctx = _context(cert, lang)
    path = cached_path(cert, lang, ctx)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = render(cert, lang, ctx)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename: a concurrent download never reads half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pdf")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return data


def is_cached(cert: Certificate, lang: str) -> bool:
    return cached_path(cert, lang, _context(cert, lang)).exists()


def forget_pdfs(cert_id: str) -> int:
    """Delete every cached PDF of a certificate (e.g. when it is anonymised)."""
    directory = cache_dir()
    if not directory.is_dir() or not services.ID_RE.match(cert_id):
        return 0
    removed = 0
    for path in directory.glob(f"{cert_id}-*.pdf"):
        path.unlink(missing_ok=True)
        removed += 1
    return removed
