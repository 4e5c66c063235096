"""The clinic in a browser: sign in, the panel sorted and filtered, a patient's charts counted, the DXA forms with
the 12-month rule, a result that changes the flags, sign-out; axe-core finds no serious violation on any page."""

from datetime import UTC, date, datetime, timedelta

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.factories import PASSWORD, enrol, log_exercise, log_habits, log_intake

pytestmark = pytest.mark.usefixtures("live_url")

TODAY = datetime.now(UTC).date()
INTAKE_DAYS = (1, 2, 4, 7, 12)  # days ago: a point each on both intake charts
EXERCISE = ((1, "balance", 20), (2, "resistance", 30), (3, "balance", 15), (16, "endurance", 40))
HABITS = ((1, 2, 1.5), (9, 0, 3))  # days ago, cigarettes, drinks


def _ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def _noon(days: int) -> str:
    return f"{_ago(days)}T12:00:00Z"


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@pytest.fixture
def clinic(auth):
    """A clinician with two patients: Ada logs intake, exercise and habits and had a DXA two months ago; Bea
    logged nothing and has no scan."""
    clinician = auth.as_clinician()
    ada = enrol(auth, clinician, "Ada Lovelace", calcium=0, vitamin_d=0)
    enrol(auth, clinician, "Bea Brown", calcium=0, vitamin_d=0)
    for days in INTAKE_DAYS:
        log_intake(ada, _noon(days), calcium=900, vitamin_d=800)
    for days, kind, minutes in EXERCISE:
        log_exercise(ada, _noon(days), kind, minutes)
    for days, cigarettes, drinks in HABITS:
        log_habits(ada, str(_ago(days)), cigarettes=cigarettes, drinks=drinks)
    scan = {"performed_on": str(_ago(60)), "lumbar_spine_t": -1.1, "total_hip_t": -0.7, "femoral_neck_t": -0.9}
    assert clinician.post(f"/api/v1/patients/{ada.id}/dxa/results", json=scan).status_code == 201
    return clinician, ada


def _sign_in(page, email: str, password: str = PASSWORD):
    page.open("/clinic/login")
    page.driver.find_element(By.ID, "email").send_keys(email)
    page.driver.find_element(By.ID, "password").send_keys(password)
    _click(page, By.CSS_SELECTOR, "form button[type=submit]")


def _click(page, by, what: str) -> None:
    """Click a link or a submit button and wait for the next page to have loaded (a new page has a new window
    object: the mark set on this one is gone)."""
    page.driver.execute_script("window.bonecareOldPage = true")
    page.driver.find_element(by, what).click()
    WebDriverWait(page.driver, 10, ignored_exceptions=(WebDriverException,)).until(
        lambda driver: driver.execute_script("return !window.bonecareOldPage && document.readyState === 'complete'")
    )


def _names(page) -> list[str]:
    return [a.text for a in page.driver.find_elements(By.CSS_SELECTOR, "table.panel tbody th a")]


def _count(page, css: str) -> int:
    return len(page.driver.find_elements(By.CSS_SELECTOR, css))


def _flags(page) -> set[str]:
    return {b.get_attribute("data-code") for b in page.driver.find_elements(By.CSS_SELECTOR, "#flags .badge")}


