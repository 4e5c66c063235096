"""`make scale-demo`: nginx in front of two gunicorn instances, two reminders workers, PostgreSQL and Redis as
the rate limiter's storage, all started with deploy/'s own configuration; a load through nginx during which one
worker is killed with SIGKILL and one instance is restarted; then the checks (docs/deploy.md). Exits 1 if one
fails."""

import json
import os
import shutil
import signal
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deploy.stack import BIN, ROOT, Stack, WebPushReceiver, fresh_database, ready, unit_command, wait_until  # noqa: E402
from tests.reminders.fakes import Subscriber, self_signed  # noqa: E402

RUN = ROOT / "build" / "scale-demo"
DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/scale_demo"
WEB_PORTS = (18001, 18002)
BASE = "https://127.0.0.1:18443"
REDIS_PORT = 16390
PATIENTS = 150
ZONES = ("Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Adelaide")  # two half-hour offsets
LEASE_SECONDS = 30
PASSWORD = "scale-demo-password"  # noqa: S105 - demo accounts on a throwaway database
RETRYABLE = {502, 503, 504}


def vapid_private_key() -> str:
    """A fresh VAPID key, as `flask reminders vapid-keys` prints it."""
    out = Stack(RUN, {}).run("vapid-keys", [str(BIN / "flask"), "--app", "app", "reminders", "vapid-keys"])
    return json.loads(out)["private_key"]


def environment() -> dict:
    """The settings every instance and worker shares (deploy/systemd/env.example), pointed at the demo's parts."""
    return {
        "DATABASE_URL": DATABASE_URL,
        "BONECARE_SECRET_KEY": "scale-demo-" + uuid.uuid4().hex * 2,
        "BONECARE_PUBLIC_URL": BASE,
        "BONECARE_TRUSTED_PROXIES": "1",
        "BONECARE_RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{REDIS_PORT}/0",
        # One address (this machine) registers every demo patient: the per-address sign-in limit is raised for
        # that; the per-account one (10 wrong passwords an hour) is the default and is what the check hits.
        "BONECARE_AUTH_RATE_LIMIT": "2000 per minute",
        "BONECARE_PUSH_BACKEND": "webpush",
        "BONECARE_VAPID_PRIVATE_KEY": vapid_private_key(),
        "BONECARE_PUSH_ALLOWED_HOSTS": "127.0.0.1",  # the loopback push receiver
        "BONECARE_REMINDER_LEASE_SECONDS": str(LEASE_SECONDS),
    }


