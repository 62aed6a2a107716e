"""Duplicate detection at scale: checking one new account against every account (NFR-2: p95 < 20 ms)."""

from __future__ import annotations

import random

from bench.common import timed


def ensure_keys() -> int:
    """Match keys for bulk-loaded accounts (the write hook keeps them for records written by actions)."""
    from rapport.duplicates.detect import build_rule_keys, rebuild_keys, rule_kind
    from rapport.duplicates.models import DuplicateRule, MatchKey
    from rapport.duplicates.shipped import ensure_shipped_rules

    ensure_shipped_rules()
    rule = DuplicateRule.objects.get(name="Accounts with the same company name")
    if rule.state != "active":
        DuplicateRule.objects.filter(pk=rule.pk).update(state="active")
    written = 0
    if not MatchKey.objects.filter(entity="accounts", kind="name").exists():
        written += rebuild_keys(["accounts"])
    if not MatchKey.objects.filter(kind=rule_kind(rule.pk)).exists():
        written += build_rule_keys(rule.pk)
    from bench.generate import analyze

    analyze("duplicates_matchkey", "customers_account")
    return written


def duplicate_scenarios(repeat: int) -> dict:
    from bench.generate import company_name
    from bench.scenarios import _client_for
    from rapport.customers.models import Account
    from rapport.duplicates.detect import check_rules
    from rapport.security.models import User

    ensure_keys()
    rng = random.Random(11)
    existing = list(Account.objects.values_list("name", flat=True)[:500])
    state = {"n": 0}

    def check_new():
        # Half new names, half names that exist (with a typo-free variant of their legal form).
        state["n"] += 1
        name = company_name(rng)[0] if state["n"] % 2 else existing[state["n"] % len(existing)] + " Ltd"
        check_rules("accounts", {"name": name})

    admin = User.objects.filter(is_superuser=True).first()
    client = _client_for(admin)

    def entry_check():
        state["n"] += 1
        name = existing[state["n"] % len(existing)]
        assert client.get("/api/v1/duplicate-check/", {"name": name, "phone": "010 6234 5678"}).status_code == 200

    return {"duplicate_check_one_account": timed(check_new, repeat),
            "api_duplicate_check_entry": timed(entry_check, max(20, repeat // 2))}
