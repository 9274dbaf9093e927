"""Session times in the group's own time zone.

A cohort meets somewhere: its sessions are entered and shown in the local time of the cohort's
country (Riga time for a Latvian group, Nuuk time for a Greenlandic one) and stored in UTC. A
cohort without a country uses UTC. Greenland has several zones; West Greenland (Nuuk), where most
people live, is the default.
"""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_location
from flask_babel import format_datetime, get_locale

from lms.db import aware

COUNTRY_ZONES = {
    "DK": "Europe/Copenhagen", "EE": "Europe/Tallinn", "FI": "Europe/Helsinki", "GL": "America/Nuuk",
    "IS": "Atlantic/Reykjavik", "LT": "Europe/Vilnius", "LV": "Europe/Riga", "NO": "Europe/Oslo",
    "SE": "Europe/Stockholm",
}


def zone_for(country: str | None) -> ZoneInfo:
    return ZoneInfo(COUNTRY_ZONES.get((country or "").upper(), "UTC"))


def to_utc(local: datetime, country: str | None) -> datetime:
    """A time typed into the session form (no zone: the group's local time) as UTC."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=zone_for(country))
    return local.astimezone(timezone.utc)


def to_local(stored: datetime, country: str | None) -> datetime:
    """A stored time as the naive local time the session form shows for editing."""
    return aware(stored).astimezone(zone_for(country)).replace(tzinfo=None)


def zone_label(country: str | None) -> str:
    """The zone's city in the reader's language ("Rīga", "Nuuk"), or UTC."""
    zone = zone_for(country)
    if zone.key == "UTC":
        return "UTC"
    return get_timezone_location(zone, locale=get_locale() or "en", return_city=True)


def session_time(stored: datetime, country: str | None) -> str:
    """Date and time in the group's local time, with the place: "3.2.2026 09:00 (Rīga)"."""
    local = aware(stored).astimezone(zone_for(country))
    return f"{format_datetime(local, 'short', rebase=False)} ({zone_label(country)})"
