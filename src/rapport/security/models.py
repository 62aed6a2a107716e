"""Users, business units, teams, security roles, sharing, field security and sign-in records.

What a user may do with records is decided in one place, ``rapport.core.permissions``, from
the rows defined here: the roles of the user and of their teams (privilege × depth per entity
set), the records shared with them, their manager chain and the business units they manage.
"""

import hashlib
import secrets
import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BusinessUnit(models.Model):
    """A node of the organisation tree (company → branch → department)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=160, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent business unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_on = models.DateTimeField(_("created on"), default=timezone.now)

    class Meta:
        verbose_name = _("business unit")
        verbose_name_plural = _("business units")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def root_business_unit() -> BusinessUnit:
    """The root of the tree (created on first use; the organisation itself)."""
    root = BusinessUnit.objects.filter(parent__isnull=True).order_by("created_on").first()
    if root is None:
        root = BusinessUnit.objects.create(name="Rapport")
    return root


class User(AbstractUser):
    """A person who signs in (or a token-only integration user)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    mobile_phone = models.CharField(_("mobile phone"), max_length=50, blank=True)
    business_unit = models.ForeignKey(
        BusinessUnit, verbose_name=_("business unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    manager = models.ForeignKey(
        "self", verbose_name=_("manager"), null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    must_change_password = models.BooleanField(_("must change password"), default=False)
    roles = models.ManyToManyField("security.Role", verbose_name=_("security roles"), related_name="users", blank=True)
    managed_business_units = models.ManyToManyField(
        BusinessUnit, verbose_name=_("managed business units"), related_name="managers", blank=True,
        help_text=_("For managers: the business units whose records they reach as if they were their own unit."),
    )
    # Sign-in hardening (SEC-8).
    failed_sign_ins = models.PositiveIntegerField(_("failed sign-ins in a row"), default=0)
    locked_on = models.DateTimeField(_("locked on"), null=True, blank=True)
    lock_reason = models.CharField(_("lock reason"), max_length=16, blank=True, default="",
                                   choices=[("failures", _("Too many failed sign-ins")), ("dormant", _("Unused for too long"))])
    unlocked_on = models.DateTimeField(_("unlocked on"), null=True, blank=True)
    password_changed_on = models.DateTimeField(_("password changed on"), null=True, blank=True)
    totp_secret = models.CharField(_("two-factor secret"), max_length=64, blank=True, default="")
    two_factor_enabled = models.BooleanField(_("two-factor sign-in"), default=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_system_administrator(self) -> bool:
        """System administrators see and change every record (the organisation depth).

        A superuser, or a user holding the shipped System Administrator role (directly or
        through a team); cached on the instance for the request.
        """
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        if not self.pk:
            return False
        from rapport.core.permissions.privileges import security_for

        return security_for(self).is_role_administrator

    @property
    def is_locked(self) -> bool:
        return self.locked_on is not None

    def forget_security_cache(self) -> None:
        """Drop what the permission layer cached on this instance (after a change of roles or teams)."""
        for name in ("_team_ids", "_rapport_security", "_rapport_field_security"):
            self.__dict__.pop(name, None)

    def team_ids(self) -> list:
        """Ids of the teams the user belongs to, cached on the instance for the request."""
        cached = getattr(self, "_team_ids", None)
        if cached is None:
            cached = list(self.teams.values_list("id", flat=True)) if self.pk else []
            self._team_ids = cached
        return cached


class Team(models.Model):
    """A group of users that can own records and hold roles (SEC-3)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=160, unique=True)
    business_unit = models.ForeignKey(BusinessUnit, verbose_name=_("business unit"), on_delete=models.PROTECT, related_name="teams")
    members = models.ManyToManyField(User, verbose_name=_("members"), related_name="teams", blank=True)
    roles = models.ManyToManyField("security.Role", verbose_name=_("security roles"), related_name="teams", blank=True)
    created_on = models.DateTimeField(_("created on"), default=timezone.now)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    """A personal API token. Only its hash is stored; the secret is shown once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    created_on = models.DateTimeField(_("created on"), default=timezone.now)
    expires_on = models.DateTimeField(_("expires on"))
    last_used_on = models.DateTimeField(_("last used on"), null=True, blank=True)
    revoked_on = models.DateTimeField(_("revoked on"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_on"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def new_secret() -> str:
        return "rpt_" + secrets.token_urlsafe(32)

    @property
    def is_usable(self) -> bool:
        return self.revoked_on is None and self.expires_on > timezone.now() and self.user.is_active


# --- security roles (SEC-4) ------------------------------------------------------------------------

SYSTEM_ADMINISTRATOR = "system_administrator"
DEPTHS = ("none", "user", "business_unit", "parent_child", "organization")
DEPTH_RANK = {name: rank for rank, name in enumerate(DEPTHS)}
RECORD_PRIVILEGES = ("create", "read", "write", "delete", "append", "append_to", "assign", "share")
MISC_PRIVILEGES = ("export", "bulk_edit", "import", "merge", "manage_users", "customize")


def depth_labels() -> dict:
    return {
        "none": _("None"), "user": _("User"), "business_unit": _("Business unit"),
        "parent_child": _("Parent: child business units"), "organization": _("Organization"),
    }


def privilege_labels() -> dict:
    return {
        "create": _("Create"), "read": _("Read"), "write": _("Write"), "delete": _("Delete"), "append": _("Append"),
        "append_to": _("Append to"), "assign": _("Assign"), "share": _("Share"),
    }


def misc_privilege_labels() -> dict:
    return {
        "export": _("Export to Excel"), "bulk_edit": _("Bulk edit"), "import": _("Import"), "merge": _("Merge"),
        "manage_users": _("Manage users"), "customize": _("Customize"),
    }


class Role(models.Model):
    """A security role: per entity set a depth for each privilege, plus miscellaneous privileges.

    ``privileges`` is ``{"<set>": {"<privilege>": "<depth>"}}``; a missing set or privilege means
    ``none``. ``code`` names the shipped roles (kept in step with the registry on migrate).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=160)
    code = models.CharField(_("code"), max_length=64, unique=True, null=True, blank=True, editable=False)
    business_unit = models.ForeignKey(BusinessUnit, verbose_name=_("business unit"), on_delete=models.PROTECT,
                                      related_name="roles")
    privileges = models.JSONField(_("privileges"), default=dict, blank=True)
    misc_privileges = models.JSONField(_("miscellaneous privileges"), default=list, blank=True)
    manager_hierarchy = models.BooleanField(
        _("manager hierarchy"), default=False,
        help_text=_("Holders reach the records owned by the users below them in the manager chain."),
    )
    created_on = models.DateTimeField(_("created on"), default=timezone.now)
    modified_on = models.DateTimeField(_("modified on"), default=timezone.now)

    class Meta:
        verbose_name = _("security role")
        verbose_name_plural = _("security roles")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["business_unit", "name"], name="role_unique_name_per_unit")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_shipped(self) -> bool:
        return bool(self.code)

    def depth(self, set_name: str, privilege: str) -> str:
        value = (self.privileges or {}).get(set_name, {}).get(privilege, "none")
        return value if value in DEPTH_RANK else "none"


# --- sharing (SEC-5) -------------------------------------------------------------------------------

SHARE_RIGHTS = ("read", "write", "delete", "append", "append_to", "assign", "share")


class RecordShare(models.Model):
    """One record shared with one user or team, with the rights given (SEC-5).

    One boolean column per right keeps the record filter a plain indexed sub-query on both
    databases (a JSON list would need PostgreSQL-only containment operators).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entity = models.CharField(_("entity"), max_length=64)
    record_id = models.UUIDField(_("record"))
    user = models.ForeignKey(User, verbose_name=_("user"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="shares")
    team = models.ForeignKey(Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="shares")
    can_read = models.BooleanField(_("read"), default=True)
    can_write = models.BooleanField(_("write"), default=False)
    can_delete = models.BooleanField(_("delete"), default=False)
    can_append = models.BooleanField(_("append"), default=False)
    can_append_to = models.BooleanField(_("append to"), default=False)
    can_assign = models.BooleanField(_("assign"), default=False)
    can_share = models.BooleanField(_("share"), default=False)
    shared_by = models.ForeignKey(User, verbose_name=_("shared by"), null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    shared_on = models.DateTimeField(_("shared on"), default=timezone.now)

    class Meta:
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        indexes = [
            models.Index(fields=["user", "entity", "record_id"], name="share_user_idx"),
            models.Index(fields=["team", "entity", "record_id"], name="share_team_idx"),
            models.Index(fields=["entity", "record_id"], name="share_record_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["entity", "record_id", "user"], name="share_unique_user",
                                    condition=models.Q(user__isnull=False)),
            models.UniqueConstraint(fields=["entity", "record_id", "team"], name="share_unique_team",
                                    condition=models.Q(team__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.entity}:{self.record_id} → {self.user or self.team}"

    @property
    def rights(self) -> list[str]:
        return [right for right in SHARE_RIGHTS if getattr(self, f"can_{right}")]


# --- field-level security (SEC-6) ------------------------------------------------------------------


class FieldSecurityProfile(models.Model):
    """Grants read/update of secured fields to its members.

    ``fields`` is ``{"<set>.<field>": {"read": bool, "update": bool}}``. A field named in any
    profile is secured: only members of a profile granting read see it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=160, unique=True)
    description = models.TextField(_("description"), blank=True, default="")
    fields = models.JSONField(_("fields"), default=dict, blank=True)
    users = models.ManyToManyField(User, verbose_name=_("users"), related_name="field_security_profiles", blank=True)
    teams = models.ManyToManyField(Team, verbose_name=_("teams"), related_name="field_security_profiles", blank=True)
    created_on = models.DateTimeField(_("created on"), default=timezone.now)

    class Meta:
        verbose_name = _("field security profile")
        verbose_name_plural = _("field security profiles")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# --- sign-in audit (SEC-8) -------------------------------------------------------------------------


class SignInEvent(models.Model):
    """One sign-in attempt: who (as typed), the outcome, from where."""

    OUTCOMES = [
        ("success", _("Signed in")),
        ("failure", _("Wrong login name or password")),
        ("locked", _("Refused: the account is locked")),
        ("disabled", _("Refused: the account is disabled")),
        ("challenge", _("Wrong verification code")),
        ("two_factor", _("Wrong two-factor code")),
        ("sign_out", _("Signed out")),
    ]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="sign_in_events")
    username = models.CharField(_("login name"), max_length=150)
    outcome = models.CharField(_("outcome"), max_length=16, choices=OUTCOMES)
    reason = models.CharField(_("reason"), max_length=64, blank=True, default="")
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True, default="")
    occurred_on = models.DateTimeField(_("occurred on"), default=timezone.now)

    class Meta:
        verbose_name = _("sign-in event")
        verbose_name_plural = _("sign-in events")
        ordering = ["-occurred_on"]
        indexes = [models.Index(fields=["-occurred_on"], name="signin_time_idx"),
                   models.Index(fields=["user", "-occurred_on"], name="signin_user_idx")]

    def __str__(self) -> str:
        return f"{self.username} {self.outcome} {self.occurred_on:%Y-%m-%d %H:%M}"
