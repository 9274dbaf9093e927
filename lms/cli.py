"""The ``flask lms`` command group."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from lms import db
from lms.extension import state

lms_cli = AppGroup("lms", help="Co-in-Co LMS commands.")


@lms_cli.group("db")
def db_group() -> None:
    """Database migrations."""


@db_group.command("upgrade")
@click.argument("revision", default="heads")
def db_upgrade(revision: str) -> None:
    """Apply migrations (default: to the newest)."""
    db.upgrade(state().engine, revision)
    click.echo(f"database at {revision}")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Write a new migration from the difference between models and database (developers)."""
    from alembic import command

    cfg = db.alembic_config()
    with state().engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.revision(cfg, message=message, autogenerate=True)


@lms_cli.group("courses")
def courses_group() -> None:
    """Course content: check and sync."""


def _scan(path: str | None):
    from lms.content.catalog import scan

    cfg = current_app.config
    langs = list(cfg["LMS_LANGUAGES"])
    if not path:
        return scan(Path(cfg["LMS_COURSES_DIR"]), Path(cfg["LMS_QUIZZES_DIR"]), langs)
    target = Path(path).resolve()
    if not target.exists():
        raise click.BadParameter(f"{path} does not exist", param_hint="PATH")
    only = None
    courses_dir = target
    if (target / "course.yaml").exists() or target.is_file():
        only = target
        courses_dir = target.parent if target.is_dir() else target.parent.parent
    quizzes_dir = courses_dir.parent / "quizzes"
    if not quizzes_dir.is_dir():
        quizzes_dir = Path(cfg["LMS_QUIZZES_DIR"])
    return scan(courses_dir, quizzes_dir, langs, only=only)


@courses_group.command("check")
@click.argument("path", required=False)
def courses_check(path: str | None) -> None:
    """Validate courses and quizzes; print path:line: message; exit 1 on any problem."""
    catalog = _scan(path)
    for problem in catalog.problems:
        click.echo(str(problem))
    n_lessons = sum(len(c.lessons) for c in catalog.courses.values())
    if catalog.problems:
        click.echo(f"{len(catalog.problems)} problem(s)", err=True)
        sys.exit(1)
    click.echo(f"ok: {len(catalog.courses)} course(s), {n_lessons} lesson(s), {len(catalog.quizzes)} quiz(zes)", err=True)


@courses_group.command("sync")
def courses_sync() -> None:
    """Record courses, modules and lessons in the database (stable ids; progress survives edits)."""
    from lms.content.catalog import load_catalog
    from lms.content.sync import sync_catalog

    catalog = load_catalog(current_app.config, strict=False)
    state().content = catalog
    report = sync_catalog(db.session(), catalog)
    click.echo(
        f"synced {report.courses} course(s): {report.lessons_added} lesson(s) added, "
        f"{report.lessons_updated} updated, {report.lessons_retired} retired"
    )
    if catalog.problems:
        click.echo(f"{len(catalog.problems)} content problem(s); run 'lms courses check'", err=True)


@courses_group.command("report")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Default: docs/content.md")
def courses_report(out: str | None) -> None:
    """Write docs/content.md: lessons, word counts per language, sources, seed coverage."""
    from lms.config import PROJECT_ROOT
    from lms.content.report import build_report

    catalog = _scan(None)
    target = Path(out) if out else PROJECT_ROOT / "docs" / "content.md"
    target.write_text(build_report(catalog, PROJECT_ROOT / "docs" / "seed-coverage.yaml"), encoding="utf-8")
    click.echo(f"wrote {target}")


@lms_cli.group("i18n")
def i18n_group() -> None:
    """Translation status of the course content."""


