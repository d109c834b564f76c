"""A load run: simulated staff working their inboxes against LotFlow's production processes on PostgreSQL and Redis.

    createdb -h 127.0.0.1 -U postgres lotflow_load
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lotflow_load REDIS_URL=redis://127.0.0.1:6379/0 \\
      .venv/bin/python bench/load.py                        # 50 staff, 4 web and 2 worker processes, 2 minutes
    ... bench/load.py --duration 30 --staff 20 --think 0.5    # shorter, fewer, slower people

Needs the ``bench`` extra (``pip install -e '.[bench]'``: requests, the simulated staff's HTTP client).

What it does, in order:
1. ``bin/start release`` on the database (checks, migrations, static files, the shipped processes).
2. Demo-like data, built once and kept: ``--stores`` stores of ``--staff`` salespeople in all (plus a manager
   each), 150 customers a store with contacts and plans, then a top-up before every run so that each store
   has ``--open`` open "Contact the prospect" steps (the lead follow-up process) waiting in its sales queue.
3. ``bin/start web`` (gunicorn, ``--web`` processes), ``bin/start worker`` (Celery, ``--workers`` processes)
   and ``bin/start beat``, each as its own process group on a free loopback port, their output in
   var/bench/load/logs/.
4. ``--staff`` simulated salespeople, one thread and one session each, for ``--duration`` seconds on loopback.
   Each signs in first (as many at a time as there are web processes, timed apart, before the working
   window: the password hash is slow by design), then repeats: the inbox; claim a step from the store's
   queue (one of the first few, so that colleagues sometimes reach for the same one) or take one already
   theirs; open it and complete it with valid data (a test drive it opens for the same person is completed
   too); search the customers by a family name; open one found and, when it is theirs, log a contact.
   A claim or a step that a colleague took first is a *conflict*: the answer the portal is meant to give,
   counted apart from errors. An error is anything else that is not what a person expects: an HTTP error,
   a timeout, a refused form, an unknown message.
5. The processes are stopped (SIGTERM), then the database is checked: every work item completed during the run
   has exactly one audit row for its completion; every instance touched has its work-item, timer and message
   mirror equal to its stored state; every step, claim and contact the staff were told succeeded is in the
   database under their name (otherwise a *lost update*).

Prints requests/s and steps completed/s over the run, p50/p95/max per action, conflicts, errors and lost
updates; exits 1 when there was an error or a lost update. The timings include everything a browser waits for
except static files: a POST and the page its redirect leads to count as one action. Beside them, the time the
same requests spent inside a web process (gunicorn's access log): the difference is time queued for a free one.
"""

import argparse
import html.parser
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench" / "load"
PASSWORD = "load-run-password"  # the synthetic staff's; the data is synthetic and the server listens on loopback
CUSTOMERS_PER_STORE = 150
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"  # those of the demo's customers (portal/crm/demo.py)
CLAIM_FROM_FIRST = 3  # a person picks one of the first few claimable steps: colleagues meet on some
# What the portal says when a colleague got there first (English: the run asks for it with Accept-Language).
CONFLICT = re.compile(
    r"took “.*” first|was already completed by|is no longer yours|was cancelled|contacted this prospect first"
)


def environment(args: argparse.Namespace) -> dict[str, str]:
    """Production settings for every process of the run, with keys made once under var/bench/load/."""
    VAR.mkdir(parents=True, exist_ok=True)
    keys = {}
    for name in ("secret_key", "data_keys"):
        path = VAR / name
        if not path.exists():
            # the data key ring: one key, id 1 (docs/security.md: keys and rotation)
            path.write_text(("1:" if name == "data_keys" else "") + secrets.token_urlsafe(50))
            path.chmod(0o600)
        keys[name] = path.read_text().strip()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LOTFLOW_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        LOTFLOW_CACHE_URL=args.cache_url or args.redis_url,
        LOTFLOW_SECRET_KEY=keys["secret_key"],
        LOTFLOW_DATA_KEYS=keys["data_keys"],
        LOTFLOW_VAR_DIR=str(VAR),
        LOTFLOW_HTTPS="0",
        LOTFLOW_LANGUAGE="en",
        LOTFLOW_ADMIN_SECOND_FACTOR="0",
        LOTFLOW_WEB_LOG_LEVEL="warning",
        LOTFLOW_WORKER_LOG_LEVEL="WARNING",
        LOTFLOW_BEAT_LOG_LEVEL="WARNING",
        PY=sys.executable,
    )
    return env


