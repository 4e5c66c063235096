"""Push devices as a phone app registers them: one PUT per install, a masked list, one target one device, bound to
the session that registered it."""

import concurrent.futures
import uuid

from sqlalchemy import func, select

from bonecare.extensions import db
from bonecare.reminders.models import Device
from tests.factories import Caller
from tests.problems import assert_problem
from tests.reminders.test_routes import subscription

DEVICES = "/api/v1/patients/me/devices"
FCM_TOKEN = "fcm-" + "a1b2c3d4" * 20 + "WXYZ"


def _fcm(token=FCM_TOKEN, **extra):
    return {"platform": "fcm", "token": token, **extra}


def _signed_in_again(auth, patient: Caller) -> Caller:
    """The same patient in a second session (another phone)."""
    return Caller(patient.client, patient.id, patient.email, "patient", auth.login(patient.email))


def test_a_token_refresh_is_one_put_on_the_same_install(auth):
    patient, install = auth.as_patient(), str(uuid.uuid4())
    first = patient.put(f"{DEVICES}/{install}", json=_fcm(app_version="2.4.1", locale="pt-PT"))
    assert first.status_code == 201 and first.json["id"] == install
    refreshed = patient.put(f"{DEVICES}/{install}", json=_fcm("fcm-new-token-9876", app_version="2.5.0"))
    assert refreshed.status_code == 200 and refreshed.json["id"] == install
    [device] = patient.get(DEVICES).json["items"]
    assert device["token"] == "…9876" and device["app_version"] == "2.5.0" and device["locale"] is None
    assert device["active"] is True and device["platform"] == "fcm"
    assert patient.put(f"{DEVICES}/{install}", json=_fcm("fcm-new-token-9876")).status_code == 200  # a retry


def test_the_list_masks_tokens_and_endpoints(auth):
    patient = auth.as_patient()
    patient.put(f"{DEVICES}/{uuid.uuid4()}", json=_fcm())
    sub = subscription("https://fcm.googleapis.com/fcm/send/secret-part-of-the-endpoint")
    patient.put(f"{DEVICES}/{uuid.uuid4()}", json={"platform": "webpush", "subscription": sub})
    page = patient.get(DEVICES)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    for secret in (FCM_TOKEN, "secret-part", sub["keys"]["p256dh"], sub["keys"]["auth"]):
        assert secret not in text
    by_platform = {d["platform"]: d for d in page.json["items"]}
    assert by_platform["fcm"]["token"] == "…WXYZ" and by_platform["fcm"]["endpoint"] is None
    assert by_platform["webpush"]["endpoint"] == "https://fcm.googleapis.com/…"
    assert by_platform["webpush"]["token"] is None


def test_devices_are_paged_and_her_clinician_sees_them(auth):
    patient = auth.as_patient()
    clinician = auth.as_clinician(patient)
    installs = [str(uuid.uuid4()) for _ in range(3)]
    for i, install in enumerate(installs):
        assert patient.put(f"{DEVICES}/{install}", json=_fcm(f"token-{i}")).status_code == 201
    first = clinician.get(f"/api/v1/patients/{patient.id}/devices?limit=2").json
    rest = clinician.get(f"/api/v1/patients/{patient.id}/devices?limit=2&cursor={first['next_cursor']}").json
    assert [d["id"] for d in first["items"] + rest["items"]] == installs and rest["next_cursor"] is None
    assert_problem(
        clinician.put(f"/api/v1/patients/{patient.id}/devices/{uuid.uuid4()}", json=_fcm()), 403, "forbidden"
    )


def test_one_token_is_one_device_when_the_app_is_reinstalled(auth):
    patient = auth.as_patient()
    old, new = str(uuid.uuid4()), str(uuid.uuid4())
    patient.put(f"{DEVICES}/{old}", json=_fcm())
    assert patient.put(f"{DEVICES}/{new}", json=_fcm()).status_code == 201
    assert [d["id"] for d in patient.get(DEVICES).json["items"]] == [new]
    assert patient.post(DEVICES, json=_fcm()).status_code == 200  # the old POST finds the same device
    assert [d["id"] for d in patient.get(DEVICES).json["items"]] == [new]


