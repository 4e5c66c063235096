"""`flask --app app users create`."""

from bonecare.accounts.cli import cli
from tests.factories import PASSWORD
from tests.problems import assert_problem


def test_users_create_makes_a_clinician_who_can_sign_in(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(
        cli,
        ["create", "--role", "clinician", "--email", "Dr.Bones@Example.org"],
        input="a long password\na long password\n",
    )
    assert result.exit_code == 0, result.output
    assert "created clinician dr.bones@example.org" in result.output
    response = client.post("/api/v1/auth/login", json={"email": "dr.bones@example.org", "password": "a long password"})
    assert response.status_code == 200
    invitation = client.post(
        "/api/v1/invitations", json={}, headers={"Authorization": f"Bearer {response.json['access_token']}"}
    )
    assert invitation.status_code == 201


def test_users_create_refuses_mismatch_short_password_and_duplicates(app):
    runner = app.test_cli_runner()
    args = ["create", "--role", "clinician", "--email", "c@example.org"]
    mismatch = runner.invoke(cli, args, input="a long password\nanother password\na long password\na long password\n")
    assert mismatch.exit_code == 0  # click asks again after a mismatch
    assert "do not match" in mismatch.output.lower()
    assert runner.invoke(cli, args, input="a long password\na long password\n").exit_code != 0
    short = runner.invoke(cli, ["create", "--role", "admin", "--email", "d@example.org"], input="short\nshort\n")
    assert short.exit_code != 0 and "10 characters" in short.output


def test_patients_cannot_be_made_from_the_cli(app):
    result = app.test_cli_runner().invoke(
        cli, ["create", "--role", "patient", "--email", "p@example.org"], input="a long password\na long password\n"
    )
    assert result.exit_code != 0


def test_a_password_is_never_taken_from_the_command_line(app):
    result = app.test_cli_runner().invoke(
        cli,
        ["create", "--role", "clinician", "--email", "e@example.org", "--password", "a long password"],
        input="a long password\na long password\n",
    )
    assert result.exit_code != 0
    assert "no such option" in result.output.lower()


def _users(app, *args):
    return app.test_cli_runner().invoke(cli, list(args))


def test_a_deactivated_clinician_is_refused_at_once_and_reactivation_restores_her(app, auth, client):
    patient, clinician = auth.care_team()
    record = f"/api/v1/patients/{patient.id}"
    assert clinician.get(record).status_code == 200

    result = _users(app, "deactivate", "--email", clinician.email.upper())
    assert result.exit_code == 0, result.output
    assert_problem(clinician.get(record), 401, "session-revoked")  # her still-unexpired token, refused now
    assert_problem(clinician.get("/api/v1/clinician/patients"), 401, "session-revoked")
    login = {"email": clinician.email, "password": PASSWORD}
    assert_problem(client.post("/api/v1/auth/login", json=login), 403, "account-deactivated")
    wrong = {"email": clinician.email, "password": "not her password"}
    assert_problem(client.post("/api/v1/auth/login", json=wrong), 401, "unauthorized")  # says nothing more
    assert patient.get(record).status_code == 200  # the patient is untouched

    assert _users(app, "reactivate", "--email", clinician.email).exit_code == 0
    response = client.post("/api/v1/auth/login", json=login)
    assert response.status_code == 200
    headers = {"Authorization": f"Bearer {response.json['access_token']}"}
    assert client.get(record, headers=headers).status_code == 200  # still on her care team
    assert_problem(clinician.get(record), 401, "session-revoked")  # the old sessions stay signed out


def test_a_deactivated_patient_cannot_refresh_or_sign_in(app, auth, client):
    patient = auth.as_patient()
    assert _users(app, "deactivate", "--email", patient.email).exit_code == 0
    refresh = client.post(
        "/api/v1/auth/refresh", json={}, headers={"Authorization": f"Bearer {patient.tokens['refresh_token']}"}
    )
    assert_problem(refresh, 401, "session-revoked")
    login = client.post("/api/v1/auth/login", json={"email": patient.email, "password": PASSWORD})
    assert_problem(login, 403, "account-deactivated")


def test_users_list_shows_every_account_and_its_status(app, auth, clock):
    clock.set("2026-03-08T08:00:00Z")
    patient = auth.as_patient()
    clinician = auth.as_clinician()
    _users(app, "deactivate", "--email", patient.email)
    result = _users(app, "list")
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()]
    assert lines[0] == ["EMAIL", "ROLE", "STATUS", "CREATED"]
    assert [patient.email, "patient", "deactivated", "2026-03-08T08:00:00Z"] in lines
    assert [clinician.email, "clinician", "active", "2026-03-08T08:00:00Z"] in lines


def test_an_unknown_email_is_a_clear_error(app):
    for command in ("deactivate", "reactivate"):
        result = _users(app, command, "--email", "nobody@example.org")
        assert result.exit_code != 0
        assert "No account has the email nobody@example.org" in result.output