# -- the data ------------------------------------------------------------------------------------------------------


def build(stores: int, staff: int) -> list[tuple[str, int]]:
    """Stores, salespeople, managers and customers (once); returns (username, store id) of the salespeople."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from portal.crm import demo
    from portal.crm.models import Customer, Role, Staff, StaffRole, Store

    user_model = get_user_model()
    rng = random.Random(23)
    people = []
    phone = 15000000000
    for s in range(stores):
        store, _ = Store.objects.get_or_create(
            name=f"负载测试{s + 1:02d}店",
            defaults={"region": "华东" if s % 2 else "华南", "address": f"测试路{s + 1}号"},
        )
        manager = _person(user_model, Staff, StaffRole, f"load{s + 1:02d}_manager", store, Role.STORE_MANAGER)
        sales = [
            _person(user_model, Staff, StaffRole, f"load{s + 1:02d}_sales{n + 1}", store, Role.SALES)
            for n in range(s, staff, stores)
        ]
        people.extend((user.username, store.pk) for user in sales)
        missing = CUSTOMERS_PER_STORE - Customer.objects.filter(home_store=store).count()
        if missing > 0:
            print(f"  {store.name}: {missing} customers", flush=True)
            now = _now()
            with transaction.atomic():
                for n in range(missing):
                    number = str(phone + s * 100_000 + n + CUSTOMERS_PER_STORE - missing)
                    demo._customer(rng, store, manager, sales or [manager], number, now)
    return people


def _person(user_model: Any, staff_model: Any, role_model: Any, username: str, store: Any, role: str) -> Any:
    user, created = user_model.objects.get_or_create(
        username=username, defaults={"last_name": "测", "first_name": "试"}
    )
    if created:
        user.set_password(PASSWORD)
        user.save()
    person, _ = staff_model.objects.get_or_create(user=user, defaults={"store": store})
    role_model.objects.get_or_create(staff=person, role=role, defaults={"group_wide": False})
    return user


def _now() -> Any:
    from django.utils import timezone

    return timezone.now()


def top_up(stores: list[int], open_per_store: int) -> int:
    """Start lead follow-ups until each store has ``open_per_store`` open contact steps; returns how many started."""
    from engine import api
    from portal.crm.models import Customer

    started = 0
    busy = api.business_keys("lead_followup")
    for store_id in stores:
        waiting = _open_contacts(store_id)
        if waiting >= open_per_store:
            continue
        candidates = (
            Customer.objects.filter(home_store_id=store_id)
            .select_related("owner", "home_store")
            .prefetch_related("phones")
            .order_by("?")
        )
        for customer in candidates:
            if waiting >= open_per_store:
                break
            key = f"customer:{customer.pk}"
            if key in busy:
                continue
            phone = customer.phones.first()
            api.start(
                "lead_followup",
                business_key=key,
                user=customer.owner,
                data={
                    "store_id": store_id,
                    "customer_id": customer.pk,
                    "customer_name": customer.name,
                    "phone": phone.number if phone else "",
                },
            )
            busy.add(key)
            waiting += 1
            started += 1
    return started


def _open_contacts(store_id: int) -> int:
    from engine.models import ItemStatus, WorkItem

    return WorkItem.objects.filter(
        store_id=store_id, element_id="Contact", status=ItemStatus.OPEN, assignee__isnull=True
    ).count()


# -- the processes -------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def release(env: dict[str, str]) -> None:
    done = subprocess.run(["bin/start", "release"], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"bin/start release failed:\n{done.stderr.strip()}")


def start(kind: str, env: dict[str, str], **extra: str) -> subprocess.Popen:
    (VAR / "logs").mkdir(exist_ok=True)
    log = (VAR / "logs" / f"{kind}.log").open("w")
    return subprocess.Popen(
        ["bin/start", kind],
        cwd=ROOT,
        env={**env, **extra},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped whole, children included
    )


def stop(processes: dict[str, subprocess.Popen]) -> None:
    for process in processes.values():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for kind, process in processes.items():
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            print(f"{kind} did not stop in 60 s: killed", flush=True)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_until_serving(base: str, processes: dict[str, subprocess.Popen]) -> None:
    import requests

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for kind, process in processes.items():
            if process.poll() is not None:
                sys.exit(f"{kind} stopped at start (exit {process.returncode}): see {VAR / 'logs' / kind}.log")
        try:
            if requests.get(f"{base}/login/", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    sys.exit("the web processes did not answer in 120 s")


# -- the simulated staff -------------------------------------------------------------------------------------------


class Forms(html.parser.HTMLParser):
    """The forms of a page: action -> {field name: value or list of option values}, and which are required."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, Any]] = {}
        self.types: dict[str, dict[str, str]] = {}
        self.required: dict[str, set[str]] = {}
        self._action: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._action = a.get("action", "")
            self.forms.setdefault(self._action, {})
            self.types.setdefault(self._action, {})
            self.required.setdefault(self._action, set())
            return
        if self._action is None or tag not in ("input", "select", "textarea", "option"):
            return
        fields, types = self.forms[self._action], self.types[self._action]
        if tag == "option" and self._select is not None:
            if a.get("value"):
                fields[self._select].append(a["value"])
            return
        name = a.get("name")
        if not name:
            return
        if "required" in a:
            self.required[self._action].add(name)
        if tag == "select":
            self._select = name
            fields[name], types[name] = [], "select"
        elif tag == "textarea":
            fields[name], types[name] = "", "textarea"
        elif a.get("type") in ("radio", "checkbox"):
            fields.setdefault(name, []).append(a.get("value", "on"))
            types[name] = a["type"]
        else:
            fields[name], types[name] = a.get("value", ""), a.get("type", "text")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._action = None
        elif tag == "select":
            self._select = None


