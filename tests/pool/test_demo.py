"""The pool's demo records: a few released once, nothing more on a second run."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_pool_demo_releases_a_few_records_once(make, admin_user, ctx):
    from rapport.customers.models import Account
    from rapport.pool.demo import load_pool_demo

    for n in range(5):
        make(admin_user, "accounts", name=f"Demo {n}", account_number=f"DEMO-{n:03d}")
    make(admin_user, "leads", topic="Demo lead", last_name="Lin", company_name="Lin Trading")
    assert load_pool_demo(ctx(admin_user, "system")) == {"pooled": 4}
    assert Account.objects.filter(pool="public", owner_user__isnull=True).count() == 3
    assert load_pool_demo(ctx(admin_user, "system")) == {"pooled": 0}
