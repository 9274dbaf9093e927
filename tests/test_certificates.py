"""Certificates: issued once on completion, PDF in the learner's language, public verification,
Open Badges 3.0, administration, tamper evidence and privacy.

The badge is validated against tests/data/open_badges_3_credential.schema.json, written for this
project from the Open Badges 3.0 specification. When the published 1EdTech schema is provided in
../shared/schemas/ob_v3p0_achievementcredential_schema.json (or named by LMS_OB3_SCHEMA), it is
used instead.
"""
from __future__ import annotations

import base64
import io
import os
import re
import json
from pathlib import Path
import uuid
from datetime import datetime, timedelta

import pytest
from babel.dates import format_date as babel_format_date
from sqlalchemy import func, select, update

from lms import create_app, db
from lms.db import Base, utcnow
from lms.models import Certificate, Enrolment, User
from tests.conftest import DATA, make_config

# Letters of every partner language: Danish/Norwegian, Estonian, Latvian, Lithuanian,
# Icelandic and (old orthography) Greenlandic.
HOLDER = "Ærø Åsa Øye Õie Äär Ööbik Ülle Āčēģīķļņšūž Ąčęėįšųūž Ðóra Þór Kâlêĸ"
NB_TITLE = "Demokurs for æøå og ÆØÅ"
# LMS_OB3_SCHEMA may name the published schema file anywhere (e.g. a downloaded copy).
_PUBLISHED = Path(os.environ.get("LMS_OB3_SCHEMA") or Path(__file__).resolve().parents[2] / "shared" / "schemas" / "ob_v3p0_achievementcredential_schema.json")
SCHEMA = json.loads((_PUBLISHED if _PUBLISHED.is_file() else DATA / "open_badges_3_credential.schema.json").read_text(encoding="utf-8"))


@pytest.fixture
def content_dirs(content_dirs):
    """The test course with Norwegian letters in its Norwegian title."""
    courses, quizzes = content_dirs
    nb = courses / "demo-course" / "nb" / "_course.yaml"
    nb.write_text(nb.read_text(encoding="utf-8").replace("title: Demokurs", f"title: {NB_TITLE}"), encoding="utf-8")
    return courses, quizzes


@pytest.fixture(scope="module")
def password_hash() -> str:
    from lms.auth.services import hash_password
    from tests.conftest import PASSWORD

    return hash_password(PASSWORD)


@pytest.fixture
def make_user(app, password_hash):
    """Users that share one password hash: scrypt costs 0.2 s per user, and these tests make many."""
    def factory(role: str = "learner", name: str = "Test Learner", locale: str = "en") -> User:
        with app.app_context():
            user = User(email=f"cert-{uuid.uuid4().hex[:12]}@example.org", password_hash=password_hash,
                        display_name=name, locale=locale, role=role)
            db.session().add(user)
            db.session().commit()
            return user

    return factory


@pytest.fixture
def login():
    """Sign a test client in through its session (the password check is tested in test_auth)."""
    def do(client, user: User) -> None:
        with client.session_transaction() as sess:
            sess["_user_id"] = user.get_id()
            sess["_fresh"] = True

    return do


@pytest.fixture
def app_config(db_url, content_dirs, tmp_path):
    return make_config(db_url, *content_dirs, LMS_CERT_CACHE_DIR=str(tmp_path / "certificates"),
                       LMS_BADGE_KEY_FILE=str(tmp_path / "badge-key.pem"),
                       LMS_CERT_SIGNATORY_NAME="Kirsten Ølgaard", LMS_CERT_SIGNATORY_TITLE="Project coordinator")


def _complete(app, user, course_id: str = "demo-course") -> Certificate:
    """Record a completed enrolment and issue, as update_completion does."""
    from lms.catalogue.services import catalog
    from lms.certificates.services import issue_certificate

    with app.app_context():
        sess = db.session()
        sess.add(Enrolment(user_id=user.id, course_id=course_id, enrolled_at=utcnow() - timedelta(days=3),
                           completed_at=utcnow()))
        sess.commit()
        return issue_certificate(sess.get(User, user.id), catalog().course(course_id))


def _cert(app, cert_id: str) -> Certificate:
    with app.app_context():
        return db.session().get(Certificate, cert_id)


def _count(app, **where) -> int:
    with app.app_context():
        stmt = select(func.count()).select_from(Certificate)
        for k, v in where.items():
            stmt = stmt.where(getattr(Certificate, k) == v)
        return db.session().scalar(stmt)