def forms_of(page: str) -> Forms:
    parser = Forms()
    parser.feed(page)
    return parser


# A step's answers by field name (the lead follow-up's forms); any other field gets a plain valid value.
def answer(name: str, kind: str, options: Any, rng: random.Random) -> str:
    today = _today()
    if name == "outcome":
        return rng.choice(["interested", "interested", "not_interested", "unreachable"])
    if name == "model":
        return rng.choice(["RAV4", "CR-V", "Han", "Tiguan"])
    if kind == "date":
        return (today + timedelta(days=rng.randrange(1, 10))).isoformat()
    if kind == "datetime-local":
        return f"{(today + timedelta(days=rng.randrange(1, 10))).isoformat()}T{rng.randrange(9, 18):02d}:30"
    if kind == "number":
        return str(rng.randrange(1, 5))
    if isinstance(options, list):
        return rng.choice(options) if options else ""
    return "负载测试：已电话沟通，客户想周末到店。"


def _today() -> Any:
    from django.utils import timezone

    return timezone.localdate()


@dataclass
class Tally:
    """What the staff saw: timings per action, conflicts, errors, and what they were told succeeded."""

    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    conflicts: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    completed: list[tuple[int, str]] = field(default_factory=list)  # (item id, username)
    claimed: list[tuple[int, str]] = field(default_factory=list)
    contacts: Counter = field(default_factory=Counter)  # username -> contacts logged
    lock: threading.Lock = field(default_factory=threading.Lock)

    def time(self, action: str, seconds: float) -> None:
        with self.lock:
            self.timings[action].append(seconds)

    def error(self, who: str, action: str, what: str) -> None:
        with self.lock:
            self.errors.append(f"{who} {action}: {what}")


class Stopped(Exception):
    pass


