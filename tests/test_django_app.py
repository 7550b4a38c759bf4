"""The Django target as a Django app: listed in INSTALLED_APPS, its app config
registers the spec's models, and `makemigrations` writes their migration
cleanly (then finds nothing left to do, and `migrate` creates the tables),
in a real project run by `django-admin`-style commands in a subprocess."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from test_gen_fastapi import plan_of

from mizan_lang.gen import generate

pytest.importorskip("django")

REPO = Path(__file__).resolve().parent.parent
SHOP = REPO / "examples" / "shop" / "main.mizan"
FULL = REPO / "tests" / "cases" / "gen" / "fastapi" / "full" / "main.mizan"

SETTINGS = '''
SECRET_KEY = "django-app-test"
USE_TZ = True
INSTALLED_APPS = ["django.contrib.contenttypes", "shopapi"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "site.sqlite3"}}
MIGRATION_MODULES = {"mizan": "shop_migrations"}
'''


def manage(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "site_settings",
           "PYTHONPATH": os.pathsep.join([str(folder), str(REPO / "runtimes" / "python")])}
    return subprocess.run([sys.executable, "-m", "django", *args], cwd=folder, env=env,
                          capture_output=True, text=True, check=False, timeout=120)


def project(folder: Path, spec: Path) -> None:
    """A Django project in `folder`: the generated package as an app, settings."""
    (folder / "shopapi").mkdir()
    for file in generate(plan_of(spec), "django"):
        (folder / "shopapi" / file.path).write_bytes(file.data)
    (folder / "site_settings.py").write_text(SETTINGS, "utf-8")
    (folder / "shop_migrations").mkdir()
    (folder / "shop_migrations" / "__init__.py").write_text("", "utf-8")


def test_makemigrations_runs_cleanly_on_the_generated_models(tmp_path: Path) -> None:
    project(tmp_path, SHOP)

    made = manage(tmp_path, "makemigrations", "mizan")
    assert made.returncode == 0, made.stdout + made.stderr
    assert "Create model Product" in made.stdout
    migration = (tmp_path / "shop_migrations" / "0001_initial.py").read_text("utf-8")
    assert 'db_table": "shop_product"' in migration or "'db_table': 'shop_product'" in migration

    again = manage(tmp_path, "makemigrations", "mizan", "--check", "--dry-run")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes detected" in again.stdout

    migrated = manage(tmp_path, "migrate", "mizan")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    with sqlite3.connect(tmp_path / "site.sqlite3") as db:
        tables = {row[0] for row in db.execute("select name from sqlite_master")}
    assert {"shop_product", "shop_category", "shop_order_item"} <= tables

    checked = manage(tmp_path, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_declared_lengths_and_delete_behaviours_reach_the_database(tmp_path: Path) -> None:
    """`max-length=40` is a CharField; `on-delete=` cascade / set-null, and the
    default protect, are what Django's migration and the database do."""
    project(tmp_path, FULL)
    made = manage(tmp_path, "makemigrations", "mizan")
    assert made.returncode == 0, made.stdout + made.stderr
    migration = (tmp_path / "shop_migrations" / "0001_initial.py").read_text("utf-8")
    assert "models.CharField(max_length=40, unique=True)" in migration
    assert "on_delete=django.db.models.deletion.CASCADE" in migration  # Post.author
    assert "on_delete=django.db.models.deletion.SET_NULL" in migration  # User.team
    assert manage(tmp_path, "migrate", "mizan").returncode == 0
    script = (
        "import django; django.setup()\n"
        "from shopapi.django_models import Post, Team, User\n"
        "import datetime\n"
        "now = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)\n"
        "team = Team.objects.create(id=1, name='t', budget=0, price=0)\n"
        "ada = User.objects.create(id=1, username='ada', password_hash='x', joined=now,"
        " team=team)\n"
        "Post.objects.create(id=1, title='p', body='b', author=ada)\n"
        "team.delete()\n"
        "print(User.objects.get(id=1).team_id)\n"
        "ada.delete()\n"
        "print(Post.objects.count())\n")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "site_settings",
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO / "runtimes" / "python")])}
    ran = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=False, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["None", "0"]