def _pdf_text(data: bytes) -> tuple[str, object]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split()), reader


def _fonts(reader) -> list:
    fonts = []
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            if font.get("/Subtype") == "/Type0":
                font = font["/DescendantFonts"][0].get_object()
            fonts.append(font)
    return fonts


# -- issuing ---------------------------------------------------------------------------------

def test_completing_the_course_issues_one_certificate_with_a_random_id(learner_client, app, learner):
    from tests.test_learning import _pass_quiz

    learner_client.post("/courses/demo-course/enrol")
    for key in ("intro", "details", "wrap-up"):
        learner_client.post(f"/learn/demo-course/{key}/complete")
    assert _count(app) == 0
    resp, _ = _pass_quiz(learner_client, app)
    assert resp.status_code == 302
    assert _count(app, user_id=learner.id) == 1
    learner_client.post("/learn/demo-course/wrap-up/complete")  # completing again changes nothing
    _pass_quiz(learner_client, app)
    assert _count(app, user_id=learner.id) == 1
    with app.app_context():
        cert = db.session().scalar(select(Certificate))
    assert cert.status == "valid" and cert.holder_name == learner.display_name
    assert cert.course_title == "Demo course" and cert.study_minutes == 30
    assert cert.organisation and cert.signatory_name == "Kirsten Ølgaard"
    assert len(base64.urlsafe_b64decode(cert.id + "=" * (-len(cert.id) % 4))) * 8 >= 128
    assert str(learner.id) not in cert.id.split("-") and "demo" not in cert.id.lower()
    html = learner_client.get("/learn/").get_data(as_text=True)
    assert "/certificates/course/demo-course" in html


def test_certificate_ids_carry_at_least_128_random_bits_and_never_repeat():
    from lms.certificates.services import ID_BYTES, ID_RE, new_certificate_id

    ids = {new_certificate_id() for _ in range(2000)}
    assert len(ids) == 2000 and ID_BYTES * 8 >= 128
    assert all(ID_RE.match(i) and len(base64.urlsafe_b64decode(i + "=" * (-len(i) % 4))) >= 16 for i in ids)


def test_concurrent_completions_issue_exactly_one_certificate(app, learner, login):
    from tests.test_learning import _pass_quiz
    from tests.test_quiz import _race

    clients = [app.test_client() for _ in range(6)]
    for c in clients:
        login(c, learner)
    main = clients[0]
    main.post("/courses/demo-course/enrol")
    for key in ("intro", "details"):
        main.post(f"/learn/demo-course/{key}/complete")
    _pass_quiz(main, app)
    assert _count(app) == 0
    codes = _race(clients, lambda c: c.post("/learn/demo-course/wrap-up/complete").status_code)
    assert codes == [302] * 6
    assert _count(app, user_id=learner.id) == 1
    # Direct, repeated issuing is idempotent too.
    from lms.catalogue.services import catalog
    from lms.certificates.services import issue_certificate

    with app.app_context():
        ids = {issue_certificate(db.session().get(User, learner.id), catalog().course("demo-course")).id for _ in range(3)}
    assert len(ids) == 1


def test_no_certificate_before_the_course_is_completed(learner_client, app, learner):
    learner_client.post("/courses/demo-course/enrol")
    resp = learner_client.get("/certificates/course/demo-course")
    assert resp.status_code == 404 and "Complete the course" in resp.get_data(as_text=True)
    assert _count(app) == 0


# -- the PDF ---------------------------------------------------------------------------------

@pytest.mark.parametrize("lang, title", [("nb", NB_TITLE), ("lv", "Demo course"), ("kl", "Demo course")])
def test_pdf_is_a4_landscape_in_the_learners_language_with_embedded_fonts(make_user, login, client, app, lang, title):
    learner = make_user(name=HOLDER, locale=lang)
    cert = _complete(app, learner)
    login(client, learner)
    resp = client.get(f"/certificates/{cert.id}.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text, reader = _pdf_text(resp.data)
    for word in HOLDER.split():
        assert word in text, word
    assert title in text and cert.id in text
    assert babel_format_date(cert.completed_on, "long", locale=lang) in text
    assert "Kirsten Ølgaard" in text
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 841.9) < 2 and abs(float(box.height) - 595.3) < 2
    fonts = _fonts(reader)
    assert fonts
    for font in fonts:
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, font.get("/BaseFont")
    assert str(reader.metadata.creation_date.date()) == cert.issued_at.date().isoformat()