class Person:
    def __init__(self, base: str, username: str, tally: Tally, think: float, seed: int) -> None:
        import requests

        self.base, self.username, self.tally, self.think = base, username, tally, think
        self.deadline = time.monotonic() + 600  # the sign-in; the run sets the end of its own window
        self.signed_in = False
        self.rng = random.Random(seed)
        self.session = requests.Session()
        self.session.headers["Accept-Language"] = "en"

    def request(self, action: str, method: str, path: str, **kwargs: Any) -> Any:
        """One action's request (and the page its redirect leads to), timed; None when it failed (an error)."""
        if time.monotonic() > self.deadline:
            raise Stopped
        began = time.perf_counter()
        try:
            response = self.session.request(method, self.base + path, timeout=60, **kwargs)
        except Exception as err:  # noqa: BLE001 - a timeout, a reset connection: every one is an error of the run
            self.tally.error(self.username, action, f"{type(err).__name__}: {err}")
            return None
        self.tally.time(action, time.perf_counter() - began)
        if response.status_code != 200:
            self.tally.error(self.username, action, f"HTTP {response.status_code} on {method} {path}")
            return None
        return response

    def pause(self) -> None:
        if self.think:
            time.sleep(self.rng.expovariate(1 / self.think))

    def run(self) -> None:
        try:
            while self.signed_in:
                self.round()
        except Stopped:
            pass
        finally:
            self.session.close()

    def sign_in(self) -> bool:
        self.signed_in = self._sign_in()
        return self.signed_in

    def _sign_in(self) -> bool:
        page = self.request("sign_in", "GET", "/login/")
        if page is None:
            return False
        token = forms_of(page.text).forms.get("", {}).get("csrfmiddlewaretoken") or self._token(page.text)
        signed = self.request(
            "sign_in",
            "POST",
            "/login/",
            data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token, "next": "/"},
            headers={"Referer": self.base + "/login/"},
        )
        if signed is None:
            return False
        if signed.url.rstrip("/").endswith("/login"):
            self.tally.error(self.username, "sign_in", "still on the sign-in page")
            return False
        return True

    @staticmethod
    def _token(page: str) -> str:
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        return found.group(1) if found else ""

    def post(self, action: str, path: str, data: dict[str, Any]) -> Any:
        return self.request(action, "POST", path, data=data, headers={"Referer": self.base + path})

    def round(self) -> None:
        inbox = self.request("inbox", "GET", "/")
        if inbox is None:
            return self.pause()
        mine, claimable = _rows(inbox.text, "mine"), _rows(inbox.text, "claimable")
        item = None
        if mine:
            item = mine[0]
        elif claimable:
            row = self.rng.choice(claimable[:CLAIM_FROM_FIRST])
            claimed = self.post(
                "claim",
                f"/items/{row['id']}/claim/",
                {"csrfmiddlewaretoken": row["csrf"], "ticket": row["ticket"], "sort": "due"},
            )
            if claimed is not None and self.told(claimed.text, "claim", row["id"]):
                with self.tally.lock:
                    self.tally.claimed.append((row["id"], self.username))
                item = row
        self.pause()
        if item is not None:
            self.complete(item["id"])
            self.pause()
        customer = self.search()
        self.pause()
        if customer is not None:
            self.contact(customer)
            self.pause()

    def told(self, page: str, action: str, item_id: int | None = None) -> bool:
        """Did the page say the action succeeded? A conflict is counted; any other refusal is an error."""
        messages = re.findall(r'<p class="message ([a-z ]*)" role="(?:alert|status)">(.*?)</p>', page, re.S)
        if any(kind.strip() == "success" for kind, _ in messages):
            return True
        text = " | ".join(html.unescape(m) for _, m in messages) if messages else "no message"
        if CONFLICT.search(text):
            with self.tally.lock:
                self.tally.conflicts[action] += 1
            return False
        self.tally.error(self.username, action, f"item {item_id}: {text[:200]}")
        return False

    def complete(self, item_id: int) -> None:
        """Open the step, answer it; follow on to the next step when it is the same person's (two at most)."""
        for _ in range(2):
            page = self.request("open_step", "GET", f"/items/{item_id}/")
            if page is None:
                return
            if f"/items/{item_id}/" not in page.url:  # sent back to the inbox: what became of it is in the message
                self.told(page.text, "complete", item_id)
                return
            forms = forms_of(page.text)
            action = f"/items/{item_id}/"
            if action not in forms.forms:
                self.tally.error(self.username, "open_step", f"item {item_id}: no form to answer")
                return
            data: dict[str, Any] = {}
            for name, value in forms.forms[action].items():
                kind = forms.types[action][name]
                if name in ("csrfmiddlewaretoken", "ticket") or kind == "hidden":
                    data[name] = value
                elif kind == "checkbox":
                    continue
                elif name in forms.required[action] or kind in ("select", "radio") or name in ("model", "notes"):
                    data[name] = answer(name, kind, value, self.rng)
            done = self.post("complete", action, data)
            if done is None:
                return
            if not self.told(done.text, "complete", item_id):
                return
            with self.tally.lock:
                self.tally.completed.append((item_id, self.username))
            following = re.search(r"/items/(\d+)/$", done.url)
            if not following or int(following.group(1)) == item_id:
                return
            item_id = int(following.group(1))
            self.pause()

    def search(self) -> int | None:
        """Customers by a family name; one of those found (None when none)."""
        found = self.request("search", "GET", "/crm/customers/", params={"q": self.rng.choice(SURNAMES)})
        if found is None:
            return None
        ids = re.findall(r'href="/crm/customers/(\d+)/"', found.text)
        return int(self.rng.choice(ids)) if ids else None

    def contact(self, customer: int) -> None:
        page = self.request("customer", "GET", f"/crm/customers/{customer}/")
        if page is None:
            return
        action = f"/crm/customers/{customer}/contact/"
        form = forms_of(page.text).forms.get(action)
        if form is None or form.get("from_pool") == "True":
            return  # a prospect in the store's pool: a first contact takes it, not this run's business
        done = self.post(
            "contact",
            action,
            {
                "csrfmiddlewaretoken": form.get("csrfmiddlewaretoken", ""),
                "from_pool": form.get("from_pool", ""),
                "channel": "phone",
                "outcome": self.rng.choice(["interested", "follow_up", "unreachable"]),
                "content": "负载测试：电话回访，客户考虑中。",
            },
        )
        if done is not None and self.told(done.text, "contact"):
            with self.tally.lock:
                self.tally.contacts[self.username] += 1