def test_sign_in_sort_and_filter_the_panel_then_sign_out(page, clinic):
    clinician, _ = clinic
    page.open("/clinic/")
    assert page.driver.current_url.endswith("/clinic/login")  # not signed in: the sign-in page
    page.accessible("login")
    _sign_in(page, clinician.email, "wrong password")
    assert "wrong" in page.driver.find_element(By.ID, "login-error").text
    _sign_in(page, clinician.email)
    assert page.driver.current_url.endswith("/clinic/")
    assert sorted(_names(page)) == ["Ada Lovelace", "Bea Brown"]
    assert _count(page, "table.panel .badge .sev") > 0  # flags as badges with their severity
    page.accessible("panel")

    _click(page, By.LINK_TEXT, "Patient")  # the column's header sorts by it
    assert "sort=name" in page.driver.current_url
    assert _names(page) == ["Ada Lovelace", "Bea Brown"]
    assert page.driver.find_element(By.CSS_SELECTOR, "th[aria-sort] a").text == "Patient"
    Select(page.driver.find_element(By.ID, "flag")).select_by_value("BASELINE_DXA_MISSING")
    _click(page, By.CSS_SELECTOR, ".filters button")
    assert "flag=BASELINE_DXA_MISSING" in page.driver.current_url
    assert _names(page) == ["Bea Brown"]  # Ada has had her scan
    assert "flag=BASELINE_DXA_MISSING" in page.driver.find_element(
        By.LINK_TEXT, "Download this page as CSV"
    ).get_attribute("href")
    page.driver.set_window_size(390, 1000)  # a phone: the table scrolls inside its box, the page does not
    assert page.driver.execute_script("return document.documentElement.scrollWidth") <= 390
    page.accessible("panel-phone")

    _click(page, By.CSS_SELECTOR, ".signout button")
    assert page.driver.current_url.endswith("/clinic/login")
    page.open("/clinic/")
    assert page.driver.current_url.endswith("/clinic/login")  # the session is gone


def test_a_patients_charts_and_the_dxa_forms(page, clinic):
    clinician, ada = clinic
    _sign_in(page, clinician.email)
    _click(page, By.LINK_TEXT, "Ada Lovelace")
    _click(page, By.LINK_TEXT, "30 days")
    assert page.driver.current_url.endswith(f"/clinic/patients/{ada.id}?days=30")

    assert _count(page, "#chart-calcium circle.point") == len(INTAKE_DAYS)
    assert _count(page, "#chart-vitamin-d circle.point") == len(INTAKE_DAYS)
    assert _count(page, "#chart-exercise rect.bar") == len({(_monday(_ago(d)), kind) for d, kind, _ in EXERCISE})
    weeks = _count(page, "#chart-habits tbody tr")  # the table alternative: a row a week of the 30 days
    assert weeks in (5, 6)
    assert _count(page, "#chart-habits rect.bar") == 2 * weeks
    assert _count(page, "#chart-habits rect.bar:not([height='0.0'])") == 3  # drinks in two weeks, cigarettes in one
    assert _count(page, "#chart-t-scores circle.point") == 3  # one scan, three sites
    assert _count(page, "#chart-calcium details tbody tr") == len(INTAKE_DAYS)
    assert "BONE_AGENT_INDICATED" not in _flags(page)
    page.accessible("patient")

    # Inside 12 months of the last scan: refused, the rule beside the date; then with a reason: booked.
    page.driver.find_element(By.ID, "book-scheduled_for").send_keys(_us_date(_ago(-30)))
    _click(page, By.CSS_SELECTOR, "#book button")
    error = page.driver.find_element(By.ID, "book-scheduled_for-error").text
    assert "needs an override_reason" in error
    assert page.driver.find_element(By.ID, "book-scheduled_for").get_attribute("aria-invalid") == "true"
    page.accessible("patient-refused")
    page.driver.find_element(By.ID, "book-override_reason").send_keys("new vertebral pain")
    _click(page, By.CSS_SELECTOR, "#book button")
    assert "DXA appointment booked." in page.driver.find_element(By.CSS_SELECTOR, ".note").text
    assert "reason: new vertebral pain" in page.driver.find_element(By.CSS_SELECTOR, ".appointments li").text

    # A result: the T-score chart gains a scan and the flags change.
    page.driver.find_element(By.ID, "result-lumbar_spine_t").send_keys("-2.8")
    page.driver.find_element(By.ID, "result-total_hip_t").send_keys("-2.1")
    _click(page, By.CSS_SELECTOR, "#result button")
    assert "DXA result recorded." in page.driver.find_element(By.CSS_SELECTOR, ".note").text
    assert _count(page, "#chart-t-scores circle.point") == 5  # the new scan has two sites
    assert "BONE_AGENT_INDICATED" in _flags(page)

    page.driver.set_window_size(390, 1000)  # a phone
    assert page.driver.execute_script("return document.documentElement.scrollWidth") <= 390
    page.accessible("patient-phone")


def _us_date(day: date) -> str:
    """What to type into Chromium's date input in the en-US locale: mm/dd/yyyy."""
    return day.strftime("%m%d%Y")
