"""The ``rapport`` command (DESIGN.md, runtime contract).

Exit codes: 0 success, 1 failure (one line on stderr), 2 usage, 3 partial success.
"""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path


class CommandError(Exception):
    pass


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    import django

    django.setup()


def ensure_postgres_database() -> None:
    """For PostgreSQL, create the named database when it is missing (and the role may)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        return
    import psycopg
    from psycopg import sql

    params = {"host": db.get("HOST") or None, "port": db.get("PORT") or None, "user": db.get("USER") or None,
              "password": db.get("PASSWORD") or None, "dbname": "postgres"}
    try:
        with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
    except psycopg.Error as error:
        raise CommandError(f"cannot create the database {db['NAME']}: {error}".splitlines()[0])


def cmd_migrate(args) -> int:
    setup_django()
    ensure_postgres_database()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0 if args.quiet else 1)
    return 0


def _password_from_env_or_prompt(noinput: bool, *, required: bool = True) -> str | None:
    password = os.environ.get("RAPPORT_ADMIN_PASSWORD")
    if password:
        return password
    if noinput:
        if required:
            raise CommandError("set RAPPORT_ADMIN_PASSWORD when using --noinput")
        return None
    first = getpass.getpass("Password: ")
    second = getpass.getpass("Password (again): ")
    if first != second:
        raise CommandError("the passwords do not match")
    return first


def _system_context():
    from rapport.core.actions.base import ActionContext

    return ActionContext(user=None, channel="cli")


def cmd_createadmin(args) -> int:
    setup_django()
    from rapport.core.errors import RapportError
    from rapport.security.actions import create_user

    password = _password_from_env_or_prompt(args.noinput)
    try:
        create_user(_system_context(), username=args.username, password=password, email=args.email or "",
                    full_name=args.username, is_superuser=True)
    except RapportError as error:
        raise CommandError(_first_error(error))
    print(f"Created the administrator {args.username}.")
    return 0


def cmd_createuser(args) -> int:
    setup_django()
    from rapport.core.errors import RapportError
    from rapport.security.actions import create_user
    from rapport.security.models import BusinessUnit

    business_unit = None
    if args.business_unit:
        business_unit = BusinessUnit.objects.filter(name=args.business_unit).first()
        if business_unit is None:
            raise CommandError(f"no business unit named {args.business_unit!r}")
    roles = None
    if args.role:
        from rapport.security.models import Role

        roles = []
        for name in args.role:
            role = Role.objects.filter(name__iexact=name).first()
            if role is None:
                raise CommandError(f"no security role named {name!r}")
            roles.append(role)
    password = _password_from_env_or_prompt(args.noinput, required=False)
    try:
        create_user(_system_context(), username=args.username, password=password, business_unit=business_unit,
                    roles=roles)
    except RapportError as error:
        raise CommandError(_first_error(error))
    print(f"Created the user {args.username}.")
    return 0


def _first_error(error) -> str:
    for field, messages in (error.errors or {}).items():
        if messages:
            return f"{field}: {messages[0]}"
    return error.detail


def cmd_token_create(args) -> int:
    setup_django()
    import datetime as dt

    from rapport.core.errors import RapportError
    from rapport.security.actions import create_token
    from rapport.security.models import User

    user = User.objects.filter(username=args.username).first()
    if user is None:
        raise CommandError(f"no user named {args.username!r}")
    expires = None
    if args.expires_on:
        try:
            expires = dt.date.fromisoformat(args.expires_on)
        except ValueError:
            raise CommandError("--expires-on takes a date YYYY-MM-DD")
    try:
        _token, secret = create_token(user, _system_context(), name=args.name or "", expires_on=expires, scopes=args.scope or None)
    except RapportError as error:
        raise CommandError(_first_error(error))
    print(secret)
    return 0


def cmd_mail_fetch(args) -> int:
    """Fetch unseen mail over IMAP (RAPPORT_IMAP_URL) or ingest .eml files; exit 3 when some failed."""
    setup_django()
    from rapport.activities.mail import fetch_imap, ingest_eml_file
    from rapport.core.errors import RapportError

    if args.eml:
        failed = 0
        for name in args.eml:
            try:
                record = ingest_eml_file(name)
            except (OSError, RapportError) as error:
                failed += 1
                print(f"rapport: {name}: {getattr(error, 'detail', error)}", file=sys.stderr)
                continue
            print(f"{name}: {'already ingested' if record is None else record.pk}")
        return 3 if failed and failed < len(args.eml) else (1 if failed else 0)
    try:
        ingested, skipped = fetch_imap(mailbox=args.mailbox)
    except RapportError as error:
        raise CommandError(_first_error(error))
    except OSError as error:
        raise CommandError(f"mail fetch: {error}")
    print(f"{ingested} e-mails ingested, {skipped} already known")
    return 0


def demo_password(var_dir: Path) -> str:
    """The administrator's demo password: from the environment, or generated once and kept."""
    password = os.environ.get("RAPPORT_ADMIN_PASSWORD")
    if password:
        return password
    path = var_dir / "demo-login"
    if path.exists():
        return path.read_text().strip()
    password = "Rapport-" + secrets.token_urlsafe(9)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
    return password