ROW = re.compile(r'<tr id="item-(\d+)".*?</tr>', re.S)


def _rows(page: str, list_id: str) -> list[dict[str, Any]]:
    start = page.find(f'id="list-{list_id}"')
    if start < 0:
        return []
    table = page[start : page.find("</table>", start)]
    rows = []
    for match in ROW.finditer(table):
        text = match.group(0)
        ticket = re.search(r'name="ticket" value="([^"]*)"', text)
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]*)"', text)
        customer = re.search(r'href="/crm/customers/(\d+)/"', text)
        rows.append(
            {
                "id": int(match.group(1)),
                "ticket": ticket.group(1) if ticket else "",
                "csrf": csrf.group(1) if csrf else "",
                "customer": int(customer.group(1)) if customer else None,
            }
        )
    return rows


# -- the checks ----------------------------------------------------------------------------------------------------


def check(tally: Tally, since: Any, usernames: list[str]) -> tuple[list[str], list[str]]:
    """(broken invariants, lost updates) after the run."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from engine.models import AuditEvent, ItemStatus, ProcessInstance, WorkItem
    from portal.crm.models import Communication

    broken: list[str] = []
    done = dict(
        WorkItem.objects.filter(status=ItemStatus.DONE, completed_at__gte=since).values_list("pk", "completed_by_id")
    )
    audited = Counter(
        dict(
            AuditEvent.objects.filter(work_item_id__in=list(done), action__in=("completed", "dismissed"))
            .values_list("work_item_id")
            .annotate(n=Count("id"))
            .values_list("work_item_id", "n")
        )
    )
    for item_id in done:
        if audited[item_id] != 1:
            broken.append(f"work item {item_id} completed with {audited[item_id]} audit row(s)")
    touched = list(ProcessInstance.objects.filter(updated_at__gte=since).values_list("pk", flat=True))
    for instance_id in touched:
        broken.extend(mirror_problems(instance_id))
    print(f"checked: {len(done)} items completed during the run, {len(touched)} instances touched", flush=True)

    lost: list[str] = []
    ids = dict(get_user_model().objects.filter(username__in=usernames).values_list("username", "pk"))
    for item_id, username in tally.completed:
        if done.get(item_id) != ids[username]:
            lost.append(f"item {item_id}: {username} was told it was completed, the database says otherwise")
    claimed_rows = set(
        AuditEvent.objects.filter(action="claimed", at__gte=since).values_list("work_item_id", "actor_id")
    )
    for item_id, username in tally.claimed:
        if (item_id, ids[username]) not in claimed_rows:
            lost.append(f"item {item_id}: {username} was told it was claimed, no claim of theirs is recorded")
    logged = Counter(
        dict(
            Communication.objects.filter(at__gte=since, author__username__in=usernames)
            .values_list("author__username")
            .annotate(n=Count("id"))
            .values_list("author__username", "n")
        )
    )
    for username, count in tally.contacts.items():
        if logged[username] != count:
            lost.append(f"{username} logged {count} contact(s), the database holds {logged[username]}")
    return broken, lost


def mirror_problems(instance_id: int) -> list[str]:
    """The instance's work-item, timer and message-wait rows against its stored state (read without any cache)."""
    import json

    from engine import spiff, store
    from engine.models import DueTimer, ItemStatus, MessageWait, ProcessInstance, WorkItem
    from engine.snapshot import take_snapshot

    row = ProcessInstance.objects.get(pk=instance_id)
    bundle = store.bundle(row.deployment_id, row.callees)
    workflow = spiff.state_from_dict(json.loads(row.state), bundle.spec, bundle.subprocess_specs)
    snap = take_snapshot(workflow)
    problems = []
    items = set(
        WorkItem.objects.filter(instance_id=instance_id, status=ItemStatus.OPEN).values_list("task_id", flat=True)
    )
    if items != set(snap.ready):
        problems.append(f"instance {instance_id}: open items {sorted(items)} but ready tasks {sorted(snap.ready)}")
    timers = dict(DueTimer.objects.filter(instance_id=instance_id).values_list("task_id", "due_at"))
    if timers != {t: due for t, (_el, due) in snap.timers.items()}:
        problems.append(f"instance {instance_id}: due timers differ from the state")
    waits = set(MessageWait.objects.filter(instance_id=instance_id).values_list("task_id", flat=True))
    if waits != set(snap.waits):
        problems.append(f"instance {instance_id}: message waits differ from the state")
    return problems


