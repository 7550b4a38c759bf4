"""Shapes on Django: generated Django models and django-readers loaders, run
on a real SQLite database with every emitted SELECT captured and checked,
against the same spec and data as the FastAPI (SQLAlchemy) side."""

from __future__ import annotations

import datetime
import decimal
import importlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("django_readers")
from django.conf import settings
from django.db import connection, connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from test_gen_django import SECRET, configure_django, import_package, plan_of, urlconf
from test_gen_fastapi_shapes import TEAM_PRICES

from mizan_lang.plan import Plan
from mizan_lang.plan.orm import snake

REPO = Path(__file__).resolve().parent.parent
FULL = REPO / "tests" / "cases" / "gen" / "fastapi" / "full" / "main.mizan"
SHOP = REPO / "examples" / "shop" / "main.mizan"
JOINED = datetime.datetime(2024, 1, 31, 12, 0, tzinfo=datetime.UTC)
CONTENTTYPES = "django.contrib.contenttypes"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Path]:
    """Django on a fresh SQLite file (the default connection, reset after)."""
    configure_django()
    file = tmp_path / "db.sqlite3"
    _use_database(str(file))
    installed = list(settings.INSTALLED_APPS)
    yield file
    _use_database(None)
    for override in reversed(_overrides):
        override.disable()
    _overrides.clear()
    assert list(settings.INSTALLED_APPS) == installed


_overrides: list[override_settings] = []


def _use_database(name: str | None) -> None:
    connections.close_all()
    if name is None:
        config = {"ENGINE": "django.db.backends.dummy"}
    else:
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": name}
    connections.settings["default"] = connections.configure_settings({"default": config})[
        "default"]
    try:
        del connections["default"]
    except AttributeError:  # never opened in this thread
        pass


def generated(plan: Plan, tmp_path: Path) -> tuple[ModuleType, ModuleType]:
    """(django_models, django_shapes) of a fresh package, installed as the
    Django app its models belong to, their tables created."""
    sys.path.insert(0, str(tmp_path))
    try:
        package = import_package(plan, tmp_path)
        # As a project would: the package is an installed app, the models'
        # app; django-readers imports contenttypes' models.
        # The label first: installing the app loads its config (apps.py), which
        # reads it (in a project both come from one settings module).
        for override in (
            override_settings(MIZAN_MODELS_APP_LABEL=package),
            override_settings(INSTALLED_APPS=[
                *dict.fromkeys([*settings.INSTALLED_APPS, CONTENTTYPES, package])]),
        ):
            override.enable()
            _overrides.append(override)
        orm = importlib.import_module(f"{package}.django_models")
        shapes = importlib.import_module(f"{package}.django_shapes")
    finally:
        sys.path.remove(str(tmp_path))
    with connection.schema_editor() as editor:
        for model in vars(orm).values():
            if isinstance(model, type) and model.__module__ == orm.__name__ and hasattr(
                    model, "_meta"):
                editor.create_model(model)
    return orm, shapes


def fill(orm: ModuleType) -> None:
    team = orm.Team.objects.create(id=1, name="Core", budget=decimal.Decimal("10.5"),
                                   price=decimal.Decimal("9.90"))
    orm.Team.objects.create(id=2, name="Ops", budget=decimal.Decimal(0),
                            price=decimal.Decimal("12.5"))
    admins = orm.Group.objects.create(id=1, name="admins", secret_code="s1")
    ops = orm.Group.objects.create(id=2, name="ops", secret_code="s2")
    ada = orm.User.objects.create(id=1, username="ada", email="ada@example.com",
                                  password_hash="x", joined=JOINED, team=team)
    ada.groups.add(admins, ops)
    orm.User.objects.create(id=2, username="bo", password_hash="y", joined=JOINED)
    orm.Post.objects.create(id=10, title="Hello", body="long", author=ada)
    orm.Post.objects.create(id=11, title="Again", body="longer", author=ada)


def selected_columns(statement: str) -> tuple[str, set[str]]:
    """(table, columns) of a `SELECT "a"."x", "a"."y" FROM "a" ...` statement."""
    statement = statement.replace('"', "")
    match = re.match(r"SELECT (.*?) FROM (\w+)", statement)
    assert match, statement
    columns = {column.strip().split(" AS ")[0].strip("()")
               for column in match.group(1).split(",")}
    return match.group(2), columns


