"""`flask --app app demo seed [--patients N --days D]`: a living panel right after `make run`."""

import click
from flask.cli import AppGroup

from bonecare.clock import now
from bonecare.demo.seed import CLINICIAN_EMAIL, PASSWORD, seed
from bonecare.extensions import db

cli = AppGroup("demo", help="Demo data.")


@cli.command("seed")
@click.option("--patients", default=15, show_default=True, type=click.IntRange(1, 5000))
@click.option("--days", default=60, show_default=True, type=click.IntRange(1, 3650), help="days of logs")
@click.option("--seed", "rng_seed", default=1, show_default=True, help="random seed, for a repeatable clinic")
def seed_command(patients, days, rng_seed):
    """Add a demo clinician's clinic: patients across time zones, logs, DXA results and labs for every flag."""
    counts = seed(db.session, patients=patients, days=days, now=now(), rng_seed=rng_seed)
    click.echo(
        f"seeded {counts.patients} patients, {counts.intake} intake entries, {counts.exercise} exercise "
        f"sessions, {counts.habits} habit days, {counts.dxa_results} DXA results, {counts.labs} labs, "
        f"{counts.appointments} appointments, {counts.treatments} treatments"
    )
    click.echo(f"sign in as the clinician: {CLINICIAN_EMAIL} / {PASSWORD} (each patient's password is the same)")