@i18n_group.command("status")
@click.option("--strict", is_flag=True, help="Exit 1 when anything is missing or outdated.")
@click.option("--lang", "langs", multiple=True, help="Only these languages (repeatable).")
def i18n_status(strict: bool, langs: tuple[str, ...]) -> None:
    """Per course and language: lessons translated, missing, outdated; reviewed vs unreviewed."""
    from lms.content.i18n_status import course_status, library_status

    catalog = _scan(None)
    languages = list(langs) or list(current_app.config["LMS_LANGUAGES"])
    bad = False
    click.echo(f"{'course':36} {'lang':4} {'translated':>10} {'missing':>8} {'outdated':>8} {'reviewed':>8} {'unreviewed':>10}")
    rows = [(cid, lang, st) for cid, per in course_status(catalog, languages).items() for lang, st in per.items()]
    rows += [("(library)", lang, st) for lang, st in library_status(catalog, languages).items()]
    for cid, lang, st in rows:
        click.echo(f"{cid:36} {lang:4} {st.translated:>10} {len(st.missing):>8} {len(st.outdated):>8} {st.reviewed:>8} {st.unreviewed:>10}")
        if not st.ok:
            bad = True
            for item in st.outdated:
                click.echo(f"    outdated: {item}")
    totals: dict[str, list[int]] = {}
    for _cid, lang, st in rows:
        t = totals.setdefault(lang, [0, 0])
        t[0] += st.reviewed
        t[1] += st.unreviewed
    click.echo("reviewed/unreviewed per language: " + ", ".join(f"{lang} {r}/{u}" for lang, (r, u) in totals.items()))
    if catalog.problems:
        click.echo(f"{len(catalog.problems)} content problem(s); run 'lms courses check'", err=True)
        bad = True
    if strict and bad:
        sys.exit(1)


@lms_cli.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrator")
def create_admin(email: str, name: str) -> None:
    """Create an admin (password from LMS_ADMIN_PASSWORD or a prompt)."""
    _create_user(email, name, "admin")


@lms_cli.command("create-user")
@click.argument("email")
@click.option("--name", default=None)
@click.option("--role", type=click.Choice(["learner", "trainer", "admin"]), default="learner")
def create_user(email: str, name: str | None, role: str) -> None:
    """Create a user with a role (password from LMS_ADMIN_PASSWORD or a prompt)."""
    _create_user(email, name or email.split("@")[0], role)


def _create_user(email: str, name: str, role: str) -> None:
    from lms.auth import services

    password = os.environ.get("LMS_ADMIN_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    if len(password) < 10:
        raise click.ClickException("the password must have at least 10 characters")
    existing = services.find_by_email(email)
    if existing is not None:
        services.set_role(existing, role)
        existing.password_hash = services.hash_password(password)
        db.session().commit()
        click.echo(f"updated {email} ({role})")
        return
    services.register_user(email, password, name, role=role)
    click.echo(f"created {email} ({role})")


@lms_cli.command("demo")
def demo() -> None:
    """Set up a demo: migrate, sync courses, create a demo admin and trainer and print their logins."""
    import secrets

    from lms.auth import services

    db.upgrade(state().engine)
    courses_sync.callback()
    for email, name, role in (("admin@example.org", "Demo Admin", "admin"), ("trainer@example.org", "Demo Trainer", "trainer")):
        password = secrets.token_urlsafe(9)
        user = services.find_by_email(email)
        if user is None:
            services.register_user(email, password, name, role=role)
        else:
            user.password_hash = services.hash_password(password)
            user.role = role
            db.session().commit()
        click.echo(f"  {role:8} {email}  password: {password}")


@lms_cli.group("quizzes")
def quizzes_group() -> None:
    """Quiz tools."""


@quizzes_group.command("import-gift")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Where to write the quiz YAML.")
@click.option("--lang", default="en", show_default=True)
def import_gift(file: str, out: str | None, lang: str) -> None:
    """Convert a Moodle GIFT file into a quiz file; errors as 'line N: message', nothing written."""
    from lms.assessment.gift import dump_quiz_yaml, gift_to_quiz

    path = Path(file)
    quiz_id = Path(out).stem if out else path.stem.lower().replace("_", "-").replace(" ", "-")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        click.echo("line 1: the file is not UTF-8 text", err=True)
        sys.exit(1)
    quiz, errors = gift_to_quiz(text, quiz_id, lang=lang)
    if errors or quiz is None:
        for err in errors:
            click.echo(str(err), err=True)
        sys.exit(1)
    target = Path(out) if out else Path(current_app.config["LMS_QUIZZES_DIR"]) / f"{quiz_id}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(dump_quiz_yaml(quiz), encoding="utf-8")
    click.echo(f"wrote {target} ({len(quiz['questions'])} question(s))")


from lms.analytics.commands import demo_data  # noqa: E402  (the analytics area's command)

lms_cli.add_command(demo_data)
