"""The rules of the customer pool as data (SAL-21, SAL-23): capacity and automatic return."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULT_CAPACITY = 130
DEFAULT_RETURN_AFTER_DAYS = 30
DEFAULT_DAILY_NEW_CUSTOMERS = 3
DEFAULT_DAILY_EFFECTIVE_CONTACTS = 35


class PoolRule(models.Model):
    """How many customers a salesperson may hold, and after how many days without an effective
    contact an account returns to the public pool.

    The row without a business unit holds the organisation's rules; a row for a business unit
    overrides them for that unit and the units below it (the nearest unit's row wins). With no row
    at all the defaults apply (130 customers, 30 days).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    business_unit = models.ForeignKey(
        "security.BusinessUnit", verbose_name=_("business unit"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+", help_text=_("Empty for the whole organisation."),
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), default=DEFAULT_CAPACITY, validators=[MinValueValidator(1), MaxValueValidator(100000)],
        help_text=_("The most active accounts and open leads one salesperson may own; claiming beyond it is refused."),
    )
    return_after_days = models.PositiveIntegerField(
        _("return to the pool after (days)"), default=DEFAULT_RETURN_AFTER_DAYS, validators=[MaxValueValidator(3650)],
        help_text=_("An owned account without a completed activity for this many days returns to the public pool; "
                    "0 turns the automatic return off."),
    )
    daily_new_customers = models.PositiveIntegerField(
        _("new key customers a day"), default=DEFAULT_DAILY_NEW_CUSTOMERS, validators=[MaxValueValidator(1000)],
        help_text=_("The daily target of new customers each salesperson enters (SAL-23)."),
    )
    daily_effective_contacts = models.PositiveIntegerField(
        _("effective contacts a day"), default=DEFAULT_DAILY_EFFECTIVE_CONTACTS, validators=[MaxValueValidator(1000)],
        help_text=_("The daily target of effective contacts (contact log entries that count) per salesperson."),
    )
    modified_on = models.DateTimeField(_("modified on"), default=timezone.now)
    modified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("modified by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("pool rule")
        verbose_name_plural = _("pool rules")
        constraints = [
            models.UniqueConstraint(fields=["business_unit"], name="poolrule_unit_unique"),
        ]

    def __str__(self) -> str:
        return str(self.business_unit) if self.business_unit_id else str(_("Whole organisation"))
