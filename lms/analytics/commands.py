"""``flask lms demo-data``: realistic learners, progress, quizzes, cohorts and certificates."""
from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from lms import db


@click.command("demo-data")
@click.option("--learners", type=click.IntRange(1, 10_000_000), default=1000, show_default=True,
              help="How many learners to add (about 3 enrolments each).")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed: the same seed gives the same people.")
@click.option("--batch", type=click.IntRange(10, 100_000), default=1000, show_default=True,
              help="Learners written per transaction.")
@with_appcontext
def demo_data(learners: int, seed: int, batch: int) -> None:
    """Add demo learners with enrolments, lesson progress, quiz attempts, cohorts and certificates.

    Needs a migrated database; syncs the course files first. Every run adds new learners.
    """
    from lms.analytics.demo import analyse, generate
    from lms.catalogue.services import catalog
    from lms.content.sync import sync_catalog

    sess = db.session()
    cat = catalog()
    sync_catalog(sess, cat)
    sess.commit()
    started = time.monotonic()
    with click.progressbar(length=learners, label="learners", show_pos=True, show_eta=True) as bar:
        report = generate(sess, cat, learners, seed=seed, on_batch=bar.update, batch_size=batch)
    click.echo("updating the database's statistics ...")
    analyse(sess)
    counts = ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in report.as_dict().items())
    click.echo(f"added {counts} in {time.monotonic() - started:.0f} s")
