"""Shapes on Axum: the generated `shapes.rs` loads from a real SQLite
database through sqlx, selecting only the declared columns and relations.

The database is made by the FastAPI target's SQLAlchemy models of the same
spec (one storage plan: `mizan_lang.plan.orm`) and filled as
tests/test_gen_fastapi_shapes.py fills it; a small Rust program loads the
shapes with the generated crate, prints each result as wire JSON and every
statement sqlx ran (its query log). The results are the bytes FastAPI
answers; the statements are checked column by column.
"""

from __future__ import annotations

import datetime
import decimal
import importlib
import json
import re
import uuid
from pathlib import Path

import pytest

from mizan_lang.plan.shapes import shape_loads

from .test_gen_axum import gen, workspace
from .toolchain import run_cargo

sa = pytest.importorskip("sqlalchemy")
from test_gen_fastapi import import_package, importable_folder, plan_of
from test_gen_fastapi_shapes import FULL, TEAM_PRICES, Database

PROBE = r"""
use full_api::shapes::{group_name, team_price, user_card, Filter, SqlitePool};
use mizan_runtime::wire::to_wire;

/// Prints each query sqlx logs (its statement log, target `sqlx::query`).
struct Statements;

impl log::Log for Statements {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target() == "sqlx::query"
    }
    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            println!("SQL {}", record.args().to_string().replace('\n', " "));
        }
    }
    fn flush(&self) {}
}

fn show<T: serde::Serialize>(label: &str, value: &T) {
    let wire = to_wire(value).unwrap_or_else(|e| panic!("{e:?}"));
    println!("{label} {}", wire.canonical());
}

fn main() {
    log::set_logger(&Statements).unwrap_or_else(|e| panic!("{e}"));
    log::set_max_level(log::LevelFilter::Trace);
    let path = std::env::args().nth(1).unwrap_or_default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    runtime.block_on(async {
        let db = SqlitePool::connect(&format!("sqlite:{path}?mode=ro"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        println!("START");
        let cards = user_card::load(&db, &Filter::new("ORDER BY id DESC")).await;
        show("CARDS", &cards.unwrap_or_else(|e| panic!("{e:?}")));
        println!("END");
        let prices = team_price::load(&db, &Filter::new("ORDER BY id")).await;
        show("PRICES", &prices.unwrap_or_else(|e| panic!("{e:?}")));
        let bo = Filter::new("WHERE username = ?").bind("bo");
        show("BO", &user_card::load(&db, &bo).await.unwrap_or_else(|e| panic!("{e:?}")));
        let none = Filter::new("WHERE name = ?").bind("nobody");
        let groups = group_name::load(&db, &none).await;
        show("NONE", &groups.unwrap_or_else(|e| panic!("{e:?}")));
    });
}
"""

CARDS = [
    {"id": "2", "username": "bo", "joined": "2024-01-31T12:00:00.000000Z", "team": None,
     "groups": [], "posts": []},
    {"id": "1", "username": "ada", "joined": "2024-01-31T12:00:00.000000Z", "team": "1",
     "groups": [{"name": "admins"}, {"name": "ops"}],
     "posts": [{"id": "10", "title": "Hello"}, {"id": "11", "title": "Again"}]}]


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """The probe's output lines by label (SQL: the statements between START and END)."""
    folder = tmp_path_factory.mktemp("axum_shapes")
    database = folder / "app.db"
    with importable_folder(folder):
        db = Database.__new__(Database)
        package = import_package(plan_of(FULL), folder)
        db.orm = importlib.import_module(f"{package}.orm")
        db.shapes = importlib.import_module(f"{package}.shapes")
        db.engine = sa.create_engine(f"sqlite:///{database}")
        db.orm.Base.metadata.create_all(db.engine)
        db.statements = []
        db._fill()
        db.engine.dispose()
    gen(FULL.parent, folder / "full_api")
    app = folder / "probe"
    (app / "src").mkdir(parents=True)
    (app / "Cargo.toml").write_text(
        '[package]\nname = "probe"\nversion = "0.1.0"\nedition = "2021"\npublish = false\n\n'
        '[dependencies]\nfull_api = { path = "../full_api" }\nlog = "0.4"\n'
        'mizan-runtime = { version = "=0.1.0", features = ["sqlite"] }\nserde = "1"\n'
        'tokio = { version = "1", features = ["rt"] }\n', "utf-8")
    (app / "src" / "main.rs").write_text(PROBE, "utf-8")
    workspace(folder, ["full_api", "probe"])
    run_cargo("clippy", "-p", "full_api", "--", "-D", "warnings", cwd=folder)
    done = run_cargo("run", "-q", "-p", "probe", "--", str(database), cwd=folder)
    lines: dict[str, list[str]] = {}
    section = ""
    for line in done.stdout.splitlines():
        label, _, rest = line.partition(" ")
        if label in ("START", "END"):
            section = label
        elif label != "SQL":
            lines.setdefault(label, []).append(rest)
        elif section == "START":
            # The full text of the statement (sqlx also sets up each connection with PRAGMAs).
            statement = re.search(r'db\.statement="\\n\\n(.*?)\s*\\n"', rest)
            assert statement, rest
            if statement.group(1).startswith("SELECT"):
                lines.setdefault("SQL", []).append(statement.group(1))
    return lines


