"""Browser pages of security: the hardened sign-in, two-factor, and administration under /settings/.

Thin adapters: parse the form → call the security action → render or redirect. Refusals from the
actions are shown on the page (validation) or as the shared refusal page (403/404).
"""

from __future__ import annotations

import functools
import zoneinfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core.actions.base import ActionContext
from rapport.core.entities import all_entities
from rapport.core.errors import InvalidState, NotFound, PermissionDenied, RecordValidationError
from rapport.core.permissions.privileges import has_misc_privilege
from rapport.core.views.auth import SignInForm, SignInView
from rapport.core.views.common import refusal_page, safe_next
from rapport.security import actions, actions_organisation, actions_roles, signin
from rapport.security.models import (
    DEPTHS,
    MISC_PRIVILEGES,
    RECORD_PRIVILEGES,
    BusinessUnit,
    FieldSecurityProfile,
    Role,
    SignInEvent,
    Team,
    User,
    depth_labels,
    misc_privilege_labels,
    privilege_labels,
)

# --- sign-in ---------------------------------------------------------------------------------------------


class HardenedSignInForm(SignInForm):
    """The sign-in form with the verification challenge, lockout and dormant-account checks."""

    challenge = forms.CharField(required=False, max_length=8)
    error_messages = {
        **SignInForm.error_messages,
        "locked": gettext_lazy("This account is locked after too many failed sign-ins. Ask an administrator to unlock it."),
        "dormant": gettext_lazy("This account was locked because it was not used for a long time. Ask an administrator to unlock it."),
        "challenge": gettext_lazy("The answer to the verification question is not right."),
        "challenge_missing": gettext_lazy("Answer the verification question, then sign in again."),
    }

    def clean(self):
        request = self.request
        username = (self.cleaned_data.get("username") or "").strip()
        password = self.cleaned_data.get("password") or ""
        user = User.objects.filter(username=username).first() if username else None
        if signin.challenge_required(request, user):
            request.session[signin.SESSION_CHALLENGE_REQUIRED] = True
            if not request.session.get(signin.SESSION_CHALLENGE):
                raise ValidationError(self.error_messages["challenge_missing"], code="challenge")
            if not signin.challenge_answered(request, self.cleaned_data.get("challenge")):
                signin.record_event(request, user, username, "challenge")
                raise ValidationError(self.error_messages["challenge"], code="challenge")
        if user is not None:
            if user.locked_on is not None:
                signin.record_event(request, user, username, "locked", user.lock_reason)
                raise ValidationError(self.error_messages["dormant" if user.lock_reason == "dormant" else "locked"], code="locked")
            if signin.is_dormant(user):
                signin.lock(user, "dormant")
                signin.record_event(request, user, username, "locked", "dormant")
                raise ValidationError(self.error_messages["dormant"], code="locked")
            if user.check_password(password) and (
                    not user.is_active or not actions_organisation.business_unit_usable(user.business_unit_id)):
                signin.record_event(request, user, username, "disabled")
                raise ValidationError(self.error_messages["inactive"], code="inactive")
        self.user_cache = authenticate(request, username=username, password=password)
        if self.user_cache is None:
            locked_now = signin.register_failure(request, user)
            signin.record_event(request, user, username, "failure", "locked" if locked_now else "")
            if locked_now:
                raise ValidationError(self.error_messages["locked"], code="locked")
            raise self.get_invalid_login_error()
        self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class HardenedSignInView(SignInView):
    """``/login/``: the engine's sign-in page with SEC-8 hardening and the two-factor step."""

    template_name = "security/login.html"
    authentication_form = HardenedSignInForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.request
        if signin.challenge_required(request, None):
            context["challenge_question"] = signin.challenge_question(request) or signin.new_challenge(request)
        return context

    def form_invalid(self, form):
        # Each answer is used once; a re-shown form asks a new question when one is needed.
        self.request.session.pop(signin.SESSION_CHALLENGE, None)
        return super().form_invalid(form)

    def form_valid(self, form):
        request = self.request
        user = form.get_user()
        signin.register_success(request, user)
        if user.two_factor_enabled and user.totp_secret:
            request.session[signin.SESSION_PENDING] = {
                "user": str(user.pk), "backend": getattr(user, "backend", "django.contrib.auth.backends.ModelBackend"),
                "next": self.get_success_url(), "since": timezone.now().isoformat(),
            }
            return redirect("/login/two-factor/")
        response = super().form_valid(form)
        signin.record_event(request, user, user.username, "success")
        if signin.two_factor_required(user) and not user.two_factor_enabled:
            request.session[signin.SESSION_SETUP_REQUIRED] = True
        return response


class TwoFactorForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Six-digit code from your authenticator app"), max_length=8,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


def two_factor_sign_in(request):
    """``/login/two-factor/``: the second step of a sign-in with two-factor on."""
    pending = request.session.get(signin.SESSION_PENDING)
    user = User.objects.filter(pk=pending["user"]).first() if pending else None
    if pending:
        started = timezone.datetime.fromisoformat(pending["since"])
        if (timezone.now() - started).total_seconds() > 300:
            user = None
    if user is None or not user.is_active or user.locked_on is not None:
        request.session.pop(signin.SESSION_PENDING, None)
        messages.error(request, _("Sign in again."))
        return redirect("/login/")
    form = TwoFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if signin.verify_totp(user.totp_secret, form.cleaned_data["code"]):
            request.session.pop(signin.SESSION_PENDING, None)
            login(request, user, backend=pending["backend"])
            signin.register_success(request, user)
            signin.record_event(request, user, user.username, "success", "two_factor")
            return redirect(safe_next(pending.get("next"), "/"))
        locked_now = signin.register_failure(request, user)
        signin.record_event(request, user, user.username, "two_factor", "locked" if locked_now else "")
        if locked_now:
            request.session.pop(signin.SESSION_PENDING, None)
            messages.error(request, _("This account is locked after too many failed sign-ins. Ask an administrator to unlock it."))
            return redirect("/login/")
        form.add_error("code", _("The code is not right. Use the current code of your authenticator app."))
    return render(request, "security/two_factor_sign_in.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def two_factor_setup(request):
    """``/settings/two-factor/``: turn two-factor sign-in on (scan the secret, confirm a code) or off."""
    user = request.user
    ctx = ActionContext.from_request(request, "ui")
    required = signin.two_factor_required(user)
    error = None
    if request.method == "POST" and request.POST.get("operation") == "disable":
        if required:
            return refusal_page(request, _("Two-factor sign-in is required for your user."), 403)
        if signin.verify_totp(user.totp_secret, request.POST.get("code")):
            actions.set_two_factor(user, ctx, secret="")
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("/settings/two-factor/")
        error = _("The code is not right. Use the current code of your authenticator app.")
    secret = None
    if not user.two_factor_enabled:
        secret = request.session.get(signin.SESSION_ENROLLING) or signin.new_totp_secret()
        request.session[signin.SESSION_ENROLLING] = secret
        if request.method == "POST" and request.POST.get("operation") == "enable":
            if signin.verify_totp(secret, request.POST.get("code")):
                actions.set_two_factor(user, ctx, secret=secret)
                request.session.pop(signin.SESSION_ENROLLING, None)
                request.session.pop(signin.SESSION_SETUP_REQUIRED, None)
                messages.success(request, _("Two-factor sign-in is on."))
                return redirect("/")
            error = _("The code is not right. Use the current code of your authenticator app.")
    context = {"secret": secret, "uri": signin.totp_uri(user, secret) if secret else None, "required": required,
               "error": error, "setup_required": request.session.get(signin.SESSION_SETUP_REQUIRED)}
    return render(request, "security/two_factor_setup.html", context, status=400 if error else 200)


# --- administration pages ----------------------------------------------------------------------------------


def administration(view):
    """Signed in and holding "Manage users"; refusals from the actions become pages."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not has_misc_privilege(request.user, "manage_users"):
            return refusal_page(request, _("You need the \"Manage users\" privilege for this."), 403)
        try:
            return view(request, *args, **kwargs)
        except NotFound as error:
            return refusal_page(request, error, 404)
        except PermissionDenied as error:
            return refusal_page(request, error, 403)

    return wrapper


def _ctx(request) -> ActionContext:
    return ActionContext.from_request(request, "ui")


def _form_errors(error: RecordValidationError | PermissionDenied) -> dict:
    errors = dict(error.errors)
    if not errors:
        errors = {"non_field_errors": [error.detail]}
    return errors


def _options():
    return {
        "units": list(BusinessUnit.objects.order_by("name")),
        "roles": list(Role.objects.select_related("business_unit").order_by("name")),
        "teams": list(Team.objects.order_by("name")),
        "people": list(User.objects.filter(is_active=True).order_by("full_name", "username")),
        "languages": settings.LANGUAGES,
        "zones": sorted(zoneinfo.available_timezones()),
    }


@administration
def security_home(request):
    counts = {"users": User.objects.count(), "units": BusinessUnit.objects.count(), "teams": Team.objects.count(),
              "roles": Role.objects.count(), "profiles": FieldSecurityProfile.objects.count(),
              "locked": User.objects.filter(locked_on__isnull=False).count()}
    return render(request, "security/home.html", {"counts": counts})


# users ----------------------------------------------------------------------------------------------------


def _user_form_data(post) -> dict:
    data = {key: post.get(key, "") for key in ("username", "full_name", "email", "mobile_phone", "language", "time_zone")}
    data["business_unit"] = post.get("business_unit") or None
    data["manager"] = post.get("manager") or None
    data["roles"] = post.getlist("roles")
    data["teams"] = post.getlist("teams")
    data["managed_business_units"] = post.getlist("managed_business_units")
    return data


@administration
def user_list(request):
    rows = User.objects.select_related("business_unit").prefetch_related("roles").order_by("username")
    text = (request.GET.get("q") or "").strip()[:100]
    if text:
        rows = rows.filter(Q(username__icontains=text) | Q(full_name__icontains=text) | Q(email__icontains=text))
    return render(request, "security/user_list.html", {"rows": rows[:500], "q": text})


@administration
def user_new(request):
    errors, values = {}, {}
    if request.method == "POST":
        values = _user_form_data(request.POST)
        data = {**values, "password": request.POST.get("password", ""), "must_change_password": True}
        try:
            user = actions.create_user_from_data(data, _ctx(request))
        except (RecordValidationError, PermissionDenied) as error:
            errors = _form_errors(error)
        else:
            messages.success(request, _("The user %(name)s was created; they change the password at the first sign-in.")
                             % {"name": user.username})
            return redirect(f"/settings/users/{user.pk}/")
    return render(request, "security/user_form.html", {"values": values, "errors": errors, "creating": True, **_options()},
                  status=400 if errors else 200)


@administration
def username_check(request):
    """HC360 "输入登陆帐号并检测": is the login name free? (case-insensitive, as the action checks)."""
    name = (request.GET.get("username") or "").strip()
    if not name:
        message, css = _("Enter a login name."), "muted"
    elif User.objects.filter(username__iexact=name).exists():
        message, css = _("The login name \"%(name)s\" is taken.") % {"name": name}, "field-error"
    else:
        message, css = _("The login name \"%(name)s\" is free.") % {"name": name}, "help"
    return HttpResponse(f'<p id="username-check" class="{css}" role="status">{escape(message)}</p>')


@administration
def user_edit(request, pk):
    user = actions._access_user(pk)
    errors = {}
    if request.method == "POST":
        operation = request.POST.get("operation", "save")
        try:
            if operation == "save":
                values = _user_form_data(request.POST)
                if str(request.user.pk) == str(user.pk):
                    # Only what a user may change on their own record is sent; the rest stays as it is.
                    values = {k: v for k, v in values.items() if k in actions.SELF_SERVICE}
                actions.update_user(user.pk, values, _ctx(request))
                messages.success(request, _("The user was saved."))
            elif operation == "disable":
                actions.disable_user(user.pk, _ctx(request))
                messages.success(request, _("The user is disabled."))
            elif operation == "enable":
                actions.enable_user(user.pk, _ctx(request))
                messages.success(request, _("The user is enabled."))
            elif operation == "unlock":
                actions.unlock_user(user.pk, _ctx(request))
                messages.success(request, _("The user is unlocked."))
            elif operation == "reset_password":
                actions.reset_password(user.pk, request.POST.get("password", ""), _ctx(request))
                messages.success(request, _("The password was reset; the user must change it at the next sign-in."))
            elif operation == "reset_two_factor":
                actions.set_two_factor(user, _ctx(request), secret="")
                messages.success(request, _("Two-factor sign-in was reset for this user."))
            return redirect(f"/settings/users/{user.pk}/")
        except (RecordValidationError, PermissionDenied, InvalidState) as error:
            errors = _form_errors(error)
        user.refresh_from_db()
    values = {
        "username": user.username, "full_name": user.full_name, "email": user.email, "mobile_phone": user.mobile_phone,
        "business_unit": str(user.business_unit_id or ""), "manager": str(user.manager_id or ""),
        "roles": [str(pk) for pk in user.roles.values_list("id", flat=True)],
        "teams": [str(pk) for pk in user.teams.values_list("id", flat=True)],
        "managed_business_units": [str(pk) for pk in user.managed_business_units.values_list("id", flat=True)],
        "language": user.language, "time_zone": user.time_zone,
    }
    if request.method == "POST" and request.POST.get("operation", "save") == "save":
        values.update({k: v for k, v in _user_form_data(request.POST).items() if v is not None})
    events = SignInEvent.objects.filter(user=user).order_by("-occurred_on")[:20]
    return render(request, "security/user_form.html", {
        "subject": user, "values": values, "errors": errors, "creating": False, "events": events,
        "is_self": request.user.pk == user.pk, **_options()}, status=400 if errors else 200)


# business units ------------------------------------------------------------------------------------------


def _unit_tree():
    units = list(BusinessUnit.objects.annotate(user_count=Count("users")).order_by("name"))
    children = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    rows = []

    def walk(parent_id, level):
        for unit in children.get(parent_id, []):
            rows.append((unit, level))
            walk(unit.pk, level + 1)

    walk(None, 0)
    return rows


@administration
def business_units(request):
    errors, values = {}, {"parent": request.GET.get("parent", "")}
    if values["parent"]:
        parent = BusinessUnit.objects.filter(pk=values["parent"]).first() if _uuid_ok(values["parent"]) else None
        # HC360: a department's name carries its company's name; the form starts with it.
        values["name"] = f"{parent.name} " if parent else ""
    if request.method == "POST":
        values = {"name": request.POST.get("name", ""), "parent": request.POST.get("parent") or None}
        try:
            unit = actions_organisation.create_business_unit(values, _ctx(request))
        except (RecordValidationError, PermissionDenied) as error:
            errors = _form_errors(error)
        else:
            messages.success(request, _("The business unit %(name)s was created.") % {"name": unit.name})
            return redirect("/settings/business-units/")
    return render(request, "security/business_units.html", {"rows": _unit_tree(), "values": values, "errors": errors,
                                                            "units": BusinessUnit.objects.order_by("name")},
                  status=400 if errors else 200)


def _uuid_ok(value) -> bool:
    from rapport.security.actions_common import as_uuid

    return as_uuid(value) is not None


@administration
def business_unit_edit(request, pk):
    unit = actions_organisation.access_business_unit(pk)
    errors = {}
    if request.method == "POST":
        operation = request.POST.get("operation", "save")
        try:
            if operation == "save":
                data = {"name": request.POST.get("name", "")}
                if unit.parent_id is not None:
                    data["parent"] = request.POST.get("parent") or None
                actions_organisation.update_business_unit(unit.pk, data, _ctx(request))
                messages.success(request, _("The business unit was saved."))
            else:
                actions_organisation.set_business_unit_active(unit.pk, operation == "enable", _ctx(request))
                messages.success(request, _("The business unit is enabled.") if operation == "enable" else _("The business unit is disabled."))
            return redirect(f"/settings/business-units/{unit.pk}/")
        except (RecordValidationError, PermissionDenied, InvalidState) as error:
            errors = _form_errors(error)
        unit.refresh_from_db()
    return render(request, "security/business_unit_form.html", {
        "unit": unit, "errors": errors, "units": BusinessUnit.objects.exclude(pk=unit.pk).order_by("name"),
        "path": actions_organisation.business_unit_path(unit),
        "members": unit.users.order_by("username")[:200]}, status=400 if errors else 200)


# teams -----------------------------------------------------------------------------------------------------


def _team_form_data(post) -> dict:
    return {"name": post.get("name", ""), "business_unit": post.get("business_unit") or None,
            "members": post.getlist("members"), "roles": post.getlist("roles")}


@administration
def team_list(request):
    rows = Team.objects.select_related("business_unit").annotate(member_count=Count("members")).order_by("name")
    return render(request, "security/team_list.html", {"rows": rows})


@administration
def team_edit(request, pk=None):
    team = actions_organisation.access_team(pk) if pk else None
    errors = {}
    if request.method == "POST":
        operation = request.POST.get("operation", "save")
        data = _team_form_data(request.POST)
        try:
            if operation == "delete" and team is not None:
                actions_organisation.delete_team(team.pk, _ctx(request))
                messages.success(request, _("The team was deleted."))
                return redirect("/settings/teams/")
            if team is None:
                team = actions_organisation.create_team(data, _ctx(request))
            else:
                actions_organisation.update_team(team.pk, data, _ctx(request))
            messages.success(request, _("The team was saved."))
            return redirect(f"/settings/teams/{team.pk}/")
        except (RecordValidationError, PermissionDenied, InvalidState) as error:
            errors = _form_errors(error)
        values = data
    elif team is not None:
        values = {"name": team.name, "business_unit": str(team.business_unit_id),
                  "members": [str(pk) for pk in team.members.values_list("id", flat=True)],
                  "roles": [str(pk) for pk in team.roles.values_list("id", flat=True)]}
    else:
        values = {"members": [], "roles": []}
    return render(request, "security/team_form.html", {"team": team, "values": values, "errors": errors, **_options()},
                  status=400 if errors else 200)


# roles -----------------------------------------------------------------------------------------------------


@administration
def role_list(request):
    errors = {}
    if request.method == "POST":
        try:
            role = actions_roles.create_role({"name": request.POST.get("name", ""),
                                              "business_unit": request.POST.get("business_unit") or None}, _ctx(request))
        except (RecordValidationError, PermissionDenied) as error:
            errors = _form_errors(error)
        else:
            return redirect(f"/settings/roles/{role.pk}/")
    rows = Role.objects.select_related("business_unit").annotate(user_count=Count("users", distinct=True)).order_by("name")
    return render(request, "security/role_list.html", {"rows": rows, "errors": errors,
                                                       "units": BusinessUnit.objects.order_by("name")},
                  status=400 if errors else 200)


@administration
def role_edit(request, pk):
    """The role editor: a grid of entities × privileges with a depth per cell (as in Dynamics)."""
    role = actions_roles.access_role(pk)
    errors = {}
    specs = sorted(all_entities(), key=lambda s: str(s.label_plural))
    if request.method == "POST":
        operation = request.POST.get("operation", "save")
        try:
            if operation == "delete":
                actions_roles.delete_role(role.pk, _ctx(request))
                messages.success(request, _("The role was deleted."))
                return redirect("/settings/roles/")
            privileges = {}
            for spec in specs:
                privileges[spec.set_name] = {}
                for privilege in RECORD_PRIVILEGES:
                    depth = request.POST.get(f"depth:{spec.set_name}:{privilege}", "none")
                    privileges[spec.set_name][privilege] = depth
            data = {"name": request.POST.get("name", ""), "privileges": privileges,
                    "misc_privileges": [code for code in MISC_PRIVILEGES if request.POST.get(f"misc:{code}")],
                    "manager_hierarchy": bool(request.POST.get("manager_hierarchy"))}
            actions_roles.update_role(role.pk, data, _ctx(request))
            messages.success(request, _("The role was saved."))
            return redirect(f"/settings/roles/{role.pk}/")
        except (RecordValidationError, PermissionDenied, InvalidState) as error:
            errors = _form_errors(error)
        role.refresh_from_db()
    labels = depth_labels()
    grid = []
    for spec in specs:
        cells = []
        for privilege in RECORD_PRIVILEGES:
            allowed = DEPTHS if spec.is_owned and spec.read_filter is None else ("none", "organization")
            current = role.depth(spec.set_name, privilege)
            if current not in allowed:
                allowed = (*allowed, current)
            cells.append({"privilege": privilege, "depth": current, "name": f"depth:{spec.set_name}:{privilege}",
                          "options": [(d, labels[d]) for d in allowed]})
        grid.append({"spec": spec, "cells": cells})
    misc_labels = misc_privilege_labels()
    return render(request, "security/role_form.html", {
        "role": role, "grid": grid, "privilege_labels": [privilege_labels()[p] for p in RECORD_PRIVILEGES],
        "misc": [(code, misc_labels[code], code in (role.misc_privileges or [])) for code in MISC_PRIVILEGES],
        "errors": errors, "holders": role.users.order_by("username")[:200]}, status=400 if errors else 200)


# field security ------------------------------------------------------------------------------------------


@administration
def field_security(request, pk=None):
    """Field security profiles: which secured fields members may read and update (SEC-6)."""
    profile = actions_roles.access_profile(pk) if pk else None
    errors = {}
    fields = []
    for spec in sorted(all_entities(), key=lambda s: str(s.label_plural)):
        for name in spec.fields:
            fs = spec.field_map[name]
            if fs.system or name == spec.primary_field:
                continue
            fields.append({"key": f"{spec.set_name}.{name}", "entity": spec.label_plural, "label": fs.label})
    if request.method == "POST":
        operation = request.POST.get("operation", "save")
        try:
            if operation == "delete" and profile is not None:
                actions_roles.delete_field_security_profile(profile.pk, _ctx(request))
                messages.success(request, _("The profile was deleted."))
                return redirect("/settings/field-security/")
            grants = {}
            for field in fields:
                read = bool(request.POST.get(f"read:{field['key']}"))
                update = bool(request.POST.get(f"update:{field['key']}"))
                if read or update or request.POST.get(f"secured:{field['key']}"):
                    grants[field["key"]] = {"read": read, "update": update}
            data = {"name": request.POST.get("name", ""), "description": request.POST.get("description", ""),
                    "fields": grants, "members": request.POST.getlist("members")}
            if profile is None:
                profile = actions_roles.create_field_security_profile(data, _ctx(request))
            else:
                actions_roles.update_field_security_profile(profile.pk, data, _ctx(request))
            messages.success(request, _("The profile was saved."))
            return redirect(f"/settings/field-security/{profile.pk}/")
        except (RecordValidationError, PermissionDenied) as error:
            errors = _form_errors(error)
    grants = profile.fields if profile else {}
    for field in fields:
        grant = grants.get(field["key"])
        field.update({"secured": grant is not None, "read": bool(grant and grant.get("read")),
                      "update": bool(grant and grant.get("update"))})
    members = set()
    if profile is not None:
        members = {str(pk) for pk in [*profile.users.values_list("id", flat=True), *profile.teams.values_list("id", flat=True)]}
    return render(request, "security/field_security.html", {
        "profile": profile, "profiles": FieldSecurityProfile.objects.order_by("name"), "fields": fields,
        "members": members, "errors": errors, **_options()}, status=400 if errors else 200)


# sign-in audit ------------------------------------------------------------------------------------------


@administration
def sign_in_events(request):
    rows = SignInEvent.objects.select_related("user").order_by("-occurred_on")
    text = (request.GET.get("q") or "").strip()[:150]
    if text:
        rows = rows.filter(username__icontains=text)
    outcome = request.GET.get("outcome") or ""
    if outcome:
        rows = rows.filter(outcome=outcome)
    return render(request, "security/sign_in_events.html", {"rows": rows[:300], "q": text, "outcome": outcome,
                                                            "outcomes": SignInEvent.OUTCOMES})
