"""Open Badges 3.0 credentials with a proof: the VC-JWT format (OB 3.0, "JSON Web Token Proof").

A badge downloaded as ``badge.jwt`` is a compact JWS signed with RS256 (the algorithm every OB
3.0 verifier must support). Its payload is the OpenBadgeCredential with the JWT claims ``iss``
(issuer.id), ``jti`` (id), ``nbf`` (validFrom) and ``sub`` (credentialSubject.id); its header's
``kid`` is the URL of the issuer's public key as a JWK, served at /certificates/issuer/key.json.

The private key comes from ``LMS_BADGE_KEY`` (PEM), else ``LMS_BADGE_KEY_FILE``, else it is
made once in ``<instance>/badge-signing-key.pem`` (readable by the owner only). Deployments
with several hosts must configure one key for all of them.
"""
from __future__ import annotations

import os
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from joserfc import jwt
from joserfc.jwk import RSAKey

from lms.certificates import services
from lms.extension import state

_lock = threading.Lock()


def _key_path() -> Path:
    return Path(current_app.config.get("LMS_BADGE_KEY_FILE") or Path(current_app.instance_path) / "badge-signing-key.pem")


def _load_or_create(path: Path) -> bytes:
    """The PEM at ``path``; made here if absent. O_EXCL: of two processes starting at once, one
    writes the key and the other reads it."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    pem = RSAKey.generate_key(2048, private=True).as_pem(private=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return pem


def signing_key() -> RSAKey:
    extra = state().extra
    key = extra.get("badge_key")
    if key is None:
        with _lock:
            key = extra.get("badge_key")
            if key is None:
                configured = current_app.config.get("LMS_BADGE_KEY")
                pem = configured.encode() if configured else _load_or_create(_key_path())
                key = extra["badge_key"] = RSAKey.import_key(pem)
    return key


def key_url() -> str:
    return services.absolute_url("lms.certificates.issuer_key")


def public_jwk() -> dict[str, Any]:
    """The issuer's public key as a JWK (never the private parts)."""
    public = signing_key().as_dict(private=False)
    return {"kty": public["kty"], "n": public["n"], "e": public["e"], "alg": "RS256", "use": "sig", "kid": key_url()}


def _numeric_date(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def sign(credential: dict[str, Any]) -> str:
    """The credential as a compact JWS (VC-JWT)."""
    claims = {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "nbf": _numeric_date(credential["validFrom"]),
        "sub": credential["credentialSubject"]["id"],
    }
    if "validUntil" in credential:
        claims["exp"] = _numeric_date(credential["validUntil"])
    return jwt.encode({"alg": "RS256", "kid": key_url(), "typ": "JWT"}, claims, signing_key())