# -- the run -------------------------------------------------------------------------------------------------------


ACCESS = re.compile(r'"(GET|POST) (\S+) HTTP/1.1" (\d{3}) \S+ (\d+)ms')


def served(log: Path, skip: int) -> dict[str, list[float]]:
    """Seconds each action took inside a web process (gunicorn's access log, from byte ``skip`` on): the time
    a request spent there, without the time it queued for a free process."""
    times: dict[str, list[float]] = defaultdict(list)
    with log.open() as lines:
        lines.seek(skip)
        for line in lines:
            found = ACCESS.search(line)
            if not found:
                continue
            method, path, _status, ms = found.groups()
            path = path.split("?")[0]
            if path == "/":
                action = "inbox"
            elif path == "/login/":
                action = "sign_in"
            elif path.endswith("/claim/"):
                action = "claim"
            elif path.startswith("/items/"):
                action = "open_step" if method == "GET" else "complete"
            elif path == "/crm/customers/":
                action = "search"
            elif path.endswith("/contact/"):
                action = "contact"
            elif path.startswith("/crm/customers/"):
                action = "customer"
            else:
                continue
            times[action].append(int(ms) / 1000)
    return times


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""))
    parser.add_argument("--cache-url", default=os.environ.get("LOTFLOW_CACHE_URL", ""), help="default: REDIS_URL")
    parser.add_argument("--staff", type=int, default=50, help="simulated salespeople (default 50)")
    parser.add_argument("--stores", type=int, default=10, help="stores they work in (default 10)")
    parser.add_argument("--open", type=int, default=80, help="open contact steps per store before the run (default 80)")
    parser.add_argument("--duration", type=float, default=120, help="seconds of load (default 120, at most 900)")
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds a person pauses between actions")
    parser.add_argument("--web", type=int, default=4, help="gunicorn processes (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes (default 2)")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("DATABASE_URL (or --database-url) must name a PostgreSQL database: the run is about scaling out")
    if not args.redis_url:
        parser.error("REDIS_URL (or --redis-url) must name a Redis database")
    args.duration = min(max(args.duration, 5.0), 900.0)  # bounded: the run always stops by itself

    env = environment(args)
    print("release: bin/start release", flush=True)
    release(env)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connections

    began = time.perf_counter()
    people = build(args.stores, args.staff)
    started = top_up(sorted({store for _, store in people}), args.open)
    print(
        f"data: {len(people)} salespeople in {args.stores} stores, {started} follow-ups started "
        f"({time.perf_counter() - began:.0f} s)",
        flush=True,
    )
    connections.close_all()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    processes = {
        "web": start("web", env, LOTFLOW_BIND=f"127.0.0.1:{port}", LOTFLOW_WEB_WORKERS=str(args.web)),
        "worker": start("worker", env, LOTFLOW_WORKER_CONCURRENCY=str(args.workers)),
        "beat": start("beat", env),
    }
    try:
        wait_until_serving(base, processes)
        print(
            f"serving on {base}: {args.web} web, {args.workers} worker processes and beat; "
            f"{len(people)} staff for {args.duration:.0f} s (think {args.think} s)",
            flush=True,
        )
        tally = Tally()
        since = _now()
        # Everyone signs in first, as many at a time as there are web processes (a password check is a
        # deliberately slow hash: 50 at once would only queue), timed apart from the working window.
        staff = [Person(base, name, tally, args.think, seed) for seed, (name, _) in enumerate(people)]
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.web) as pool:
            signed = sum(pool.map(Person.sign_in, staff))
        print(f"{signed} of {len(staff)} signed in ({time.perf_counter() - t0:.0f} s); working", flush=True)
        sign_ins = tally.timings.pop("sign_in", [])
        web_log = VAR / "logs" / "web.log"
        log_start = web_log.stat().st_size
        deadline = time.monotonic() + args.duration
        threads = []
        for person in staff:
            person.deadline = deadline
            threads.append(threading.Thread(target=person.run, daemon=True))
        t0 = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.duration + 120)
        elapsed = time.perf_counter() - t0
        died = [kind for kind, process in processes.items() if process.poll() is not None]
    finally:
        stop(processes)

    broken, lost = check(tally, since, [name for name, _ in people])
    inside = served(web_log, log_start)
    requests_made = sum(len(v) for v in tally.timings.values())
    print(
        f"\n{requests_made} actions in {elapsed:.1f} s: {requests_made / elapsed:.1f} actions/s, "
        f"{len(tally.completed) / elapsed:.2f} steps completed/s, {sum(tally.contacts.values())} contacts logged"
    )
    print(
        f"{'action':<10} {'count':>7} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'in web p50/p95 ms':>18}"
    )
    if sign_ins:
        print(
            f"{'sign_in':<10} {len(sign_ins):>7} {'before':>7} {statistics.median(sign_ins) * 1000:>8.0f} "
            f"{percentile(sign_ins, 0.95) * 1000:>8.0f} {max(sign_ins) * 1000:>8.0f}"
        )
    for action in ("inbox", "claim", "open_step", "complete", "search", "customer", "contact"):
        times = tally.timings.get(action)
        if not times:
            continue
        web = inside.get(action)
        in_web = f"{statistics.median(web) * 1000:.0f}/{percentile(web, 0.95) * 1000:.0f}" if web else "-"
        print(
            f"{action:<10} {len(times):>7} {len(times) / elapsed:>7.1f} {statistics.median(times) * 1000:>8.0f} "
            f"{percentile(times, 0.95) * 1000:>8.0f} {max(times) * 1000:>8.0f} {in_web:>18}"
        )
    print(f"conflicts (a colleague was first; expected answers): {dict(tally.conflicts) or 0}")
    print(f"errors: {len(tally.errors)}")
    for line in tally.errors[:10]:
        print(f"  {line}")
    print(f"lost updates: {len(lost)}")
    for line in lost[:10]:
        print(f"  {line}")
    print(f"broken invariants: {len(broken)}")
    for line in broken[:10]:
        print(f"  {line}")
    if died:
        print(f"stopped during the run: {', '.join(died)} (see {VAR / 'logs'})")
    return 1 if tally.errors or lost or broken or died else 0


if __name__ == "__main__":
    sys.exit(main())
