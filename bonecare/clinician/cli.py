"""`flask --app app panel rebuild`: the panel's summaries recomputed from the records (after a bulk load, a restore,
or a change to the guidance's rules)."""

import click
from flask.cli import AppGroup

from bonecare.clinician import status
from bonecare.clock import now
from bonecare.extensions import db
from bonecare.logbook import daily

cli = AppGroup("panel", help="The clinicians' panel.")


@cli.command("rebuild")
def rebuild_command():
    """Recompute every patient's daily summaries from her logs, then every panel row, in one transaction."""
    days = daily.rebuild(db.session)
    rows = status.rebuild(db.session, now())
    db.session.commit()
    click.echo(f"rebuilt {days} daily summaries and {rows} panel rows")
