"""``rapport demo`` loads one multilingual organisation, and a second run adds nothing."""

import re

import pytest

from rapport.core.models import AuditEntry, Note
from rapport.customers.models import Account, Contact
from rapport.demo import load_demo, plan_organisation
from rapport.security.models import User


def counts():
    return {"users": User.objects.count(), "accounts": Account.objects.count(), "contacts": Contact.objects.count(),
            "notes": Note.objects.count(), "audit": AuditEntry.objects.count()}


@pytest.mark.django_db
def test_loading_the_demo_twice_leaves_one_copy():
    first_summary = load_demo(admin_password="Demo-Password-1")
    after_first = counts()
    second_summary = load_demo(admin_password="Demo-Password-1")
    assert counts() == after_first
    assert "(0 records added" in second_summary and "(0 records added" not in first_summary

    assert 60 <= after_first["accounts"] <= 150
    assert 150 <= after_first["contacts"] <= 300
    assert after_first["notes"] >= 20
    assert User.objects.get(username="admin").is_system_administrator


@pytest.mark.django_db
def test_the_demo_is_multilingual_with_groups_and_branches():
    load_demo(admin_password="Demo-Password-1")
    names = list(Account.objects.values_list("name", flat=True))
    people = list(Contact.objects.values_list("full_name", flat=True))
    assert any("华为" in n for n in names)  # Simplified
    assert any(re.search("[臺灣聯電機]", n) for n in names)  # Traditional
    assert any(re.search("[А-Яа-я]", n) for n in names)  # Russian
    assert any(re.search("(Kft|Zrt)\\.", n) for n in names) and any("ő" in n or "é" in n for n in names)  # Hungarian
    assert any(n.endswith(("Ltd", "plc", "LLP")) for n in names)  # English
    assert any(re.search("[А-Я]", p) for p in people) and any(re.search("[\u4e00-\u9fff]", p) for p in people)

    group = Account.objects.get(name="华联商业集团有限公司")
    branches = Account.objects.filter(parent_account=group)
    assert branches.count() >= 3
    assert Account.objects.filter(parent_account__in=branches).exists()  # three levels
    assert Note.objects.filter(regarding_entity="accounts").exists() and Note.objects.filter(regarding_entity="contacts").exists()


def test_the_plan_is_the_same_on_every_run():
    first, second = plan_organisation(), plan_organisation()
    assert [(p.number, p.data, p.contacts) for p in first] == [(p.number, p.data, p.contacts) for p in second]
