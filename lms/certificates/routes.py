"""Certificate views: the learner's certificates and downloads, public verification, and the
administrators' list, revocation, re-issue, course issuing and Open Badges issuer profile."""
from __future__ import annotations

from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.db import begin_write
from lms.access import access
from lms.auth.forms import ConfirmForm
from lms.certificates import bp, services
from lms.certificates import cli as _cli  # noqa: F401  (adds "flask lms certificates")
from lms.certificates.forms import IssuerForm, NameDisplayForm, RevokeForm, SearchForm
from lms.errors import user_error
from lms.security import limiter


def _verify_limit() -> str:
    return current_app.config["LMS_VERIFY_RATE_LIMIT"]


def _me():
    return current_user._get_current_object()


def _mine_or_404(cert_id: str):
    cert = services.certificate_for_viewer(cert_id, _me())
    if cert is None:
        abort(404)
    return cert


def _downloadable(cert_id: str):
    """The viewer's certificate (else 404), still valid (else 410): what the downloads serve."""
    cert = _mine_or_404(cert_id)
    if cert.status != "valid":
        raise user_error(410, _("This certificate is no longer valid, so it cannot be downloaded."))
    return cert


def _fail(exc: services.CertificateError):
    return user_error(exc.status, str(exc))


# -- learners --------------------------------------------------------------------------------

@bp.route("/certificates/")
@access("learner")
def mine():
    """My certificates: download, Open Badge, verification link and how my name is shown."""
    begin_write()  # a GET that may issue an earned certificate
    services.ensure_certificates(_me())
    certs = services.my_certificates(_me())
    return render_template("lms/certificates/mine.html", certs=certs, form=NameDisplayForm(), services=services)


@bp.route("/certificates/course/<course_id>")
@access("learner")
def for_course(course_id: str):
    """The dashboard's link: the PDF of my certificate for a course (issued now if earned)."""
    cdef = services.catalog().course(course_id)
    begin_write()  # a GET that may issue an earned certificate
    cert = services.issue_certificate(_me(), cdef) if cdef is not None else None
    if cert is None:
        raise user_error(404, _("There is no certificate for this course yet. Complete the course to earn it."))
    return redirect(url_for("lms.certificates.pdf", cert_id=cert.id))


@bp.route("/certificates/<cert_id>.pdf")
@access("learner")
def pdf(cert_id: str):
    """The certificate as PDF, in the holder's language (rendered on first download, then cached)."""
    from lms.certificates import pdf as pdfs

    cert = _downloadable(cert_id)
    me = _me()
    lang = pdfs.pdf_language(cert, me.locale if cert.user_id == me.id else None)
    data = pdfs.pdf_bytes(cert, lang)
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="certificate-{cert.course_id}.pdf"',
        "Cache-Control": "private, max-age=3600",
    })


@bp.route("/certificates/<cert_id>/badge.json")
@access("learner")
def badge(cert_id: str):
    """The certificate as an Open Badges 3.0 credential, for a digital wallet."""
    from lms.certificates.badge import credential

    cert = _downloadable(cert_id)
    resp = jsonify(credential(cert))
    resp.headers["Content-Disposition"] = f'attachment; filename="badge-{cert.course_id}.json"'
    return resp


@bp.route("/certificates/<cert_id>/badge.jwt")
@access("learner")
def badge_jwt(cert_id: str):
    """The Open Badges 3.0 credential signed by the issuer (VC-JWT), for wallets and verifiers."""
    from lms.certificates.badge import credential
    from lms.certificates.signing import sign

    cert = _downloadable(cert_id)
    return Response(sign(credential(cert)), mimetype="application/jwt", headers={
        "Content-Disposition": f'attachment; filename="badge-{cert.course_id}.jwt"',
    })


@bp.route("/certificates/issuer/key.json")
@access("public")
def issuer_key():
    """The issuer's public key (JWK): the ``kid`` of every signed badge points here."""
    from lms.certificates.signing import public_jwk

    resp = jsonify(public_jwk())
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp


@bp.route("/certificates/<cert_id>/display", methods=["POST"])
@access("learner")
def set_display(cert_id: str):
    """Choose whether the public verification page shows my full name or my initials."""
    cert = services.get_certificate(cert_id)
    if cert is None or cert.user_id != _me().id:
        abort(404)
    form = NameDisplayForm()
    if not form.validate_on_submit():
        raise user_error(400, _("Choose how your name is shown."))
    services.set_name_display(_me(), cert.id, form.name_display.data)
    flash(_("Saved."), "success")
    return redirect(url_for("lms.certificates.mine"))


