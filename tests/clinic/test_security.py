"""The clinic's sign-in, cookie, CSRF, headers and access rules, through the test client (no browser)."""

import re
import uuid

import pytest

from bonecare.accounts import service
from bonecare.clock import now
from bonecare.extensions import db
from tests.factories import PASSWORD, enrol


def _token(client, path: str = "/clinic/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def _sign_in(client, email: str, password: str = PASSWORD):
    return client.post("/clinic/login", data={"email": email, "password": password, "csrf_token": _token(client)})


@pytest.fixture
def signed_in(app, auth):
    """A browser (a test client of its own) signed in as a clinician with one patient, Ada."""
    clinician = auth.as_clinician()
    ada = enrol(auth, clinician, "Ada Lovelace", calcium=0, vitamin_d=0)
    browser = app.test_client()
    response = _sign_in(browser, clinician.email)
    assert response.status_code == 302, response.text
    return browser, clinician, ada, response


def test_the_session_cookie_is_httponly_secure_and_lax(signed_in):
    cookie = signed_in[3].headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie


def test_a_form_without_its_csrf_token_is_refused(app, signed_in):
    browser, clinician, ada, _ = signed_in
    assert (
        app.test_client().post("/clinic/login", data={"email": clinician.email, "password": PASSWORD}).status_code
        == 400
    )
    response = browser.post(f"/clinic/patients/{ada.id}/new/lab", data={"measured_on": "2026-01-01", "value": "30"})
    assert response.status_code == 400
    assert "CSRF" in response.text
    assert clinician.get(f"/api/v1/patients/{ada.id}/labs").json["items"] == []


def test_pages_with_health_data_are_no_store_and_load_only_from_this_origin(signed_in):
    browser, _, ada, _ = signed_in
    for path in ("/clinic/", f"/clinic/patients/{ada.id}"):
        response = browser.get(path)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert not re.search(r'(src|href)="(https?:)?//', response.text)  # nothing from another origin


def test_revoking_her_sessions_ends_the_browser_session_too(app, signed_in):
    """What sign-out everywhere, deactivation and a password change share (accounts.service.revoke_sessions)."""
    browser, clinician, _, _ = signed_in
    assert browser.get("/clinic/").status_code == 200
    with app.app_context():
        assert service.revoke_sessions(db.session, uuid.UUID(clinician.id), now()) == 2  # the API's and the page's
        db.session.commit()
    assert browser.get("/clinic/").headers["Location"].endswith("/clinic/login")


def test_a_patient_cannot_sign_in_to_the_clinic(app, auth):
    patient = auth.as_patient()
    response = _sign_in(app.test_client(), patient.email)
    assert response.status_code == 403
    assert "clinician accounts" in response.text


def test_another_clinicians_patient_is_not_found(app, auth, signed_in):
    _, _, ada, _ = signed_in
    other = app.test_client()
    _sign_in(other, auth.as_clinician().email)
    assert other.get(f"/clinic/patients/{ada.id}").status_code == 404
    assert other.get(f"/clinic/patients/{ada.id}/report.pdf").status_code == 404


def test_the_report_and_the_csv_for_the_browser(signed_in):
    browser, _, ada, _ = signed_in
    pdf = browser.get(f"/clinic/patients/{ada.id}/report.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    csv = browser.get("/clinic/panel.csv?sort=name")
    assert csv.mimetype == "text/csv" and "Ada Lovelace" in csv.text


@pytest.mark.parametrize(
    ("form", "data", "field", "message"),
    [
        ("lab", {"measured_on": "2026-01-01", "value": "300", "unit": "ng/mL"}, "value", "Must be at most 250 ng/mL."),
        ("treatment", {"agent": "denosumab"}, "started_on", "Missing data for required field."),
        ("result", {"performed_on": "2026-01-01"}, "lumbar_spine_t", "Give at least one T-score."),
    ],
)
def test_the_apis_messages_beside_the_fields(signed_in, form, data, field, message):
    browser, _, ada, _ = signed_in
    page = f"/clinic/patients/{ada.id}"
    response = browser.post(f"{page}/new/{form}", data={**data, "csrf_token": _token(browser, page)})
    assert response.status_code == 422
    assert re.search(f'id="{form}-{field}-error">{re.escape(message)}<', response.text), response.text


def test_the_care_plan_form(signed_in):
    browser, clinician, ada, _ = signed_in
    page = f"/clinic/patients/{ada.id}"
    plan = {"calcium_mg_min": "1300", "calcium_mg_max": "1200", "vitamin_d_iu_min": "800", "vitamin_d_iu_max": "1000"}
    body = {**plan, "alcohol_drinks_per_week_max": "7", "version": "0", "csrf_token": _token(browser, page)}
    refused = browser.post(f"{page}/careplan", data=body)
    assert (
        refused.status_code == 422 and 'id="plan-calcium_mg_min-error">Must not exceed calcium_mg_max.<' in refused.text
    )
    saved = browser.post(f"{page}/careplan", data={**body, "calcium_mg_min": "1100"})
    assert saved.status_code == 302
    assert clinician.get(f"/api/v1/patients/{ada.id}/care-plan").json["calcium_mg_min"] == 1100


def test_book_move_and_cancel_an_appointment(signed_in):
    browser, clinician, ada, _ = signed_in
    page = f"/clinic/patients/{ada.id}"
    listed = f"/api/v1/patients/{ada.id}/dxa/appointments"
    booked = browser.post(f"{page}/new/book", data={"scheduled_for": "2030-01-10", "csrf_token": _token(browser, page)})
    assert booked.status_code == 302
    appointment = clinician.get(listed).json["items"][0]
    moved = browser.post(
        f"{page}/appointments/{appointment['id']}",
        data={"scheduled_for": "2030-02-11", "version": appointment["version"], "csrf_token": _token(browser, page)},
    )
    assert moved.status_code == 302
    assert clinician.get(listed).json["items"][0]["scheduled_for"] == "2030-02-11"
    assert "2030-02-11" in browser.get(page).text
    version = clinician.get(listed).json["items"][0]["version"]
    cancel = {"action": "cancel", "version": version, "csrf_token": _token(browser, page)}
    assert browser.post(f"{page}/appointments/{appointment['id']}", data=cancel).status_code == 302
    assert clinician.get(listed).json["items"] == []
    assert "None booked." in browser.get(page).text


def test_the_panel_pages_by_cursor_links(auth, signed_in):
    browser, clinician, _, _ = signed_in
    enrol(auth, clinician, "Bea Brown", calcium=0, vitamin_d=0)
    first = browser.get("/clinic/?sort=name&limit=1").text
    assert "Ada Lovelace" in first and "Bea Brown" not in first and "First page" not in first
    following = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "sort=name" in following and "cursor=" in following
    second = browser.get(following).text
    assert "Bea Brown" in second and "Ada Lovelace" not in second
    assert "First page" in second and 'rel="next"' not in second


def test_a_lab_and_a_treatment_entered_on_the_page(signed_in):
    browser, clinician, ada, _ = signed_in
    page = f"/clinic/patients/{ada.id}"
    lab = {"measured_on": "2026-01-05", "value": "18", "unit": "ng/mL", "csrf_token": _token(browser, page)}
    assert browser.post(f"{page}/new/lab", data=lab).status_code == 302
    course = {"agent": "denosumab", "started_on": "2026-01-06", "csrf_token": _token(browser, page)}
    assert browser.post(f"{page}/new/treatment", data=course).status_code == 302
    shown = browser.get(page).text
    assert "2026-01-05" in shown and "18 ng/mL" in shown and "2026-01-06" in shown
    assert clinician.get(f"/api/v1/patients/{ada.id}/treatments").json["items"][0]["dose_interval_days"] == 182