def test_sqlalchemy_tables_carry_the_delete_behaviours(tmp_path: Path) -> None:
    sa = pytest.importorskip("sqlalchemy")
    from sqlalchemy.schema import CreateTable

    (tmp_path / "fullapi").mkdir()
    for file in generate(plan_of(FULL), "fastapi"):
        (tmp_path / "fullapi" / file.path).write_bytes(file.data)
    sys.path.insert(0, str(tmp_path))
    try:
        import importlib

        orm = importlib.import_module("fullapi.orm")
        engine = sa.create_engine("sqlite://")
        ddl = {t.name: str(CreateTable(t).compile(engine)) for t in orm.Base.metadata.sorted_tables}
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == "fullapi" or n.startswith("fullapi.")]:
            del sys.modules[name]
    assert "username VARCHAR(40) NOT NULL" in ddl["app_user"]
    assert "FOREIGN KEY(team_id) REFERENCES app_team (id) ON DELETE SET NULL" in ddl["app_user"]
    assert "FOREIGN KEY(author_id) REFERENCES app_user (id) ON DELETE CASCADE" in ddl["app_post"]


RUNTIME_SPEC = REPO / "tests" / "cases" / "gen" / "runtime" / "main.mizan"
AUTH_SITE = '''
import django
from django.conf import settings

settings.configure(
    SECRET_KEY="django-auth-bridge", USE_TZ=True, ALLOWED_HOSTS=["testserver"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth",
                    "django.contrib.sessions"],
    MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware",
                "django.contrib.auth.middleware.AuthenticationMiddleware"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
)
django.setup()

import json
from django.core.management import call_command
from django.contrib.auth.models import User
from django.test import Client
from mizan_runtime.auth import Identity
from mizan_runtime.django_web import django_user_claims
from rtapi.django_app import DjangoServer
from rtapi.service import Service


class Impl(Service):
    def agent(self, caller):
        return "agent"

    def whoami(self, caller, *, folder):
        return f"{caller.subject}:{folder}:{caller.claims['is_staff']}"

    def mark(self, caller, *, folder):
        return folder

    def authenticate(self, credentials):
        return None

    def identity_of(self, subject):
        return Identity(subject, {})


server = DjangoServer(Impl(), secret="x" * 32, auth_hook=django_user_claims)
urlpatterns = server.urls
call_command("migrate", verbosity=0)
user = User.objects.create_user("ada", password="pw", is_staff=True)
client = Client()
answers = {"anonymous": client.get("/api/mizan/ctx/inbox/?folder=in").status_code}
client.force_login(user)
answers["signed_in"] = json.loads(client.get("/api/mizan/ctx/inbox/?folder=in").content)["data"]
forged = client.post("/api/mizan/call/", {"fn": "mark", "args": {"folder": "x"}},
                     content_type="application/json")
answers["no_csrf"] = json.loads(forged.content)["error"]["code"]
token = json.loads(client.get("/api/mizan/session/").content)["csrf"]
marked = client.post("/api/mizan/call/", {"fn": "mark", "args": {"folder": "x"}},
                     content_type="application/json", HTTP_X_MIZAN_CSRF=token)
answers["with_csrf"] = json.loads(marked.content)["result"]
print(json.dumps(answers))
'''


def test_signed_in_django_users_call_as_themselves(tmp_path: Path) -> None:
    """The bridge to Django's own auth: `request.user` from the session is the
    caller (sub = the user's pk, is_staff), and the session cookie needs the
    protocol's CSRF token for mutations like any cookie credential."""
    (tmp_path / "rtapi").mkdir()
    for file in generate(plan_of(RUNTIME_SPEC), "django"):
        (tmp_path / "rtapi" / file.path).write_bytes(file.data)
    (tmp_path / "auth_site.py").write_text(AUTH_SITE, "utf-8")
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO / "runtimes" / "python")])}
    ran = subprocess.run([sys.executable, "auth_site.py"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=False, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == {
        "anonymous": 401,
        "signed_in": {"whoami": "1:in:True"},
        "no_csrf": "csrf_failed",
        "with_csrf": "x",
    }