def test_a_second_download_is_the_same_file_from_the_cache(make_user, login, client, app, tmp_path):
    learner = make_user(locale="nb")
    cert = _complete(app, learner)
    login(client, learner)
    first = client.get(f"/certificates/{cert.id}.pdf").data
    cached = list((tmp_path / "certificates").glob(f"{cert.id}-nb-*.pdf"))
    assert len(cached) == 1 and cached[0].read_bytes() == first
    assert client.get(f"/certificates/{cert.id}.pdf").data == first
    # Rendering again (cache lost) gives the same content: text, pages and fonts. Not always
    # the same bytes: WeasyPrint's first render in a process can subset a font differently.
    cached[0].unlink()
    again = client.get(f"/certificates/{cert.id}.pdf").data
    (text1, reader1), (text2, reader2) = _pdf_text(first), _pdf_text(again)
    assert text2 == text1 and cert.id in text2
    assert len(reader2.pages) == len(reader1.pages) == 1
    assert sorted(_font_names(reader2)) == sorted(_font_names(reader1))


def _font_names(reader) -> list[str]:
    """Embedded fonts without the random-looking subset prefix (ABCDEF+NotoSans-Regular)."""
    return [str(f.get("/BaseFont")).split("+")[-1] for f in _fonts(reader)]


def test_the_dashboard_link_leads_to_the_pdf(make_user, login, client, app):
    learner = make_user()
    cert = _complete(app, learner)
    login(client, learner)
    resp = client.get("/certificates/course/demo-course")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/certificates/{cert.id}.pdf")


def test_a_learner_cannot_download_someone_elses_certificate(make_user, login, client, app):
    owner, other = make_user(), make_user()
    cert = _complete(app, owner)
    login(client, other)
    assert client.get(f"/certificates/{cert.id}.pdf").status_code == 404
    assert client.get(f"/certificates/{cert.id}/badge.json").status_code == 404
    assert client.post(f"/certificates/{cert.id}/display", data={"name_display": "initials"}).status_code == 404


def test_my_certificates_lists_and_backfills_earned_certificates(make_user, login, client, app):
    learner = make_user()
    with app.app_context():  # completed before certificates existed: no certificate yet
        db.session().add(Enrolment(user_id=learner.id, course_id="demo-course", completed_at=utcnow()))
        db.session().commit()
    login(client, learner)
    html = client.get("/certificates/").get_data(as_text=True)
    assert _count(app, user_id=learner.id) == 1
    assert "Demo course" in html and "Download PDF" in html and "/verify/" in html


def test_render_pending_prerenders_pdfs_without_a_request(make_user, app, runner, tmp_path):
    _complete(app, make_user())
    assert runner.invoke(args=["lms", "certificates", "render-pending"]).exit_code != 0  # needs LMS_BASE_URL
    app.config["LMS_BASE_URL"] = "https://learn.example.org"
    result = runner.invoke(args=["lms", "certificates", "render-pending"])
    assert result.exit_code == 0, result.output
    assert "rendered 1 PDF(s)" in result.output
    assert len(list((tmp_path / "certificates").glob("*.pdf"))) == 1
    again = runner.invoke(args=["lms", "certificates", "render-pending"])
    assert "rendered 0 PDF(s); 1 were ready" in again.output


# -- public verification ---------------------------------------------------------------------

def test_verify_page_shows_a_valid_certificate_and_no_email(make_user, client, app):
    learner = make_user(name=HOLDER)
    cert = _complete(app, learner)
    html = client.get(f"/verify/{cert.id}").get_data(as_text=True)
    assert "This certificate is valid." in html and HOLDER in html and "Demo course" in html
    assert learner.email not in html
    resp = client.get(f"/verify/{cert.id}.json")
    data = resp.get_json()
    assert resp.status_code == 200 and data["status"] == "valid" and data["valid"] is True
    assert data["holder"] == HOLDER and data["course"]["title"] == "Demo course"
    assert data["completed_on"] == cert.completed_on.isoformat() and data["study_minutes"] == 30
    raw = resp.get_data(as_text=True)
    assert learner.email not in raw and "@" not in raw and "user_id" not in raw