def canonical(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def selected(statement: str) -> tuple[str, set[str]]:
    """(FROM table, selected columns) of a logged statement."""
    match = re.match(r"SELECT (.*?) FROM (\w+)", statement)
    assert match, statement
    return match.group(2), {column.strip() for column in match.group(1).split(",")}


def test_the_results_are_fastapis_bytes(probe: dict[str, list[str]]) -> None:
    assert json.loads(probe["CARDS"][0]) == CARDS
    assert probe["BO"] == [canonical([CARDS[0]])]
    # A scaled decimal answers its scale, as SQLAlchemy's Numeric(22, 2) does.
    assert probe["PRICES"] == [canonical(json.loads(TEAM_PRICES)["result"])]
    assert probe["NONE"] == ["[]"]


def test_a_shape_selects_only_its_declared_columns_and_relations(
        probe: dict[str, list[str]]) -> None:
    statements = probe["SQL"]
    assert len(statements) == 3, statements  # the users, then one per relation: no N+1
    tables = dict(selected(statement) for statement in statements)
    assert tables["app_user"] == {"app_user.id", "app_user.username", "app_user.joined",
                                  "app_user.team_id"}
    assert tables["app_post"] == {"app_post.author_id", "app_post.id", "app_post.title"}
    assert tables["app_user_groups"] == {"app_user_groups.user_id", "app_group.id",
                                         "app_group.name"}
    everything = " ".join(statements)
    for undeclared in ("password_hash", "email", "secret_code", "app_post.body", "budget"):
        assert undeclared not in everything


def test_the_statements_are_the_plans() -> None:
    """The plan decides each statement once; the crate carries them verbatim."""
    plan = plan_of(FULL)
    loads = {load.name: load for load in shape_loads(plan.ir)}
    card = loads["UserCard"]
    assert card.columns == ("id", "username", "joined", "team_id")
    assert [(f.name, f.kind, f.at) for f in card.fields] == [
        ("id", "column", 0), ("username", "column", 1), ("joined", "column", 2),
        ("team", "key", 3), ("groups", "to_many", 0), ("posts", "to_many", 0)]
    assert loads["GroupName"].select == "SELECT app_group.id, app_group.name FROM app_group"
    groups = next(f for f in card.fields if f.name == "groups")
    assert groups.sql == (
        "SELECT app_user_groups.user_id, app_group.id, app_group.name FROM app_user_groups "
        "JOIN app_group ON app_group.id = app_user_groups.group_id "
        "WHERE app_user_groups.user_id IN (SELECT value FROM json_each(?1)) "
        "ORDER BY app_user_groups.user_id, app_group.id")


def fill_one_row_each(engine: object, metadata: object) -> None:
    """One row in every table, key 1 everywhere (so every relation finds it)."""
    samples = {int: 1, str: "x", bool: True, float: 1.5, bytes: b"x", dict: {},
               decimal.Decimal: decimal.Decimal("1.5"), datetime.date: datetime.date(2024, 1, 31),
               datetime.datetime: datetime.datetime(2024, 1, 31, 12, tzinfo=datetime.UTC),
               uuid.UUID: uuid.UUID(int=1)}
    with engine.begin() as connection:  # type: ignore[attr-defined]
        for table in metadata.sorted_tables:  # type: ignore[attr-defined]
            kinds = {c.name: getattr(c.type, "impl_instance", c.type) for c in table.columns}
            connection.execute(table.insert().values(
                {name: samples[kind.python_type] for name, kind in kinds.items()}))


def test_every_shape_of_the_shop_loads(tmp_path: Path) -> None:
    """Nested shapes (an order's items' products' categories and images) run."""
    shop = Path(__file__).resolve().parents[2] / "examples" / "shop"
    plan = plan_of(shop)
    with importable_folder(tmp_path):
        package = import_package(plan, tmp_path)
        orm = importlib.import_module(f"{package}.orm")
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'shop.db'}")
        orm.Base.metadata.create_all(engine)
        fill_one_row_each(engine, orm.Base.metadata)
        engine.dispose()
    gen(shop, tmp_path / "shop_api")
    app = tmp_path / "probe"
    (app / "src").mkdir(parents=True)
    calls = "\n".join(
        f"        let found = shapes::{snake}::load(&db, &Filter::all()).await;\n"
        f'        println!("{snake} {{}}", found.map(|rows| rows.len()).unwrap_or(99));'
        for snake in (re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", s.name).lower()
                      for s in plan.ir.shapes))
    (app / "src" / "main.rs").write_text(
        "use shop_api::shapes::{self, Filter, SqlitePool};\n\nfn main() {\n"
        "    let path = std::env::args().nth(1).unwrap_or_default();\n"
        "    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();\n"
        "    runtime.unwrap_or_else(|e| panic!(\"{e}\")).block_on(async {\n"
        "        let db = SqlitePool::connect(&format!(\"sqlite:{path}\")).await;\n"
        "        let db = db.unwrap_or_else(|e| panic!(\"{e}\"));\n"
        f"{calls}\n    }});\n}}\n", "utf-8")
    (app / "Cargo.toml").write_text(
        '[package]\nname = "probe"\nversion = "0.1.0"\nedition = "2021"\npublish = false\n\n'
        '[dependencies]\nshop_api = { path = "../shop_api" }\n'
        'tokio = { version = "1", features = ["rt"] }\n', "utf-8")
    workspace(tmp_path, ["shop_api", "probe"])
    done = run_cargo("run", "-q", "-p", "probe", "--", str(tmp_path / "shop.db"), cwd=tmp_path)
    assert done.stdout.split() == [
        word for shape in plan.ir.shapes
        for word in (re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", shape.name).lower(), "1")]