def test_a_shape_loads_only_its_declared_columns_and_relations(
        database: Path, tmp_path: Path) -> None:
    orm, shapes = generated(plan_of(FULL), tmp_path)
    fill(orm)
    with CaptureQueriesContext(connection) as captured:
        cards = shapes.load_user_card(orm.User.objects.order_by("id"))
    # The same values as the SQLAlchemy loader gives (tests/test_gen_fastapi_shapes.py).
    assert [card.model_dump() for card in cards] == [
        {"id": 1, "username": "ada", "joined": JOINED, "team": 1,
         "groups": [{"name": "admins"}, {"name": "ops"}],
         "posts": [{"id": 10, "title": "Hello"}, {"id": 11, "title": "Again"}]},
        {"id": 2, "username": "bo", "joined": JOINED, "team": None,
         "groups": [], "posts": []}]
    statements = [query["sql"] for query in captured.captured_queries]
    assert len(statements) == 3  # the users, then one query per relation: no N+1
    tables = dict(selected_columns(statement) for statement in statements)
    # The primary key and the foreign keys relations need; nothing else.
    assert tables["app_user"] == {"app_user.id", "app_user.username", "app_user.joined",
                                  "app_user.team_id"}
    assert tables["app_post"] == {"app_post.author_id", "app_post.id", "app_post.title"}
    assert tables["app_group"] == {"app_user_groups.user_id", "app_group.id",
                                   "app_group.name"}
    everything = " ".join(statements)
    for undeclared in ("password_hash", "email", "secret_code", "body", "budget"):
        assert undeclared not in everything


def test_a_loader_takes_the_callers_queryset(database: Path, tmp_path: Path) -> None:
    orm, shapes = generated(plan_of(FULL), tmp_path)
    fill(orm)
    cards = shapes.load_user_card(orm.User.objects.filter(username="bo"))
    assert [card.id for card in cards] == [2]
    row = shapes.user_card_spec  # the spec composes: a caller can prefetch with it
    assert {"groups": shapes.group_name_spec()} in row()
    titles = shapes.load_post_title(orm.Post.objects.order_by("-id"))
    assert [title.model_dump() for title in titles] == [{"id": 11, "title": "Again"},
                                                          {"id": 10, "title": "Hello"}]


def test_the_models_follow_the_storage_conventions(database: Path, tmp_path: Path) -> None:
    orm, _ = generated(plan_of(FULL), tmp_path)
    fill(orm)
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        assert tables == {"app_group", "app_post", "app_team", "app_user", "app_user_groups"}
        join = connection.introspection.get_table_description(cursor, "app_user_groups")
        assert [column.name for column in join] == ["user_id", "group_id"]
        keys = connection.introspection.get_relations(cursor, "app_post")
        assert keys == {"author_id": ("id", "app_user")}
        cursor.execute("SELECT user_id, group_id FROM app_user_groups ORDER BY group_id")
        assert cursor.fetchall() == [(1, 1), (1, 2)]
    user = orm.User.objects.get(id=1)
    assert user.joined == JOINED and user.joined.tzinfo is not None
    assert [post.title for post in user.posts.order_by("id")] == ["Hello", "Again"]
    assert orm.Team.objects.get(id=1).budget == decimal.Decimal("10.5")


def test_every_shape_of_the_shop_example_loads(database: Path, tmp_path: Path) -> None:
    """Self-relations, one-to-many both ways and nested shapes configure and run."""
    plan = plan_of(SHOP)
    _, shapes = generated(plan, tmp_path)
    for shape in plan.ir.shapes:
        assert getattr(shapes, f"load_{snake(shape.name)}")() == []


def test_a_scaled_decimal_column_comes_back_with_its_scale(
        database: Path, tmp_path: Path) -> None:
    """The same bytes as the FastAPI side (tests/test_gen_fastapi_shapes.py)."""
    from django.test import Client
    from test_gen_django import PREFIX
    from test_gen_fastapi_ext import full_service

    plan = plan_of(FULL)
    orm, shapes = generated(plan, tmp_path)
    fill(orm)
    sys.path.insert(0, str(tmp_path))
    try:
        package = shapes.__name__.rpartition(".")[0]
        service = full_service(package)
        app = importlib.import_module(f"{package}.django_app")
    finally:
        sys.path.remove(str(tmp_path))
    service.team_prices = lambda caller: shapes.load_team_price(orm.Team.objects.order_by("id"))
    server = app.DjangoServer(service, secret=SECRET)
    with override_settings(ROOT_URLCONF=urlconf(server.urls)):
        response = Client().post(PREFIX + "call/", {"fn": "team_prices"},
                                 content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.content == TEAM_PRICES
