"""Simulated people at work for ``python -m bench.load``, one locust user each.

Started by ``bench.load``, which prepares the load organisation and passes, through the file named
by ``RAPPORT_LOAD_IDENTITIES``, one identity per simulated person (API token, password, own records,
capacity) and samples of record ids. Each person waits 1–3 s between actions and works through a
weighted mix; every request has a readable ``name`` so locust's statistics are per action, and any
answer but the expected 2xx is a failure (with the status and the start of the body as its reason).

Salespeople and sales managers open and edit their own records and keep count of the customers they
hold (active accounts and open leads, SAL-23): near the capacity limit they give customers up instead
of taking new ones. Administrators list, search and open across the whole data set and edit their
own records. Nobody edits a record another simulated person may be changing at the same moment.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # ``bench`` when locust runs this file

from locust import HttpUser, between, events, task  # noqa: E402

from bench.load import account_values, lead_values, slug  # noqa: E402

_path = os.environ.get("RAPPORT_LOAD_IDENTITIES")
SETUP = json.loads(Path(_path).read_text()) if _path else {"identities": {"administrator": [], "sales": []},
                                                             "sample": {"accounts": [], "leads": []}, "terms": ["Kft"]}
_WAIT = [float(x) for x in os.environ.get("RAPPORT_LOAD_WAIT", "1,3").split(",")]
_counters = {"administrator": itertools.count(), "sales": itertools.count()}
# For tests: each simulated person first does every action once, in order, and the run stops after the tours.
TOUR = os.environ.get("RAPPORT_LOAD_TOUR") == "1"
_tours_left = []
CAPACITY_MARGIN = 3  # a salesperson gives customers up this far below the limit
MY_OPEN_LEADS = quote(json.dumps({"and": [{"field": "owner", "op": "eq-current-user"},
                                          {"field": "state", "op": "eq", "value": "open"}]}))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NO_TOKEN = {"Authorization": None}  # the web interface signs in with a session, not the API token
_environment = []


@events.init.add_listener
def _remember_environment(environment, **_kwargs):
    _environment.append(environment)


@events.quit.add_listener
def _write_result(**_kwargs):
    """Every request's statistics to RAPPORT_LOAD_RESULT once the run is over (locust's CSV is written
    once a second while it runs, and may miss the last second)."""
    path = os.environ.get("RAPPORT_LOAD_RESULT")
    if not path or not _environment:
        return
    stats = _environment[0].stats

    def entry(e):
        def percentile(p):
            return e.get_response_time_percentile(p) if e.num_requests else None

        return {"method": e.method or "", "name": e.name, "requests": e.num_requests, "failures": e.num_failures,
                "p50": percentile(0.5), "p95": percentile(0.95), "p99": percentile(0.99),
                "max": e.max_response_time if e.num_requests else None, "rps": e.total_rps}

    rows = [entry(e) for e in stats.entries.values() if e.num_requests or e.num_failures]
    errors = [{"method": e.method, "name": e.name, "error": e.serialize()["error"], "occurrences": e.occurrences}
              for e in stats.errors.values()]
    Path(path).write_text(json.dumps({"rows": rows, "total": entry(stats.total), "errors": errors}, ensure_ascii=False))


class Person(HttpUser):
    abstract = True
    wait_time = between(*_WAIT)
    pool = "sales"

    def on_start(self):
        identities = SETUP["identities"][self.pool]
        if not identities:
            raise RuntimeError("no identities: run this through python -m bench.load")
        self.me = identities[next(_counters[self.pool]) % len(identities)]
        self.rng = random.Random()
        self.client.headers.update({"Authorization": f"Bearer {self.me['token']}", "Accept": "application/json"})
        self.accounts = list(self.me["accounts"])
        self.leads = list(self.me["leads"])
        self.held = self.me["held"]
        self.capacity = self.me["capacity"]
        self.seen = []  # ids on the last list page, what a person clicks next
        self.signed_in = False
        if TOUR:
            self.tour()

    def tour(self):
        """Every action once (and the paths the mix takes only sometimes), then stop the run when all are done."""
        import gevent

        if not _tours_left:
            _tours_left.append(self.environment.runner.target_user_count or 1)
        self.list_accounts(follow=True)
        for name in self.TOUR:
            getattr(self, name)()
        self.deactivate_account()
        _tours_left[0] -= 1
        if _tours_left[0] <= 0:
            gevent.spawn_later(0.1, self.environment.runner.quit)

    # --- plumbing -----------------------------------------------------------------------------------

    @staticmethod
    def tagged(name: str, headers: dict | None = None) -> dict:
        """Headers with ``X-Request-Id: load-<action>-<n>``: the access log then tells each action's server time."""
        return {**(headers or {}), "X-Request-Id": f"load-{slug(name)}-{uuid.uuid4().hex[:12]}"}

    def call(self, method: str, url: str, name: str, *, expect=(200,), body=None, **kwargs):
        """One request; the decoded JSON answer, or None after recording a failure."""
        if body is not None:
            kwargs["json"] = body
        kwargs["headers"] = self.tagged(name, kwargs.get("headers"))
        with self.client.request(method, url, name=name, catch_response=True, **kwargs) as response:
            if response.status_code not in expect:
                response.failure(f"{response.status_code}: {response.text[:300]}")
                return None
            try:
                answer = response.json() if response.content else {}
            except ValueError:
                answer = {"text": response.text}
            response.success()
            return answer

    def room(self, more: int = 1) -> bool:
        """Whether taking ``more`` customers stays below the capacity limit (administrators have none)."""
        return self.capacity is None or self.held + more <= self.capacity - CAPACITY_MARGIN

    def remember(self, answer):
        if answer and answer.get("results"):
            self.seen = [row["id"] for row in answer["results"] if row.get("id")]

    def pick_account(self) -> str | None:
        if self.seen and self.rng.random() < 0.5:
            return self.rng.choice(self.seen)
        if self.pool == "administrator" and SETUP["sample"]["accounts"]:
            return self.rng.choice(SETUP["sample"]["accounts"])
        return self.rng.choice(self.accounts) if self.accounts else None

    # --- reading ------------------------------------------------------------------------------------

    TOUR = ["list_my_leads", "quick_find", "global_search", "open_account", "open_lead", "edit_account", "edit_lead",
            "new_lead", "create_account", "qualify_lead", "disqualify_lead"]

    @task(14)
    def list_accounts(self, follow: bool | None = None):
        answer = self.call("GET", "/api/v1/accounts/?state=active&ordering=name&page_size=50", "list accounts")
        self.remember(answer)
        if follow is None:
            follow = self.rng.random() < 0.3
        if answer and answer.get("next") and follow:
            self.remember(self.call("GET", answer["next"], "list accounts: next page"))

    @task(7)
    def list_my_leads(self):
        self.call("GET", f"/api/v1/leads/?filter={MY_OPEN_LEADS}&ordering=-modified_on&page_size=50",
                  "list my open leads")

    @task(10)
    def quick_find(self):
        term = quote(self.rng.choice(SETUP["terms"]))
        self.remember(self.call("GET", f"/api/v1/accounts/?q={term}&page_size=50", "quick find accounts"))

    @task(6)
    def global_search(self):
        term = quote(self.rng.choice(SETUP["terms"]))
        self.call("GET", f"/api/v1/search/?q={term}", "global search")

    @task(12)
    def open_account(self):
        pk = self.pick_account()
        if pk:
            self.call("GET", f"/api/v1/accounts/{pk}/", "open account")

    @task(6)
    def open_lead(self):
        pool = SETUP["sample"]["leads"] if self.pool == "administrator" and self.rng.random() < 0.5 else self.leads
        if pool:
            self.call("GET", f"/api/v1/leads/{self.rng.choice(pool)}/", "open lead")

    # --- writing ------------------------------------------------------------------------------------

    @task(6)
    def edit_account(self):
        if self.accounts:
            body = {"description": f"Visited on a load test, note {self.rng.randint(1, 10**6)}",
                    "employees": self.rng.randint(5, 5000)}
            self.call("PATCH", f"/api/v1/accounts/{self.rng.choice(self.accounts)}/", "edit account", body=body)

    @task(4)
    def edit_lead(self):
        if self.leads:
            body = {"rating": self.rng.choice(["hot", "warm", "cold"]),
                    "description": f"Called back, note {self.rng.randint(1, 10**6)}"}
            self.call("PATCH", f"/api/v1/leads/{self.rng.choice(self.leads)}/", "edit lead", body=body)

    def create_lead(self) -> str | None:
        answer = self.call("POST", "/api/v1/leads/", "create lead", expect=(201,), body=lead_values(self.rng))
        if answer:
            self.held += 1
            return answer["id"]
        return None

    @task(3)
    def new_lead(self):
        if not self.room():
            return self.give_up()
        pk = self.create_lead()
        if pk:
            self.leads.append(pk)

    @task(2)
    def create_account(self):
        if not self.room():
            return self.give_up()
        answer = self.call("POST", "/api/v1/accounts/", "create account", expect=(201,), body=account_values(self.rng))
        if answer:
            self.held += 1
            self.accounts.append(answer["id"])

    @task(2)
    def qualify_lead(self):
        """A new lead qualified at once into account, contact and opportunity (the lead stops counting, the account starts)."""
        if not self.room(2):
            return self.give_up()
        pk = self.create_lead()
        if not pk:
            return
        body = {"create_account": True, "create_contact": True, "create_opportunity": True}
        answer = self.call("POST", f"/api/v1/leads/{pk}/qualify/", "qualify lead", body=body)
        if answer:
            account = (answer.get("created") or {}).get("account")
            if account:
                self.accounts.append(account)
        else:
            self.leads.append(pk)  # still open

    @task(2)
    def disqualify_lead(self):
        if len(self.leads) > 5:
            self.disqualify()

    def disqualify(self) -> bool:
        pk = self.leads.pop(self.rng.randrange(len(self.leads)))
        if self.call("POST", f"/api/v1/leads/{pk}/disqualify/", "disqualify lead",
                     body={"status_reason": "no_longer_interested"}) is not None:
            self.held -= 1
            return True
        return False

    def give_up(self):
        """At the capacity limit: hand a customer back (a lead first, else an account) instead of taking one."""
        if self.leads:
            self.disqualify()
        elif len(self.accounts) > 1:
            self.deactivate_account()

    def deactivate_account(self):
        pk = self.accounts.pop(self.rng.randrange(len(self.accounts)))
        if self.call("POST", f"/api/v1/accounts/{pk}/deactivate/", "give up: deactivate account", body={}) is not None:
            self.held -= 1

    # --- the web interface (salespeople and managers sign in with a password) -------------------------

    def sign_in(self) -> bool:
        if self.signed_in:
            return True
        with self.client.get("/login/", name="UI sign-in page", headers=self.tagged("UI sign-in page", NO_TOKEN),
                             catch_response=True) as response:
            found = CSRF.search(response.text) if response.status_code == 200 else None
            if not found:
                response.failure(f"{response.status_code}: no sign-in form")
                return False
            response.success()
        data = {"username": self.me["username"], "password": self.me["password"], "csrfmiddlewaretoken": found.group(1)}
        with self.client.post("/login/", data=data, name="UI sign in", headers=self.tagged("UI sign in", NO_TOKEN),
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
                response.failure(f"{response.status_code}: not signed in ({response.headers.get('Location', '')})")
                return False
            response.success()
        self.signed_in = True
        return True

    def page(self, url: str, name: str):
        with self.client.get(url, name=name, headers=self.tagged(name, NO_TOKEN), catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:300]}")
            else:
                response.success()


class Salesperson(Person):
    """Salespeople and sales managers of the "Load test" business unit (the record filter applies)."""

    weight = 1
    TOUR = [*Person.TOUR, "ui_account_list", "ui_account_page"]

    @task(3)
    def ui_account_list(self):
        if self.sign_in():
            self.page("/accounts/?view=active", "UI account list")

    @task(3)
    def ui_account_page(self):
        pk = self.pick_account()
        if pk and self.sign_in():
            self.page(f"/accounts/{pk}/", "UI account page")


class Administrator(Person):
    """System administrators: every record readable; two-factor sign-in is required of them, so API only."""

    pool = "administrator"
    fixed_count = len(SETUP["identities"]["administrator"])
    abstract = not fixed_count  # a run without administrators
