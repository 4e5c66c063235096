"""`flask --app app users create | list | deactivate | reactivate`: clinician and admin accounts are made here,
never by the API; any account can be listed, deactivated and reactivated."""

import click
from flask.cli import AppGroup

from bonecare.accounts import service
from bonecare.accounts.passwords import PASSWORD_MIN_LENGTH
from bonecare.clock import now
from bonecare.errors import Conflict, NotFound
from bonecare.extensions import db
from bonecare.web.schemas import validate_timezone

cli = AppGroup("users", help="Manage accounts: create clinicians and admins, list, deactivate, reactivate.")


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


@cli.command("list")
def list_():
    """Every account, oldest first: email, role, status (active or deactivated), created (UTC)."""
    rows = [("EMAIL", "ROLE", "STATUS", "CREATED")]
    for user in service.users(db.session):
        status = "deactivated" if user.deactivated_at else "active"
        rows.append((user.email, user.role, status, user.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")))
    width = max(len(row[0]) for row in rows)
    for email, role, status, created in rows:
        click.echo(f"{email:<{width}}  {role:<9}  {status:<11}  {created}")


def _by_email(action, email: str):
    try:
        return action(email)
    except NotFound as exc:
        raise click.ClickException(exc.detail) from exc


@cli.command("deactivate")
@click.option("--email", required=True)
def deactivate(email):
    """The account signs in no more: every session is revoked at once, and with it a clinician's care-team access
    (her care-team memberships stay, for `reactivate`)."""
    user = _by_email(lambda e: service.deactivate(db.session, e, now()), email)
    click.echo(f"deactivated {user.role} {user.email}: every session revoked")


@cli.command("reactivate")
@click.option("--email", required=True)
def reactivate(email):
    """The account may sign in again."""
    user = _by_email(lambda e: service.reactivate(db.session, e), email)
    click.echo(f"reactivated {user.role} {user.email}")
