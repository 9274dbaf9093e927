"""Exercise files: an allow-list checked by extension AND content, stored outside the web root
under a random key, and sent back only as a download."""
from __future__ import annotations

import logging
import os
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import current_app
from flask_babel import gettext as _

log = logging.getLogger(__name__)

# Extension -> the content type we serve it as (never the type the browser claimed).
ALLOWED: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "txt": "text/plain",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}
# What the learner is told is allowed (jpeg is the same as jpg).
ALLOWED_LABEL = "PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP, TXT, PNG, JPG"

KEY_RE = re.compile(r"^[0-9a-f]{40}$")
_OOXML_DIR = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
_MARKUP = re.compile(rb"<\s*(?:!doctype|html|head|body|script|svg|iframe|object|embed|\?xml)\b", re.I)
CHUNK = 64 * 1024


class UploadError(Exception):
    """A file we refuse; ``message`` is translated and shown to the learner."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class StoredFile:
    key: str
    name: str  # the learner's file name, cleaned, for display and download
    size: int
    content_type: str


def upload_dir() -> Path:
    configured = current_app.config.get("LMS_UPLOAD_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "uploads"


def max_bytes() -> int:
    return int(current_app.config["LMS_UPLOAD_MAX_BYTES"])


def path_for(key: str) -> Path:
    if not KEY_RE.match(key or ""):
        raise ValueError("not a file key")
    return upload_dir() / key


def extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def clean_name(filename: str, ext: str) -> str:
    """A display and download name: no path, no control or quote characters, the checked extension."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = unicodedata.normalize("NFC", stem)
    stem = "".join(c if (c.isalnum() or c in " -_()") else "_" for c in stem).strip(" ._")
    return f"{stem[:100] or 'submission'}.{ext}"


# -- content sniffing ---------------------------------------------------------------------------


def _zip_names(path: Path) -> list[str] | None:
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _odf_mimetype(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.infolist()
            if not info or info[0].filename != "mimetype" or info[0].file_size > 100:
                return None
            return zf.read(info[0]).decode("ascii", "replace").strip()
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, RuntimeError):
        return None


def _is_text(path: Path) -> bool:
    data = path.read_bytes()
    if b"\x00" in data or _MARKUP.search(data[:4096]):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            return False
        if any(ord(c) < 32 and c not in "\r\n\t\f" for c in text):
            return False
    return True


def content_matches(path: Path, ext: str) -> bool:
    """True when the bytes are what the extension says (magic numbers, archive structure)."""
    with path.open("rb") as fh:
        head = fh.read(16)
    if ext == "pdf":
        return head.startswith(b"%PDF-")
    if ext == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if ext in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext in _OOXML_DIR:
        if not head.startswith(b"PK\x03\x04"):
            return False
        names = _zip_names(path)
        return bool(names) and "[Content_Types].xml" in names and any(n.startswith(_OOXML_DIR[ext]) for n in names)
    if ext in ("odt", "ods", "odp"):
        return head.startswith(b"PK\x03\x04") and _odf_mimetype(path) == ALLOWED[ext]
    if ext == "txt":
        return _is_text(path)
    return False


# -- storing --------------------------------------------------------------------------------------


def store(stream: IO[bytes], filename: str) -> StoredFile:
    """Check and keep an uploaded file; raises UploadError and leaves nothing behind when refused."""
    ext = extension(filename or "")
    if ext not in ALLOWED:
        raise UploadError(_("This type of file is not accepted. Allowed: %(types)s.", types=ALLOWED_LABEL))
    limit = max_bytes()
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(20)
    tmp = folder / f"{key}.part"
    size = 0
    try:
        with tmp.open("xb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise UploadError(too_large_message(), 413)
                out.write(chunk)
        if size == 0:
            raise UploadError(_("The file is empty."))
        if not content_matches(tmp, ext):
            raise UploadError(_("The file's content does not match its type (.%(ext)s). Save it again as %(types)s and retry.", ext=ext, types=ALLOWED_LABEL))
        os.replace(tmp, folder / key)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    log.info("stored upload %s (%s bytes, .%s)", key, size, ext)
    return StoredFile(key=key, name=clean_name(filename, ext), size=size, content_type=ALLOWED[ext])


def too_large_message() -> str:
    from flask_babel import format_decimal

    return _("The file is too large. The limit is %(mb)s MB.", mb=format_decimal(max_bytes() / (1024 * 1024), format="#,##0.#"))


def delete(key: str | None) -> None:
    if not key:
        return
    try:
        path_for(key).unlink(missing_ok=True)
    except (ValueError, OSError):
        log.warning("could not delete upload %s", key, exc_info=True)
