"""`flask --app app users create`."""

from bonecare.accounts.cli import cli


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
