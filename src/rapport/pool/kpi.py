"""Daily targets (SAL-23): new key customers and effective contacts today, against the rules' targets.

"New key customers" counts the accounts a salesperson entered today and still owns; "effective
contacts" counts their contact log entries of today that are effective (SAL-22: maturity above 0,
the customer reached and not "busy, call later"). Both are counted for many people at once (one
grouped query each), in the viewer's time zone.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F
from django.utils import timezone

from rapport.pool import rules


def today_range() -> tuple[dt.datetime, dt.datetime]:
    day = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def daily_figures(users) -> dict:
    """``{user id: {"new_customers", "effective_contacts", "new_target", "contacts_target"}}``."""
    from rapport.activities.models import ContactLog
    from rapport.customers.models import Account

    users = list(users)
    ids = [u.pk for u in users]
    start, end = today_range()
    new = dict(Account.objects.filter(owner_user_id__in=ids, created_by_id=F("owner_user_id"), created_on__gte=start,
                                      created_on__lt=end).values_list("owner_user_id").annotate(n=Count("id")))
    contacts = dict(ContactLog.objects.filter(owner_user_id__in=ids, effective=True, created_on__gte=start,
                                              created_on__lt=end).values_list("owner_user_id").annotate(n=Count("id")))
    by_unit = rules.rules_by_unit()
    figures = {}
    for user in users:
        rule = by_unit.get(user.business_unit_id) or rules.rule_for_unit(user.business_unit_id)
        figures[user.pk] = {
            "new_customers": new.get(user.pk, 0), "effective_contacts": contacts.get(user.pk, 0),
            "new_target": rule["daily_new_customers"], "contacts_target": rule["daily_effective_contacts"],
        }
    return figures


def team_of(user) -> list:
    """The people a manager follows: their reports (manager chain) and the users of units they manage."""
    from django.db.models import Q

    from rapport.core.permissions.privileges import security_for
    from rapport.security.models import User

    security = security_for(user)
    reports, units = security.subordinates(), security.managed_units()
    if not reports and not units:
        return []
    return list(User.objects.filter(Q(pk__in=reports) | Q(business_unit_id__in=units), is_active=True)
                .exclude(pk=user.pk).order_by("full_name", "username"))
