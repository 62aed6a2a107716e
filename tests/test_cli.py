"""The ``rapport`` command in-process: exit codes 0 / 1 (one line on stderr) / 2 (usage)."""

import pytest

from rapport.cli import main

pytestmark = pytest.mark.django_db


def test_createadmin_noinput_takes_the_password_from_the_environment(monkeypatch, capsys):
    from rapport.security.models import User

    monkeypatch.setenv("RAPPORT_ADMIN_PASSWORD", "Very-Secret-Admin-9")
    assert main(["createadmin", "--noinput", "--username", "boss", "--email", "boss@example.com"]) == 0
    user = User.objects.get(username="boss")
    assert user.is_system_administrator and user.check_password("Very-Secret-Admin-9")
    assert "boss" in capsys.readouterr().out


def test_createadmin_noinput_without_a_password_fails_with_one_line(monkeypatch, capsys):
    from rapport.security.models import User

    monkeypatch.delenv("RAPPORT_ADMIN_PASSWORD", raising=False)
    assert main(["createadmin", "--noinput"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "RAPPORT_ADMIN_PASSWORD" in err
    assert not User.objects.filter(username="admin").exists()


def test_createadmin_twice_fails_with_one_line(monkeypatch, capsys):
    monkeypatch.setenv("RAPPORT_ADMIN_PASSWORD", "Very-Secret-Admin-9")
    assert main(["createadmin", "--noinput"]) == 0
    capsys.readouterr()
    assert main(["createadmin", "--noinput"]) == 1
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and captured.err.startswith("rapport: ")
    assert captured.out == ""


def test_createadmin_refuses_a_weak_password(monkeypatch, capsys):
    monkeypatch.setenv("RAPPORT_ADMIN_PASSWORD", "123")
    assert main(["createadmin", "--noinput"]) == 1
    assert capsys.readouterr().err.count("\n") == 1


def test_token_create_prints_only_the_token_and_it_works(alice, capsys):
    from django.test import Client

    assert main(["token", "create", "alice", "--name", "ci"]) == 0
    captured = capsys.readouterr()
    token = captured.out.strip()
    assert captured.out == token + "\n" and token.startswith("rpt_") and " " not in token
    assert captured.err == ""
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/me/")
    assert response.status_code == 200 and response.json()["username"] == "alice"


def test_token_create_with_a_scope(alice, capsys):
    from django.test import Client

    assert main(["token", "create", "alice", "--scope", "accounts:read"]) == 0
    client = Client(HTTP_AUTHORIZATION=f"Bearer {capsys.readouterr().out.strip()}")
    assert client.get("/api/v1/accounts/").status_code == 200
    assert client.post("/api/v1/accounts/", {"name": "x"}, content_type="application/json").status_code == 403


@pytest.mark.parametrize("argv,fragment", [
    (["token", "create", "nobody"], "nobody"),
    (["token", "create", "alice", "--expires-on", "soon"], "--expires-on"),
    (["token", "create", "alice", "--expires-on", "2000-01-01"], "expires_on"),
    (["token", "create", "alice", "--scope", "nothing:read"], "scopes"),
])
def test_token_create_errors_exit_1_with_one_line(alice, capsys, argv, fragment):
    from rapport.security.models import ApiToken

    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith("rapport: ") and fragment in captured.err
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("argv", [[], ["no-such-command"], ["token"], ["token", "create"], ["createadmin", "--bogus"],
                                  ["serve", "--port", "eighty"]])
def test_usage_errors_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as raised:
        main(argv)
    assert raised.value.code == 2
    assert "usage:" in capsys.readouterr().err
