"""A certificate as an Open Badges 3.0 credential (a W3C Verifiable Credential, JSON-LD).

``badge.json`` is the plain credential, verified by the issuer's hosted verification page (its
``id``); ``badge.jwt`` is the same credential signed as a VC-JWT (lms.certificates.signing),
which any Open Badges verifier can check with the issuer's public key (docs/certificates.md).
"""
from __future__ import annotations

import uuid
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from lms.certificates import services
from lms.models import Certificate

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def issuer_json() -> dict[str, Any]:
    profile = services.issuer_profile()
    home = profile.url or services.absolute_url("lms.core.home")
    out: dict[str, Any] = {"id": home, "type": ["Profile"], "name": profile.name, "url": home}
    if profile.email:
        out["email"] = profile.email
    if profile.description:
        out["description"] = profile.description
    return out


def _criteria(cert: Certificate) -> str:
    cdef = services.catalog().course(cert.course_id)
    if cdef is not None and cdef.required_quizzes():
        return _("Completed every required lesson of the course and passed its quizzes with at least %(mark)s %%.",
                 mark=int(cdef.pass_mark))
    return _("Completed every required lesson of the course.")


def credential(cert: Certificate) -> dict[str, Any]:
    """The OpenBadgeCredential for a certificate, in the language it was issued in."""
    cdef = services.catalog().course(cert.course_id)
    with force_locale(cert.lang):
        if cdef is not None:
            description = cdef.summary(cert.lang)
            achievement_id = services.absolute_url("lms.catalogue.course", slug=cdef.slug)
        else:
            description = cert.course_title
            achievement_id = services.verify_url(cert.id) + "#achievement"
        achievement = {
            "id": achievement_id,
            "type": ["Achievement"],
            "achievementType": "CertificateOfCompletion",
            "name": cert.course_title,
            "description": description,
            "criteria": {"narrative": _criteria(cert)},
            "inLanguage": cert.lang,
        }
        subject: dict[str, Any] = {
            # A stable identifier of this award's holder that says nothing about them (the VC-JWT
            # needs one as its ``sub``).
            "id": "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, services.verify_url(cert.id) + "#holder")),
            "type": ["AchievementSubject"],
            # The holder is named, not identified by e-mail: the learner hands this file on.
            "identifier": [{
                "type": "IdentityObject", "identityType": "name", "hashed": False,
                "identityHash": cert.holder_name,
            }],
            "achievement": achievement,
        }
        return {
            "@context": list(CONTEXT),
            "id": services.verify_url(cert.id),
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": _("Certificate of completion") + ": " + cert.course_title,
            "issuer": issuer_json(),
            "validFrom": services.iso_utc(cert.issued_at),
            "awardedDate": services.iso_utc(cert.issued_at),
            "credentialSubject": subject,
        }
