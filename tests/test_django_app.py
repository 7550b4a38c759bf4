"""The Django target as a Django app: listed in INSTALLED_APPS, its app config
registers the spec's models, and `makemigrations` writes their migration
cleanly (then finds nothing left to do, and `migrate` creates the tables),
in a real project run by `django-admin`-style commands in a subprocess."""

from __future__ import annotations

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


def test_makemigrations_runs_cleanly_on_the_generated_models(tmp_path: Path) -> None:
    (tmp_path / "shopapi").mkdir()
    for file in generate(plan_of(SHOP), "django"):
        (tmp_path / "shopapi" / file.path).write_bytes(file.data)
    (tmp_path / "site_settings.py").write_text(SETTINGS, "utf-8")
    (tmp_path / "shop_migrations").mkdir()
    (tmp_path / "shop_migrations" / "__init__.py").write_text("", "utf-8")

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
