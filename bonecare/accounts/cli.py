"""`flask --app app users create`: clinician and admin accounts are made here, never by the API."""

import click
from flask.cli import AppGroup

from bonecare.accounts import service
from bonecare.accounts.passwords import PASSWORD_MIN_LENGTH
from bonecare.clock import now
from bonecare.errors import Conflict
from bonecare.extensions import db
from bonecare.web.schemas import validate_timezone

cli = AppGroup("users", help="Manage clinician and admin accounts.")


@cli.command("create")
@click.option("--role", type=click.Choice(["clinician", "admin"]), required=True)
@click.option("--email", required=True)
@click.option("--name", "display_name", default=None, help="Display name (default: the email's local part).")
@click.option("--timezone", default="UTC", show_default=True)
def create(role, email, display_name, timezone):
    """Create a clinician or admin account; the password is read from a prompt, or from standard input when piped
    (password, then confirmation), never from the command line, where other users and the shell history see it."""
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < PASSWORD_MIN_LENGTH:
        raise click.BadParameter(f"must be at least {PASSWORD_MIN_LENGTH} characters", param_hint="password")
    try:
        validate_timezone(timezone)
    except Exception as exc:
        raise click.BadParameter("unknown IANA time zone", param_hint="--timezone") from exc
    try:
        user = service.create_user(
            db.session,
            email=email,
            password=password,
            display_name=display_name or email.split("@")[0],
            timezone=timezone,
            role=role,
            now=now(),
        )
        db.session.commit()
    except Conflict as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(f"created {role} {user.email} ({user.id})")
