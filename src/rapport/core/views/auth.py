"""Sign-in, sign-out and the forced password change."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": gettext_lazy("The login name or password is not right. Both are case-sensitive."),
        "inactive": gettext_lazy("This user is disabled."),
    }


class SignInView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


def sign_out(request):
    from django.contrib.auth import logout

    if request.method == "POST":
        logout(request)
    return redirect("/login/")


@login_required
def change_password(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password was changed."))
        return redirect("/")
    return render(request, "core/change_password.html", {"form": form})