def test_a_token_another_signed_in_patient_holds_is_a_conflict_that_names_nobody(auth):
    first, second = auth.as_patient(), auth.as_patient()
    install = str(uuid.uuid4())
    first.put(f"{DEVICES}/{install}", json=_fcm())
    for response in (
        second.put(f"{DEVICES}/{uuid.uuid4()}", json=_fcm()),  # her token
        second.put(f"{DEVICES}/{install}", json=_fcm("another-token")),  # her install
        second.post(DEVICES, json=_fcm()),
    ):
        body = assert_problem(response, 409, "conflict")
        assert first.email not in str(body) and first.id not in str(body) and install not in str(body)
    assert [d["id"] for d in first.get(DEVICES).json["items"]] == [install]
    assert second.get(DEVICES).json["items"] == []


def test_a_shared_phone_moves_to_the_next_patient_once_the_first_signs_out(auth):
    first, second = auth.as_patient(), auth.as_patient()
    install = str(uuid.uuid4())
    first.put(f"{DEVICES}/{install}", json=_fcm())
    assert first.post("/api/v1/auth/logout").status_code == 204
    moved = second.put(f"{DEVICES}/{install}", json=_fcm())
    assert moved.status_code == 201 and moved.json["id"] == install
    again = auth.login(first.email)
    first = Caller(first.client, first.id, first.email, "patient", again)
    assert first.get(DEVICES).json["items"] == []
    assert [d["id"] for d in second.get(DEVICES).json["items"]] == [install]


def test_signing_out_marks_that_sessions_devices_inactive_and_not_the_others(auth):
    phone = auth.as_patient()
    tablet = _signed_in_again(auth, phone)
    phone_install = str(uuid.uuid4())
    phone.put(f"{DEVICES}/{phone_install}", json=_fcm("phone-token-PH01"))
    tablet.put(f"{DEVICES}/{uuid.uuid4()}", json=_fcm("tablet-token-TB02"))
    assert phone.post("/api/v1/auth/logout").status_code == 204
    assert {d["token"]: d["active"] for d in tablet.get(DEVICES).json["items"]} == {"…PH01": False, "…TB02": True}
    phone = _signed_in_again(auth, tablet)  # signing in again and registering the install switches it back on
    assert phone.put(f"{DEVICES}/{phone_install}", json=_fcm("phone-token-PH01")).status_code == 200
    assert all(d["active"] for d in tablet.get(DEVICES).json["items"])


def test_ten_concurrent_puts_of_one_install_store_one_device(app, auth, ctx):
    patient, install = auth.as_patient(), str(uuid.uuid4())

    def put(_):
        return app.test_client().put(f"{DEVICES}/{install}", json=_fcm(), headers=patient.headers).status_code

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        codes = list(pool.map(put, range(10)))
    assert sorted(codes) == [200] * 9 + [201]
    assert db.session.scalar(select(func.count()).select_from(Device)) == 1


def test_ten_concurrent_puts_of_one_token_from_ten_installs_store_one_device(app, auth, ctx):
    patient = auth.as_patient()

    def put(_):
        url = f"{DEVICES}/{uuid.uuid4()}"
        return app.test_client().put(url, json=_fcm(), headers=patient.headers).status_code

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        codes = list(pool.map(put, range(10)))
    assert codes == [201] * 10  # each install in turn takes the token from the one before, leaving a tombstone
    live = select(func.count()).select_from(Device).where(Device.deleted_at.is_(None))
    assert db.session.scalar(live) == 1
    tombstones = db.session.scalars(select(Device).where(Device.deleted_at.is_not(None))).all()
    assert len(tombstones) == 9 and all(t.target_hash is None and not t.active for t in tombstones)


def test_invalid_installs_and_fields_are_422(auth):
    patient = auth.as_patient()
    assert patient.put(f"{DEVICES}/not-a-uuid", json=_fcm()).status_code == 404
    assert_problem(
        patient.put(f"{DEVICES}/{uuid.uuid4()}", json=_fcm(locale="not a locale")), 422, "validation-error", "locale"
    )
    assert_problem(
        patient.put(f"{DEVICES}/{uuid.uuid4()}", json=_fcm(app_version="x" * 33)),
        422,
        "validation-error",
        "app_version",
    )
    assert_problem(patient.put(f"{DEVICES}/{uuid.uuid4()}", json={"platform": "fcm"}), 422, "validation-error", "token")
    assert patient.get(DEVICES).json["items"] == []