def cmd_demo(args) -> int:
    os.environ.setdefault("RAPPORT_ADMIN_MFA", "optional")
    os.environ.setdefault("RAPPORT_STATIC_MANIFEST", "1")
    setup_django()
    ensure_postgres_database()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from rapport.demo import load_demo

    password = demo_password(settings.VAR_DIR)
    summary = load_demo(admin_password=password)
    if args.no_serve:
        print(summary)
        return 0
    print(f"Rapport is running at http://{args.host}:{args.port}/", flush=True)
    print(f"Sign in as admin / {password}", flush=True)
    return _serve_forever(args.host, args.port, args.workers, with_worker=True)


# gunicorn's access log as one JSON object a line (RAPPORT_LOG_FORMAT=json), like the application's logs.
ACCESS_LOG_JSON = ('{"time": "%(t)s", "logger": "access", "remote": "%(h)s", "method": "%(m)s", "path": "%(U)s", '
                   '"status": %(s)s, "bytes": "%(B)s", "duration_us": %(D)s, "request_id": "%({x-request-id}i)s"}')


def _serve_forever(host: str, port: int, workers: int, *, with_worker: bool) -> int:
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    children = []
    env = dict(os.environ)
    web = [sys.executable, "-m", "gunicorn", "rapport.wsgi:application", "--bind", f"{host}:{port}",
           "--workers", str(workers), "--worker-class", "sync", "--timeout", "60", "--access-logfile", "-",
           "--log-level", "warning"]
    if os.environ.get("RAPPORT_LOG_FORMAT") == "json":
        web += ["--access-logformat", ACCESS_LOG_JSON]
    children.append(subprocess.Popen(web, env=env))
    if with_worker and _has_worker():
        children.append(subprocess.Popen([sys.executable, "-m", "rapport.cli", "worker"], env=env))

    def stop(_signum=None, _frame=None):
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        return children[0].wait()
    finally:
        stop()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


def _has_worker() -> bool:
    try:
        import rapport.core.jobs.worker  # noqa: F401
    except ImportError:
        return False
    return True


def cmd_serve(args) -> int:
    os.environ.setdefault("RAPPORT_STATIC_MANIFEST", "1")  # hashed, compressed, long-cached static files
    setup_django()
    return _serve_forever(args.host, args.port, args.workers, with_worker=False)


def cmd_worker(args) -> int:
    setup_django()
    try:
        from rapport.core.jobs.worker import run_worker
    except ImportError:
        raise CommandError("the task worker is not part of this version yet")
    return run_worker(once=getattr(args, "once", False)) or 0