def test_the_holder_may_show_only_initials(make_user, login, client, app):
    learner = make_user(name="Aputsiaq Ōlsen-Hansen")
    cert = _complete(app, learner)
    login(client, learner)
    resp = client.post(f"/certificates/{cert.id}/display", data={"name_display": "initials"})
    assert resp.status_code == 302
    client.post("/account/logout")
    html = client.get(f"/verify/{cert.id}").get_data(as_text=True)
    assert "A. Ō.-H." in html and "Aputsiaq" not in html
    assert client.get(f"/verify/{cert.id}.json").get_json()["holder"] == "A. Ō.-H."


def test_certificate_forms_work_with_csrf_protection(db_url, content_dirs, tmp_path, password_hash):
    from tests.conftest import PASSWORD, csrf_from

    strict = create_app(make_config(db_url, *content_dirs, WTF_CSRF_ENABLED=True,
                                    LMS_CERT_CACHE_DIR=str(tmp_path / "c")))
    Base.metadata.create_all(strict.extensions["lms"].engine)
    with strict.app_context():
        from lms.content.sync import sync_catalog

        sync_catalog(db.session(), strict.extensions["lms"].content)
        learner = User(email="csrf-learner@example.org", password_hash=password_hash, display_name="Hanne Ås")
        admin = User(email="csrf-admin@example.org", password_hash=password_hash, display_name="Admin", role="admin")
        db.session().add_all([learner, admin])
        db.session().commit()
    cert = _complete(strict, learner)
    c = strict.test_client()

    def login(user):
        token = csrf_from(c.get("/account/login").get_data(as_text=True))
        assert c.post("/account/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}).status_code == 302

    login(learner)
    page = c.get("/certificates/").get_data(as_text=True)
    assert c.post(f"/certificates/{cert.id}/display", data={"name_display": "initials"}).status_code == 400
    resp = c.post(f"/certificates/{cert.id}/display", data={"name_display": "initials", "csrf_token": csrf_from(page)})
    assert resp.status_code == 302 and _cert(strict, cert.id).name_display == "initials"
    c.post("/account/logout", data={"csrf_token": csrf_from(page)})
    login(admin)
    page = c.get("/certificates/admin").get_data(as_text=True)
    resp = c.post(f"/certificates/admin/{cert.id}/revoke", data={"reason": "Test", "csrf_token": csrf_from(page)})
    assert resp.status_code == 302 and _cert(strict, cert.id).status == "revoked"
    strict.extensions["lms"].engine.dispose()


def test_a_revoked_certificate_shows_the_reason(make_user, login, client, app):
    cert = _complete(app, make_user())
    login(client, make_user(role="admin"))
    assert client.post(f"/certificates/admin/{cert.id}/revoke", data={"reason": " "}).status_code == 400
    assert _cert(app, cert.id).status == "valid"
    for _ in range(2):  # a double submit revokes once
        resp = client.post(f"/certificates/admin/{cert.id}/revoke", data={"reason": "Issued by mistake"})
        assert resp.status_code == 302
    assert _cert(app, cert.id).status == "revoked"
    client.post("/account/logout")
    html = client.get(f"/verify/{cert.id}").get_data(as_text=True)
    assert "no longer valid" in html and "Issued by mistake" in html
    data = client.get(f"/verify/{cert.id}.json").get_json()
    assert data["status"] == "revoked" and data["valid"] is False and data["reason"] == "Issued by mistake"


def test_a_tampered_record_verifies_as_invalid(make_user, client, app):
    cert = _complete(app, make_user())
    for field, value in (("holder_name", "Someone Else"), ("course_title", "Advanced course"), ("study_minutes", 6000)):
        with app.app_context():
            original = getattr(db.session().get(Certificate, cert.id), field)
            db.session().execute(update(Certificate).where(Certificate.id == cert.id).values(**{field: value}))
            db.session().commit()
        html = client.get(f"/verify/{cert.id}").get_data(as_text=True)
        assert "not valid" in html and str(value) not in html, field
        data = client.get(f"/verify/{cert.id}.json").get_json()
        assert data["status"] == "invalid" and data["valid"] is False and "holder" not in data
        with app.app_context():
            db.session().execute(update(Certificate).where(Certificate.id == cert.id).values(**{field: original}))
            db.session().commit()
        assert client.get(f"/verify/{cert.id}.json").get_json()["status"] == "valid"


def test_unknown_and_nearly_matching_ids_are_404(make_user, client, app):
    cert = _complete(app, make_user())
    near = cert.id[:-1] + ("A" if cert.id[-1] != "A" else "B")
    bodies = set()
    for bad in (near, cert.id.lower() if cert.id.lower() != cert.id else cert.id.upper(), "x" * 32, "short", "not+an~id"):
        resp = client.get(f"/verify/{bad}")
        assert resp.status_code == 404, bad
        # the CSRF token (in the language form) carries a timestamp: not part of the comparison
        bodies.add(re.sub(r'name="csrf_token" value="[^"]*"', "", resp.get_data(as_text=True).replace(bad, "")))
        assert client.get(f"/verify/{bad}.json").status_code == 404
    assert len(bodies) == 1  # nothing tells a near miss from a wild guess


def test_verification_is_rate_limited(db_url, content_dirs, tmp_path):
    app = create_app(make_config(db_url, *content_dirs, LMS_VERIFY_RATE_LIMIT="3 per minute",
                                 LMS_CERT_CACHE_DIR=str(tmp_path / "c")))
    Base.metadata.create_all(app.extensions["lms"].engine)
    c = app.test_client()
    codes = [c.get("/verify/" + "x" * 32).status_code for _ in range(3)] + [c.get("/verify/" + "y" * 32 + ".json").status_code]
    assert codes == [404, 404, 404, 429]


# -- Open Badges 3.0 -------------------------------------------------------------------------

def test_badge_is_an_open_badges_3_credential_that_validates(make_user, login, client, app):
    import jsonschema

    learner = make_user(name=HOLDER, locale="nb")
    cert = _complete(app, learner)
    login(client, learner)
    resp = client.get(f"/certificates/{cert.id}/badge.json")
    assert resp.status_code == 200
    badge = resp.get_json()
    jsonschema.Draft201909Validator(SCHEMA).validate(badge)
    assert badge["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                 "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    achievement = badge["credentialSubject"]["achievement"]
    assert achievement["name"] == NB_TITLE and achievement["criteria"]["narrative"] and achievement["description"]
    assert badge["issuer"]["name"] and badge["validFrom"].endswith("Z")
    assert badge["id"].endswith(f"/verify/{cert.id}")
    assert badge["credentialSubject"]["identifier"][0]["identityHash"] == HOLDER
    assert learner.email not in resp.get_data(as_text=True)
    del badge["issuer"]  # the schema is strict enough to notice
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft201909Validator(SCHEMA).validate(badge)


def test_admin_sets_the_issuer_profile(make_user, login, client, app):
    learner = make_user()
    login(client, make_user(role="admin"))
    assert client.get("/certificates/admin/issuer").status_code == 200
    bad = client.post("/certificates/admin/issuer", data={"name": "", "url": "not a url"})
    assert bad.status_code == 400
    resp = client.post("/certificates/admin/issuer", data={
        "name": "Nordic Cluster Academy", "url": "https://academy.example.org",
        "email": "badges@academy.example.org", "description": "Adult education",
    })
    assert resp.status_code == 302
    cert = _complete(app, learner)
    assert cert.organisation == "Nordic Cluster Academy"
    client = app.test_client()
    login(client, learner)
    issuer = client.get(f"/certificates/{cert.id}/badge.json").get_json()["issuer"]
    assert issuer["name"] == "Nordic Cluster Academy" and issuer["url"] == "https://academy.example.org"
    assert issuer["email"] == "badges@academy.example.org" and issuer["type"] == ["Profile"]


# -- administration --------------------------------------------------------------------------

def test_admin_finds_certificates_by_name_and_id(make_user, login, client, app):
    cert = _complete(app, make_user(name="Ingibjörg Þórsdóttir"))
    _complete(app, make_user(name="Jānis Bērziņš"))
    login(client, make_user(role="admin"))
    html = client.get("/certificates/admin?q=ingibj").get_data(as_text=True)
    assert "Ingibjörg" in html and "Jānis" not in html
    assert "Ingibjörg" in client.get(f"/certificates/admin?q={cert.id}").get_data(as_text=True)
    assert "Jānis" not in client.get("/certificates/admin?status=revoked").get_data(as_text=True)


def test_reissue_after_a_name_change_gives_a_new_id_and_supersedes_the_old(make_user, login, client, app):
    learner = make_user(name="Anna Berzina")
    old = _complete(app, learner)
    with app.app_context():
        db.session().execute(update(User).where(User.id == learner.id).values(display_name="Anna Bērziņa"))
        db.session().commit()
    login(client, make_user(role="admin"))
    for _ in range(2):  # a double submit re-issues once
        assert client.post(f"/certificates/admin/{old.id}/reissue").status_code in (302, 409)
    with app.app_context():
        rows = list(db.session().scalars(select(Certificate).where(Certificate.user_id == learner.id)))
    assert len(rows) == 2
    new = next(r for r in rows if r.id != old.id)
    assert new.status == "valid" and new.holder_name == "Anna Bērziņa"
    gone = _cert(app, old.id)
    assert gone.status == "superseded" and gone.revoked_reason == "re-issued" and gone.superseded_by == new.id
    client.post("/account/logout")
    html = client.get(f"/verify/{old.id}").get_data(as_text=True)
    assert "no longer valid" in html and "re-issued" in html and new.id not in html
    assert client.get(f"/verify/{new.id}.json").get_json()["holder"] == "Anna Bērziņa"


def test_concurrent_reissues_make_one_new_certificate(make_user, login, app):
    from tests.test_quiz import _race

    old = _complete(app, make_user())
    admin = make_user(role="admin")
    clients = [app.test_client() for _ in range(4)]
    for c in clients:
        login(c, admin)
    codes = _race(clients, lambda c: c.post(f"/certificates/admin/{old.id}/reissue").status_code)
    assert all(code in (302, 409) for code in codes) and 302 in codes
    assert _count(app, status="valid") == 1 and _count(app, status="superseded") == 1


def test_issue_for_users_issues_for_those_who_completed_without_rendering(make_user, app, tmp_path):
    from lms.certificates.services import issue_for_users

    done = [make_user(), make_user()]
    pending = make_user()
    with app.app_context():
        sess = db.session()
        for u in done:
            sess.add(Enrolment(user_id=u.id, course_id="demo-course", completed_at=utcnow()))
        sess.add(Enrolment(user_id=pending.id, course_id="demo-course"))
        sess.commit()
        ids = [u.id for u in done] + [pending.id, 99999]
        first = issue_for_users("demo-course", ids)
        second = issue_for_users("demo-course", ids)
    assert len(first.issued) == 2 and sorted(first.not_completed) == sorted([pending.id, 99999])
    assert second.issued == [] and sorted(second.existing) == sorted(u.id for u in done)
    assert _count(app) == 2
    assert not list((tmp_path / "certificates").glob("*.pdf"))


def test_admin_issues_for_a_whole_course_in_one_action(make_user, login, client, app):
    learners = [make_user() for _ in range(3)]
    with app.app_context():
        for u in learners:
            db.session().add(Enrolment(user_id=u.id, course_id="demo-course", completed_at=utcnow()))
        db.session().commit()
    login(client, make_user(role="admin"))
    assert client.get("/certificates/admin/course/demo-course").status_code == 200
    assert client.post("/certificates/admin/course/demo-course").status_code == 302
    assert client.post("/certificates/admin/course/demo-course").status_code == 302
    assert _count(app) == 3
    html = client.get("/certificates/admin/course/demo-course").get_data(as_text=True)
    assert html.count("Valid") == 3
    assert client.get("/certificates/admin/course/no-such-course").status_code == 404


# -- privacy ---------------------------------------------------------------------------------

def test_the_data_export_lists_the_learners_certificates(make_user, login, client, app):
    learner = make_user()
    cert = _complete(app, learner)
    login(client, learner)
    data = client.get("/account/export.json").get_json()
    assert data["certificates"][0]["id"] == cert.id and data["certificates"][0]["course_id"] == "demo-course"


def test_deleting_a_user_keeps_an_anonymised_withdrawn_record(make_user, login, client, app, tmp_path):
    from lms.certificates.services import delete_user_certificates

    learner = make_user(name=HOLDER)
    cert = _complete(app, learner)
    login(client, learner)
    client.get(f"/certificates/{cert.id}.pdf")
    assert list((tmp_path / "certificates").glob(f"{cert.id}-*.pdf"))
    with app.app_context():
        assert delete_user_certificates(db.session().get(User, learner.id)) == 1
        db.session().delete(db.session().get(User, learner.id))
        db.session().commit()
    assert not list((tmp_path / "certificates").glob(f"{cert.id}-*.pdf"))
    row = _cert(app, cert.id)
    assert row.user_id is None and row.holder_name == "" and row.status == "withdrawn"
    anonymous = app.test_client()
    html = anonymous.get(f"/verify/{cert.id}").get_data(as_text=True)
    assert "no longer valid" in html and "Withdrawn at the holder" in html and "Ærø" not in html
    data = anonymous.get(f"/verify/{cert.id}.json").get_json()
    assert data["status"] == "withdrawn" and data["holder"] is None


def test_the_signature_key_is_not_the_secret_key(app):
    from lms.certificates.services import _signing_key

    with app.app_context():
        key = _signing_key()
        assert key != app.config["SECRET_KEY"].encode() and len(key) == 32
        app.config["LMS_CERT_SIGNING_KEY"] = "a separate key"
        assert _signing_key() == b"a separate key"


def test_the_verification_page_is_linked_from_the_qr_code_url(make_user, app):
    """The verify URL uses LMS_BASE_URL when it is set (the QR code on the PDF encodes it)."""
    from lms.certificates.services import verify_url

    cert = _complete(app, make_user())
    app.config["LMS_BASE_URL"] = "https://learn.example.org/"
    with app.app_context():
        assert verify_url(cert.id) == f"https://learn.example.org/verify/{cert.id}"


def test_signed_badge_is_a_vc_jwt_that_verifies_with_the_issuers_public_key(make_user, login, client, app):
    """OB 3.0 JSON Web Token proof: RS256, kid -> the issuer's JWK; payload = credential + claims."""
    import jsonschema
    from joserfc import jwt
    from joserfc.errors import BadSignatureError
    from joserfc.jwk import RSAKey

    learner = make_user(name=HOLDER, locale="nb")
    cert = _complete(app, learner)
    login(client, learner)
    resp = client.get(f"/certificates/{cert.id}/badge.jwt")
    assert resp.status_code == 200 and resp.mimetype == "application/jwt"
    token = resp.get_data(as_text=True)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": "RS256", "kid": "http://localhost/certificates/issuer/key.json", "typ": "JWT"}
    jwk = client.get("/certificates/issuer/key.json").get_json()  # public: no login needed
    assert jwk["kty"] == "RSA" and jwk["kid"] == header["kid"]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(jwk)  # never the private parts
    claims = jwt.decode(token, RSAKey.import_key(jwk)).claims
    plain = client.get(f"/certificates/{cert.id}/badge.json").get_json()
    assert claims["iss"] == plain["issuer"]["id"] and claims["jti"] == plain["id"]
    assert claims["sub"] == plain["credentialSubject"]["id"].strip() and claims["sub"].startswith("urn:uuid:")
    assert claims["nbf"] == int(datetime.fromisoformat(plain["validFrom"].replace("Z", "+00:00")).timestamp())
    credential = {k: v for k, v in claims.items() if k not in ("iss", "jti", "sub", "nbf")}
    assert credential == plain
    jsonschema.Draft201909Validator(SCHEMA).validate(credential)
    # a changed payload no longer verifies
    head, body, sig = token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    forged["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    forged_body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    with pytest.raises(BadSignatureError):
        jwt.decode(".".join([head, forged_body, sig]), RSAKey.import_key(jwk))
    # only the holder gets it, and not once revoked
    other = make_user()
    client.post("/account/logout")
    login(client, other)
    assert client.get(f"/certificates/{cert.id}/badge.jwt").status_code == 404


def test_the_badge_key_is_made_once_and_kept_or_taken_from_the_configuration(db_url, content_dirs, tmp_path):
    from joserfc.jwk import RSAKey

    def jwk_of(**extra):
        app = create_app(make_config(db_url, *content_dirs, LMS_CERT_CACHE_DIR=str(tmp_path / "c"), **extra))
        with app.test_request_context("/"):
            from lms.certificates.signing import public_jwk

            return public_jwk()

    key_file = tmp_path / "keys" / "badge.pem"
    first = jwk_of(LMS_BADGE_KEY_FILE=str(key_file))
    assert key_file.is_file() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert jwk_of(LMS_BADGE_KEY_FILE=str(key_file))["n"] == first["n"]  # another process: same key
    pem = RSAKey.generate_key(2048, private=True).as_pem(private=True).decode()
    configured = jwk_of(LMS_BADGE_KEY=pem)
    assert configured["n"] == RSAKey.import_key(pem).as_dict(private=False)["n"] != first["n"]