# -- public verification ---------------------------------------------------------------------

@bp.route("/verify/<cert_id>")
@access("public")
@limiter.shared_limit(_verify_limit, scope="lms-certificate-verify")
def verify(cert_id: str):
    """Anyone can check a certificate: valid or not, for what, when and whom."""
    result = services.verify(cert_id)
    if result is None:
        raise user_error(404, _("There is no certificate with this ID. Check that it was typed exactly as printed."))
    return render_template(
        "lms/certificates/verify.html", v=result, cert=result.cert, services=services,
        holder=services.shown_name(result.cert),
    )


@bp.route("/verify/<cert_id>.json")
@access("public")
@limiter.shared_limit(_verify_limit, scope="lms-certificate-verify")
def verify_json(cert_id: str):
    """The verification as JSON, for machines (no e-mail or other personal data)."""
    result = services.verify(cert_id)
    if result is None:
        return jsonify(error="not found", status=404), 404
    resp = jsonify(services.verification_json(result))
    resp.headers["Access-Control-Allow-Origin"] = "*"  # any site may check a certificate
    return resp


# -- administrators --------------------------------------------------------------------------

@bp.route("/certificates/admin")
@access("admin")
def admin_list():
    """Find certificates by holder, course or id; revoke or re-issue them."""
    form = SearchForm(formdata=request.args)
    form.validate()
    q = (form.q.data or "")[:100]
    status = form.status.data if form.status.data in ("valid", "revoked", "superseded", "withdrawn") else ""
    certs = services.search_certificates(q, status)
    courses = sorted(services.catalog().courses.values(), key=lambda c: c.id)
    return render_template(
        "lms/certificates/admin.html", certs=certs, form=form, q=q, services=services,
        revoke_form=RevokeForm(), confirm=ConfirmForm(), courses=courses,
    )


@bp.route("/certificates/admin/<cert_id>/revoke", methods=["POST"])
@access("admin")
def admin_revoke(cert_id: str):
    if services.get_certificate(cert_id) is None:
        abort(404)
    form = RevokeForm()
    if not form.validate_on_submit():
        raise user_error(400, _("Give a reason for the revocation."))
    if services.revoke(_me(), cert_id, form.reason.data):
        flash(_("The certificate is revoked."), "success")
    else:
        flash(_("This certificate was already revoked or replaced."), "info")
    return redirect(url_for("lms.certificates.admin_list", q=cert_id))


@bp.route("/certificates/admin/<cert_id>/reissue", methods=["POST"])
@access("admin")
def admin_reissue(cert_id: str):
    """Re-issue with the holder's current name (e.g. after a change of name)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        new = services.reissue(_me(), cert_id)
    except services.CertificateError as exc:
        raise _fail(exc) from exc
    flash(_("A new certificate is issued; the old one shows as re-issued."), "success")
    return redirect(url_for("lms.certificates.admin_list", q=new.id))


@bp.route("/certificates/admin/course/<course_id>", methods=["GET", "POST"])
@access("admin")
def admin_course(course_id: str):
    """A course's learners with completion and certificate; issue for all who completed."""
    cdef = services.catalog().course(course_id)
    if cdef is None:
        abort(404)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        result = services.issue_for_users(course_id, services.completed_user_ids(course_id), issued_by=_me())
        flash(_("Certificates issued: %(issued)s. Already issued: %(existing)s.",
                issued=len(result.issued), existing=len(result.existing)), "success")
        return redirect(url_for("lms.certificates.admin_course", course_id=course_id))
    from lms.i18n import current_lang

    return render_template(
        "lms/certificates/admin_course.html", course=cdef, title=services.course_title(cdef, current_lang()),
        rows=services.course_overview(course_id), form=form, services=services,
    )


@bp.route("/certificates/admin/issuer", methods=["GET", "POST"])
@access("admin")
def admin_issuer():
    """The Open Badges issuer profile: name, web address, e-mail and description."""
    form = IssuerForm()
    if request.method == "GET":
        profile = services.issuer_profile()
        form.name.data, form.url.data = profile.name, profile.url
        form.email.data, form.description.data = profile.email, profile.description
    elif form.validate_on_submit():
        services.save_issuer_profile(_me(), form.name.data, form.url.data or "", form.email.data or "", form.description.data or "")
        flash(_("The issuer profile is saved. New certificates use it."), "success")
        return redirect(url_for("lms.certificates.admin_issuer"))
    status = 400 if request.method == "POST" else 200
    return render_template("lms/certificates/issuer.html", form=form), status