class Client:
    """HTTP through nginx, retrying only what the contract makes safe (GET, and a create carrying its own id)
    on a 502/503/504 or a broken connection; every attempt is noted."""

    def __init__(self, verify: str):
        self.verify = verify
        self.local = threading.local()
        self.lock = threading.Lock()
        self.results: list[tuple[float, str, int]] = []  # (time, route, final status)
        self.retries: list[tuple[float, str, str]] = []  # (time, route, what failed)

    @property
    def http(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session

    def call(self, method: str, path: str, route: str, token=None, body=None, retry=True) -> requests.Response:
        """One request; the final status is recorded under `route`."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for attempt in range(6):
            try:
                response = self.http.request(
                    method, BASE + path, json=body, headers=headers, timeout=30, verify=self.verify
                )
                failure = str(response.status_code) if response.status_code in RETRYABLE else None
            except requests.ConnectionError as exc:
                response, failure = None, type(exc).__name__
            if failure is None or not retry or attempt == 5:
                break
            with self.lock:
                self.retries.append((time.time(), route, failure))
            time.sleep(0.2 * (attempt + 1))
        with self.lock:
            self.results.append((time.time(), route, response.status_code if response is not None else 0))
        return response


def make_patient(client: Client, receiver, n: int) -> dict:
    """Register, sign in and subscribe one patient's phone (a Web Push subscription at the receiver)."""
    email, zone = f"rush{n}@scale-demo.example", ZONES[n % len(ZONES)]
    body = {"email": email, "password": PASSWORD, "display_name": f"Demo {n}", "timezone": zone}
    assert client.call("POST", "/api/v1/auth/register", "register", body=body, retry=False).status_code == 201
    login = client.call("POST", "/api/v1/auth/login", "login", body={"email": email, "password": PASSWORD}, retry=False)
    token = login.json()["access_token"]
    subscriber = Subscriber(f"{receiver.url}/push/{n}")
    device = {"platform": "webpush", "subscription": subscriber.subscription()}
    put = client.call("PUT", f"/api/v1/patients/me/devices/{uuid.uuid4()}", "device", token, device)
    assert put.status_code == 201, put.text
    return {"n": n, "email": email, "zone": zone, "token": token, "subscriber": subscriber}


def add_reminder(client: Client, patient: dict, due: datetime) -> None:
    """A daily supplement reminder at `due`, on the patient's own clock."""
    local = due.astimezone(ZoneInfo(patient["zone"])).strftime("%H:%M")
    body = {"id": str(uuid.uuid4()), "kind": "supplement", "time_of_day": local, "skip_if_done": False}
    response = client.call("POST", "/api/v1/patients/me/reminders", "reminder", patient["token"], body)
    assert response.status_code == 201, response.text


def load(client: Client, patients: list[dict], stop: threading.Event, k: int) -> None:
    """One connection's traffic: log a dose with its own id (safe to resend), read today, now and then adherence."""
    i = k
    while not stop.is_set():
        patient = patients[i % len(patients)]
        i += 7
        dose = {
            "id": str(uuid.uuid4()),
            "taken_at": datetime.now(UTC).isoformat(),
            "calcium_mg": 500,
            "vitamin_d_iu": 400,
            "source": "supplement",
        }
        client.call("POST", "/api/v1/patients/me/intake", "POST intake", patient["token"], dose)
        client.call("GET", "/api/v1/patients/me/today", "GET today", patient["token"])
        if i % 5 == 0:
            client.call("GET", "/api/v1/patients/me/adherence", "GET adherence", patient["token"])
        time.sleep(0.05)


def claims_by_worker(engine) -> dict[str, int]:
    """Occurrences each worker holds claimed right now."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT claimed_by, count(*) FROM occurrences WHERE status = 'claimed' GROUP BY claimed_by")
        )
        return dict(rows.all())


def kill_a_worker_mid_batch(stack: Stack, engine, workers: tuple, receiver) -> dict:
    """SIGKILL the worker holding claims once its pushes are arriving (mid-batch); what it held."""
    by_pid = {proc.pid: name for name, proc in ((n, stack.procs[n]) for n in workers)}

    def holder():
        if len(receiver.requests) < 10:
            return None
        for worker, count in claims_by_worker(engine).items():
            if int(worker.split(":")[1]) in by_pid:
                return worker, count
        return None

    worker, _ = wait_until(holder, timeout=90, what="a worker holding claims", every=0.01)
    name = by_pid[int(worker.split(":")[1])]
    stack.procs[name].send_signal(signal.SIGKILL)
    stack.procs[name].wait()
    with engine.connect() as conn:
        held = set(
            conn.execute(text("SELECT id FROM occurrences WHERE claimed_by = :w AND status = 'claimed'"), {"w": worker})
            .scalars()
            .all()
        )
    return {"name": name, "worker": worker, "at": time.time(), "held": {str(i) for i in held}}


def rate_limit_check(client: Client, email: str) -> dict:
    """Twelve wrong passwords for one account through nginx, one after another (so nginx alternates the
    instances): the shared limit (10 an hour) answers 429 to the 11th."""
    statuses, started = [], datetime.now(UTC)
    for _ in range(12):
        body = {"email": email, "password": "not-the-password"}
        statuses.append(client.call("POST", "/api/v1/auth/login", "login (limit check)", body=body, retry=False))
    lines = [line for line in (RUN / "logs" / "access.log").read_text().splitlines() if "/auth/login" in line]
    upstreams = [line.split(" up=")[1].split()[0] for line in lines[-12:]]
    return {
        "statuses": [r.status_code for r in statuses],
        "upstreams": upstreams,
        "first_429": next((i + 1 for i, r in enumerate(statuses) if r.status_code == 429), None),
        "started": started,
        "hsts": statuses[0].headers.get("Strict-Transport-Security"),
    }


def deliveries(receiver, patients: list[dict], before: float) -> tuple[Counter, dict, set]:
    """Each Web Push request decrypted with its subscription's key: arrivals per occurrence, their Topics, and
    the occurrences that arrived before `before`."""
    by_path = {f"/push/{p['n']}": p["subscriber"] for p in patients}
    arrivals, topics, early = Counter(), {}, set()
    for request in receiver.requests:
        occurrence = by_path[request["path"]].decrypt(request["body"])["occurrence_id"]
        arrivals[occurrence] += 1
        topics.setdefault(occurrence, set()).add(request["headers"].get("topic"))
        if request["at"] < before:
            early.add(occurrence)
    return arrivals, topics, early


def failovers(since: float) -> Counter:
    """nginx's log since `since`: requests it passed to the other instance, and answers it gave itself (5xx)."""
    counts = Counter()
    for line in (RUN / "logs" / "access.log").read_text().splitlines():
        at = datetime.fromisoformat(line.split("[", 1)[1].split("]", 1)[0]).timestamp()
        if at >= since - 1:
            counts["passed to the other instance"] += ", " in line.split(" up=")[1].split(" up_status=")[0]
            counts["5xx answered"] += line.split('" ', 1)[1].startswith("5")
    return counts


def start_web(stack: Stack, port: int) -> None:
    """One API instance, as bonecare-web@PORT.service starts it."""
    stack.start(f"web-{port}", unit_command("bonecare-web@.service", str(port)))


def start_worker(stack: Stack, name: str) -> None:
    """One reminders worker, as bonecare-reminders@.service starts it."""
    stack.start(name, unit_command("bonecare-reminders@.service", name[-1]))


def main() -> int:
    """Bring the parts up, run the scenario, print the checks; 0 when every one holds."""
    shutil.rmtree(RUN, ignore_errors=True)
    for sub in ("logs", "tmp", "tls"):
        (RUN / sub).mkdir(parents=True)
    cert, key = self_signed(RUN / "tls")
    cert.rename(RUN / "tls" / "cert.pem")
    key.rename(RUN / "tls" / "key.pem")
    shutil.copy(ROOT / "deploy" / "nginx.conf", RUN / "nginx.conf")
    verify = str(RUN / "tls" / "cert.pem")
    fresh_database(DATABASE_URL)
    engine = create_engine(DATABASE_URL)
    checks: dict[str, bool] = {}
    with WebPushReceiver() as receiver, Stack(RUN, environment()) as stack:
        receiver.delay = 0.3  # a push service that takes its time: a batch is still in flight when the kill comes
        redis = ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        stack.start("redis", redis)
        stack.run("migrate", unit_command("bonecare-migrate.service"))
        seed = [str(BIN / "flask"), "--app", "app", "demo", "seed", "--patients", "20", "--days", "30"]
        print(stack.run("seed", seed).strip().splitlines()[0])
        for port in WEB_PORTS:
            start_web(stack, port)
        nginx = ["nginx", "-p", str(RUN), "-c", str(RUN / "nginx.conf"), "-e", str(RUN / "logs" / "error.log")]
        stack.start("nginx", [*nginx, "-g", "daemon off;"])
        for port in WEB_PORTS:
            wait_until(lambda p=port: ready(f"http://127.0.0.1:{p}/readyz"), 60, f"instance {port}")
        wait_until(lambda: ready(f"{BASE}/readyz", verify), 30, "nginx")
        workers = ("reminders-1", "reminders-2")
        for name in workers:
            start_worker(stack, name)

        client = Client(verify)
        t0 = time.time()
        with ThreadPoolExecutor(6) as pool:
            patients = list(pool.map(lambda n: make_patient(client, receiver, n), range(PATIENTS)))
        now = datetime.now(UTC)
        due = (now + timedelta(seconds=80)).replace(second=0, microsecond=0)  # the next whole minute ≥ 20 s away
        with ThreadPoolExecutor(6) as pool:
            list(pool.map(lambda p: add_reminder(client, p, due), patients))
        print(f"{PATIENTS} patients signed up through nginx in {time.time() - t0:.0f} s; reminders due {due:%H:%M:%S}Z")

        stop = threading.Event()
        load_started = time.time()
        threads = [threading.Thread(target=load, args=(client, patients, stop, k)) for k in range(8)]
        for thread in threads:
            thread.start()
        time.sleep(max(8.0, due.timestamp() - time.time() - 12))
        restart: dict[str, float] = {"at": time.time()}

        def restart_instance():
            """As `systemctl restart bonecare-web@18002`: SIGTERM (requests in flight finish), then start again."""
            stack.stop("web-18002")
            start_web(stack, 18002)
            wait_until(lambda: ready("http://127.0.0.1:18002/readyz"), 60, "instance 18002 again")
            restart["end"] = time.time()

        restarting = threading.Thread(target=restart_instance)
        restarting.start()  # the worker is watched meanwhile: its batch may come before the instance is back
        killed = kill_a_worker_mid_batch(stack, engine, workers, receiver)
        print(f"{killed['name']} killed with SIGKILL holding {len(killed['held'])} claimed occurrences")
        time.sleep(5)  # RestartSec=5
        start_worker(stack, killed["name"])
        restarting.join()
        restart_at, restart_end = restart["at"], restart["end"]
        print(f"instance 18002 restarted (stop + start) in {restart_end - restart_at:.1f} s, under load")
        time.sleep(max(0.0, killed["at"] + 40 - time.time()))
        stop.set()
        for thread in threads:
            thread.join()
        load_seconds = time.time() - load_started

        limit = rate_limit_check(client, patients[0]["email"])

        def settled():
            with engine.connect() as conn:
                return not conn.execute(
                    text("SELECT count(*) FROM occurrences WHERE due_at <= now() AND status IN ('pending', 'claimed')")
                ).scalar()

        wait_until(settled, LEASE_SECONDS + 120, "every due occurrence to reach a recorded state", every=1)
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT o.id, o.status, o.late, o.due_at, o.updated_at FROM occurrences o JOIN users u "
                    "ON u.id = o.patient_id WHERE u.email LIKE '%@scale-demo.example' AND o.due_at <= now()"
                )
            ).all()
        arrivals, topics, early = deliveries(receiver, patients, killed["at"])
        nginx_counts = failovers(load_started)

    expected = {str(r.id) for r in rows}
    statuses = Counter(r.status for r in rows)
    lost = expected - set(arrivals)
    doubled = {k: v for k, v in arrivals.items() if v > 1}
    in_flight = early & killed["held"]  # reached the push service, never recorded: the documented re-send
    recovered = [r for r in rows if str(r.id) in killed["held"]]
    results = Counter(route for _, route, _ in client.results)
    bad = [(t, route, s) for t, route, s in client.results if s >= 500 or s == 0 or (s >= 400 and "limit" not in route)]
    window = (restart_at - 1, restart_end + 3)
    stray_retries = [r for r in client.retries if not window[0] <= r[0] <= window[1]]
    print(f"\nload: {len(client.results):,} requests through nginx in {load_seconds:.0f} s: {dict(results)}")
    print(f"  retried: {len(client.retries)} ({Counter(r[2] for r in client.retries)}), {len(stray_retries)} outside")
    print(f"  the restart's window; failed after retries: {len(bad)}; nginx: {dict(nginx_counts)}")
    print(f"reminders: {len(expected)} due; database {dict(statuses)}; receiver {sum(arrivals.values())} pushes for")
    print(f"  {len(arrivals)} occurrences, lost {len(lost)}; pushed twice {len(doubled)}, of the {len(in_flight)} the")
    print("  killed worker had in flight (at the push service, not yet recorded), each under one Topic; its")
    late = [(r.updated_at - r.due_at).total_seconds() for r in recovered]
    span = f"{min(late, default=0):.0f}–{max(late, default=0):.0f}"
    print(f"  {len(recovered)} claims came back after its lease and were sent {span} s after their due time")
    print(f"rate limit (10 wrong passwords an hour, per account): {limit['statuses']}")
    print(f"  through {sorted(Counter(limit['upstreams']).items())}; first 429 at attempt {limit['first_429']}")
    print(f"HSTS: {limit['hsts']}; load average (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    checks["every due reminder sent once in the database"] = statuses == {"sent": len(expected)} and bool(expected)
    checks["every due reminder received, none lost"] = not lost and set(arrivals) == expected
    checks["none shown twice: one Topic per occurrence"] = all(len(t) == 1 and None not in t for t in topics.values())
    checks["pushed twice only what was in flight at the kill"] = (
        set(doubled) <= in_flight and max(doubled.values(), default=1) <= 2
    )
    checks["the killed worker's claims were sent after its lease"] = bool(recovered) and all(
        r.status == "sent" for r in recovered
    )
    checks["no failed request"] = not bad
    checks["retries only around the restart"] = not stray_retries
    checks["login limit shared: 429 at the 11th attempt"] = limit["first_429"] == 11
    checks["the limited attempts went through both instances"] = len(set(limit["upstreams"][:10])) == 2
    checks["HSTS header"] = bool(limit["hsts"]) and "max-age=" in limit["hsts"]
    print()
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop what it started, as on Ctrl-C
    os.chdir(ROOT)
    sys.exit(main())
