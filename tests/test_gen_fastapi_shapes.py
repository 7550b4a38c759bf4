"""Shapes on FastAPI: generated SQLAlchemy models and projections, run on
a real SQLite database with every emitted SELECT captured and checked."""

from __future__ import annotations

import datetime
import decimal
import importlib
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

sa = pytest.importorskip("sqlalchemy")
from test_gen_fastapi import CASES, import_package, importable_folder, plan_of

FULL = CASES / "full" / "main.mizan"
JOINED = datetime.datetime(2024, 1, 31, 12, 0, tzinfo=datetime.UTC)
PRICE = decimal.Decimal("9.90")
# `team_prices` on the wire: `price decimal scale=2` answers its scale, however
# the value was written (12.5 -> "12.50"); the Django side answers the same bytes.
TEAM_PRICES = b'{"invalidate":[],"result":[{"id":"1","price":"9.90"},{"id":"2","price":"12.50"}]}'


@pytest.fixture
def package(tmp_path: Path) -> Iterator[str]:
    with importable_folder(tmp_path):
        yield import_package(plan_of(FULL), tmp_path)


class Database:
    def __init__(self, package: str) -> None:
        self.orm: ModuleType = importlib.import_module(f"{package}.orm")
        self.shapes: ModuleType = importlib.import_module(f"{package}.shapes")
        # One in-memory database, shared by the server's worker threads.
        self.engine = sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool,
                                       connect_args={"check_same_thread": False})
        self.orm.Base.metadata.create_all(self.engine)
        self.statements: list[str] = []
        sa.event.listen(self.engine, "before_cursor_execute", self._capture)
        self._fill()
        self.statements.clear()

    def _capture(self, conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        self.statements.append(" ".join(statement.split()))

    def session(self) -> Any:
        return sa.orm.Session(self.engine)

    def _fill(self) -> None:
        orm = self.orm
        with self.session() as session, session.begin():
            team = orm.Team(id=1, name="Core", budget=decimal.Decimal("10.5"), price=PRICE)
            session.add(orm.Team(id=2, name="Ops", budget=decimal.Decimal(0),
                                 price=decimal.Decimal("12.5")))
            admins, ops = orm.Group(id=1, name="admins", secret_code="s1"), orm.Group(
                id=2, name="ops", secret_code="s2")
            ada = orm.User(id=1, username="ada", email="ada@example.com", password_hash="x",
                           joined=JOINED, team=team, groups=[admins, ops])
            bo = orm.User(id=2, username="bo", password_hash="y", joined=JOINED, team=None,
                          groups=[])
            session.add_all([ada, bo, orm.Post(id=10, title="Hello", body="long", author=ada),
                             orm.Post(id=11, title="Again", body="longer", author=ada)])


def selected_columns(statement: str) -> tuple[str, set[str]]:
    """(table, columns) of a `SELECT a.x, a.y FROM a ...` statement."""
    match = re.match(r"SELECT (.*?) FROM (\w+)", statement)
    assert match, statement
    columns = {column.strip().split(" AS ")[0] for column in match.group(1).split(",")}
    return match.group(2), columns


def test_a_shape_loads_only_its_declared_columns_and_relations(package: str) -> None:
    db = Database(package)
    with db.session() as session:
        cards = db.shapes.load_user_card(session, sa.select(db.orm.User).order_by(
            db.orm.User.id))
    assert [card.model_dump() for card in cards] == [
        {"id": 1, "username": "ada", "joined": JOINED, "team": 1,
         "groups": [{"name": "admins"}, {"name": "ops"}],
         "posts": [{"id": 10, "title": "Hello"}, {"id": 11, "title": "Again"}]},
        {"id": 2, "username": "bo", "joined": JOINED, "team": None,
         "groups": [], "posts": []}]
    assert len(db.statements) == 3  # the users, then one query per relation: no N+1
    tables = dict(selected_columns(statement) for statement in db.statements)
    # The primary key (identity) and the foreign keys relations need; nothing else.
    assert tables["app_user"] == {"app_user.id", "app_user.username", "app_user.joined",
                                  "app_user.team_id"}
    assert tables["app_post"] == {"app_post.author_id", "app_post.id", "app_post.title"}
    assert tables["app_user_groups"] == {"app_user_groups.user_id", "app_group.id",
                                         "app_group.name"}
    everything = " ".join(db.statements)
    for undeclared in ("password_hash", "email", "secret_code", "app_post.body", "budget"):
        assert undeclared not in everything


def test_touching_what_a_shape_did_not_load_raises(package: str) -> None:
    db = Database(package)
    with db.session() as session:
        row = session.scalars(sa.select(db.orm.User).where(db.orm.User.id == 1).options(
            *db.shapes.user_card_options())).one()
        assert db.shapes.user_card_from(row).username == "ada"
        count = len(db.statements)
        with pytest.raises(sa.exc.InvalidRequestError):
            row.password_hash  # noqa: B018 - deferred with raiseload
        with pytest.raises(sa.exc.InvalidRequestError):
            row.team  # noqa: B018 - a relation the shape carries as its key only
        assert len(db.statements) == count  # no lazy query was emitted


def test_the_models_follow_the_storage_conventions(package: str) -> None:
    db = Database(package)
    inspector = sa.inspect(db.engine)
    assert set(inspector.get_table_names()) == {"app_group", "app_post", "app_team",
                                                "app_user", "app_user_groups"}
    assert [c["name"] for c in inspector.get_columns("app_user_groups")] == ["user_id",
                                                                            "group_id"]
    post_keys = inspector.get_foreign_keys("app_post")
    assert [(k["constrained_columns"], k["referred_table"]) for k in post_keys] == [
        (["author_id"], "app_user")]
    with db.session() as session:
        user = session.get(db.orm.User, 1)
        assert user.joined == JOINED and user.joined.tzinfo is not None
        assert [post.title for post in user.posts] == ["Hello", "Again"]


def test_every_shape_of_the_shop_example_loads(tmp_path: Path) -> None:
    """Self-relations, one-to-many both ways and nested shapes configure and run."""
    shop = Path(__file__).resolve().parent.parent / "examples" / "shop" / "main.mizan"
    plan = plan_of(shop)
    with importable_folder(tmp_path):
        db = Database.__new__(Database)
        package = import_package(plan, tmp_path)
        db.orm = importlib.import_module(f"{package}.orm")
        db.shapes = importlib.import_module(f"{package}.shapes")
        engine = sa.create_engine("sqlite://")
        db.orm.Base.metadata.create_all(engine)
        with sa.orm.Session(engine) as session:
            for shape in plan.ir.shapes:
                name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", shape.name).lower()
                assert getattr(db.shapes, f"load_{name}")(session) == []


def test_a_service_serves_shapes_through_the_session_factory(package: str) -> None:
    from fastapi.testclient import TestClient
    from test_gen_fastapi import PREFIX, SECRET
    from test_gen_fastapi_ext import full_service

    db = Database(package)
    service = full_service(package)
    shapes = db.shapes

    def user_cards(caller: Any) -> Any:
        statement = sa.select(db.orm.User).order_by(db.orm.User.id.desc())
        return shapes.load_user_card(caller.session, statement)

    service.user_cards = user_cards
    app = importlib.import_module(f"{package}.fastapi_app").create_app(
        service, secret=SECRET, session_factory=sa.orm.sessionmaker(db.engine))
    app.state.mizan._methods["user_cards"] = user_cards
    response = TestClient(app).post(PREFIX + "call/", json={"fn": "user_cards"})
    assert response.status_code == 200, response.text
    assert response.json()["result"] == [
        {"id": "2", "username": "bo", "joined": "2024-01-31T12:00:00.000000Z", "team": None,
         "groups": [], "posts": []},
        {"id": "1", "username": "ada", "joined": "2024-01-31T12:00:00.000000Z", "team": "1",
         "groups": [{"name": "admins"}, {"name": "ops"}],
         "posts": [{"id": "10", "title": "Hello"}, {"id": "11", "title": "Again"}]}]
    assert not any("password_hash" in statement for statement in db.statements)


def test_a_scaled_decimal_column_comes_back_with_its_scale(package: str) -> None:
    from fastapi.testclient import TestClient
    from test_gen_fastapi import PREFIX, SECRET
    from test_gen_fastapi_ext import full_service

    db = Database(package)
    service = full_service(package)

    def team_prices(caller: Any) -> Any:
        statement = sa.select(db.orm.Team).order_by(db.orm.Team.id)
        return db.shapes.load_team_price(caller.session, statement)

    app = importlib.import_module(f"{package}.fastapi_app").create_app(
        service, secret=SECRET, session_factory=sa.orm.sessionmaker(db.engine))
    app.state.mizan._methods["team_prices"] = team_prices
    response = TestClient(app).post(PREFIX + "call/", json={"fn": "team_prices"})
    assert response.status_code == 200, response.text
    assert response.content == TEAM_PRICES
