"""Configuration defaults for the LMS extension (every key is prefixed ``LMS_``)."""
from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

LANGUAGES: dict[str, str] = {
    "en": "English",
    "nb": "Norsk bokmål",
    "sv": "Svenska",
    "da": "Dansk",
    "is": "Íslenska",
    "lv": "Latviešu",
    "lt": "Lietuvių",
    "et": "Eesti",
    "kl": "Kalaallisut",
}

DEFAULTS: dict[str, object] = {
    # Where content lives; relative paths resolve against the project root.
    "LMS_COURSES_DIR": str(PROJECT_ROOT / "courses"),
    "LMS_QUIZZES_DIR": str(PROJECT_ROOT / "quizzes"),
    "LMS_TRANSLATIONS_DIR": str(PROJECT_ROOT / "translations"),
    "LMS_LANGUAGES": list(LANGUAGES),
    "LMS_DEFAULT_LANGUAGE": "en",
    # Nearest available language for content that lacks a translation.
    "LMS_FALLBACK_CHAINS": {
        "kl": ["da", "en"],
        "nb": ["da", "sv", "en"],
        "da": ["nb", "sv", "en"],
        "sv": ["nb", "da", "en"],
        "is": ["da", "en"],
    },
    "LMS_STRICT_CONTENT": False,
    "LMS_LOAD_CONTENT_ON_START": True,
    "LMS_LOGIN_RATE_LIMIT": "10 per minute",
    "LMS_RATELIMIT_STORAGE_URI": "memory://",
    "LMS_MAIL_BACKEND": "file",  # file | smtp | memory
    "LMS_MAIL_FROM": "no-reply@localhost",
    "LMS_SMTP_HOST": "localhost",
    "LMS_SMTP_PORT": 25,
    "LMS_SMTP_USER": None,
    "LMS_SMTP_PASSWORD": None,
    "LMS_SMTP_TLS": False,
    "LMS_RESET_TOKEN_MAX_AGE": 3600,
    "LMS_SITE_NAME": "Co-in-Co Learning",
    "LMS_ORGANISATION": "Co-in-Co partnership",
    # Certificates (docs/certificates.md).
    "LMS_BASE_URL": None,  # scheme and host for links in PDFs and badges; else from the request
    "LMS_CERT_ORGANISATION": "Co-in-Co partnership",
    "LMS_CERT_SIGNATORY_NAME": "",
    "LMS_CERT_SIGNATORY_TITLE": "",
    "LMS_CERT_SIGNING_KEY": None,  # else derived from SECRET_KEY
    "LMS_CERT_FONT_DIR": "/usr/share/fonts/truetype/noto",  # Debian fonts-noto-core
    "LMS_CERT_CACHE_DIR": None,  # else <instance>/certificates
    "LMS_VERIFY_RATE_LIMIT": "30 per minute",
    # RSA private key (PEM) that signs Open Badges as VC-JWT; else LMS_BADGE_KEY_FILE, else a key
    # made once in <instance>/badge-signing-key.pem (several hosts must share one key: set it).
    "LMS_BADGE_KEY": None,
    "LMS_BADGE_KEY_FILE": None,
    # Exercise uploads: the largest file a learner may submit, and where files are kept
    # (None: <instance>/uploads, outside the web root).
    "LMS_UPLOAD_MAX_BYTES": 5 * 1024 * 1024,
    "LMS_UPLOAD_DIR": None,
}

# Environment variables read by the standalone app (see README "Configuration").
ENV_KEYS: dict[str, str] = {
    "LMS_DATABASE_URL": "str",
    "LMS_SECRET_KEY": "str",
    "LMS_STRICT_CONTENT": "bool",
    "LMS_RATELIMIT_STORAGE_URI": "str",
    "LMS_LOGIN_RATE_LIMIT": "str",
    "LMS_MAIL_BACKEND": "str",
    "LMS_MAIL_FROM": "str",
    "LMS_SMTP_HOST": "str",
    "LMS_SMTP_PORT": "int",
    "LMS_SMTP_USER": "str",
    "LMS_SMTP_PASSWORD": "str",
    "LMS_SMTP_TLS": "bool",
    "LMS_SECURE_COOKIES": "bool",
    "LMS_COURSES_DIR": "str",
    "LMS_QUIZZES_DIR": "str",
    "LMS_SITE_NAME": "str",
    "LMS_ORGANISATION": "str",
    "LMS_BASE_URL": "str",
    "LMS_CERT_ORGANISATION": "str",
    "LMS_CERT_SIGNATORY_NAME": "str",
    "LMS_CERT_SIGNATORY_TITLE": "str",
    "LMS_CERT_SIGNING_KEY": "str",
    "LMS_CERT_FONT_DIR": "str",
    "LMS_CERT_CACHE_DIR": "str",
    "LMS_VERIFY_RATE_LIMIT": "str",
    "LMS_BADGE_KEY": "str",
    "LMS_BADGE_KEY_FILE": "str",
    "LMS_UPLOAD_MAX_BYTES": "int",
    "LMS_UPLOAD_DIR": "str",
}


def env_config(environ) -> dict[str, object]:
    """Read the ``LMS_*`` settings present in ``environ`` with their types."""
    out: dict[str, object] = {}
    for key, kind in ENV_KEYS.items():
        if key not in environ:
            continue
        raw = environ[key]
        if kind == "bool":
            out[key] = raw.strip().lower() in {"1", "true", "yes", "on"}
        elif kind == "int":
            out[key] = int(raw)
        else:
            out[key] = raw
    return out