def cmd_import(args) -> int:
    """``rapport import <set> <file>``: the import wizard's job, run here; exit 3 when some rows failed."""
    setup_django()
    import json

    from rapport.core.errors import RapportError
    from rapport.dataio import service
    from rapport.security.models import User

    if args.user:
        user = User.objects.filter(username=args.user, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user named {args.user!r}")
    else:
        user = User.objects.filter(is_superuser=True, is_active=True).order_by("date_joined").first()
        if user is None:
            raise CommandError("no administrator to import as; give --user USERNAME")
    mapping = None
    if args.mapping:
        try:
            with open(args.mapping, encoding="utf-8") as handle:
                mapping = json.load(handle)
        except (OSError, ValueError) as error:
            raise CommandError(f"cannot read the mapping {args.mapping}: {error}")
        if not isinstance(mapping, dict):
            raise CommandError("the mapping must be a JSON object: column header -> field name")
    if not os.path.isfile(args.file):
        raise CommandError(f"no file {args.file}")
    try:
        job = service.prepare_import(user, args.entity, args.file, os.path.basename(args.file), channel="cli")
        try:
            service.configure(job, mapping=mapping, duplicates=args.duplicates, dry_run=args.dry_run)
        except RapportError:
            service.discard(job)
            job.delete()
            raise
        job = service.start(job, run_now=True)
    except RapportError as error:
        raise CommandError(_first_error(error))
    print(f"import {job.pk}: {job.state}; rows {job.rows_total or 0}, imported {job.rows_imported}, "
          f"failed {job.rows_failed}, skipped {job.rows_skipped}, flagged {job.rows_flagged}"
          + (" (dry run: nothing saved)" if job.dry_run else ""))
    if job.message:
        print(f"rapport: {job.message}", file=sys.stderr)
    for issue in job.issues.order_by("row", "id")[:20]:
        print(f"  row {issue.row}{' ' + issue.field if issue.field else ''}: {issue.message}", file=sys.stderr)
    if job.state != "finished":
        return 1
    return 3 if job.rows_failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rapport", description="Rapport CRM")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="migrate, load the demo organisation and serve it")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--workers", type=int, default=2)
    demo.add_argument("--no-serve", action="store_true", help="load the demo data and exit")
    demo.set_defaults(func=cmd_demo)

    serve = sub.add_parser("serve", help="serve the web interface and API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=2)
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run the task worker and the scheduler")
    worker.add_argument("--once", action="store_true", help="run what is due and exit")
    worker.set_defaults(func=cmd_worker)

    migrate = sub.add_parser("migrate", help="create or upgrade the database")
    migrate.add_argument("--quiet", action="store_true")
    migrate.set_defaults(func=cmd_migrate)

    admin = sub.add_parser("createadmin", help="create a system administrator")
    admin.add_argument("--username", default="admin")
    admin.add_argument("--email", default="")
    admin.add_argument("--noinput", action="store_true")
    admin.set_defaults(func=cmd_createadmin)

    user = sub.add_parser("createuser", help="create an ordinary user")
    user.add_argument("username")
    user.add_argument("--business-unit")
    user.add_argument("--role", action="append")
    user.add_argument("--noinput", action="store_true")
    user.set_defaults(func=cmd_createuser)

    token = sub.add_parser("token", help="API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    create = token_sub.add_parser("create", help="create a token and print it")
    create.add_argument("username")
    create.add_argument("--name")
    create.add_argument("--expires-on")
    create.add_argument("--scope", action="append")
    create.set_defaults(func=cmd_token_create)

    mail = sub.add_parser("mail", help="incoming e-mail")
    mail_sub = mail.add_subparsers(dest="mail_command", required=True)
    fetch = mail_sub.add_parser("fetch", help="ingest unseen IMAP mail (RAPPORT_IMAP_URL) or .eml files")
    fetch.add_argument("--eml", nargs="+", help=".eml files to ingest instead of IMAP")
    fetch.add_argument("--mailbox")
    fetch.set_defaults(func=cmd_mail_fetch)

    load = sub.add_parser("import", help="import a CSV or .xlsx file into an entity set")
    load.add_argument("entity", help="the entity set, e.g. leads")
    load.add_argument("file")
    load.add_argument("--mapping", help="JSON file: column header -> field name (default: auto-mapping)")
    load.add_argument("--duplicates", choices=["skip", "flag", "create"], default="skip")
    load.add_argument("--dry-run", action="store_true", help="check every row, save nothing")
    load.add_argument("--user", help="import as this user (default: the first administrator)")
    load.set_defaults(func=cmd_import)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except CommandError as error:
        print(f"rapport: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 1


if __name__ == "__main__":
    sys.exit(main())
