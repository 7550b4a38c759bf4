"""Shapes on the Hono target: the generated `shapes.ts` (Kysely) run on a
real SQLite database (sql.js, SQLite in WebAssembly) with every emitted
statement captured: each shape selects only its declared columns and
relations, in one query per relation (no N+1), and its values are the
ones the FastAPI and Django targets load from the same rows."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mizan_lang.check import check
from mizan_lang.ir import build_ir
from mizan_lang.plan import build_plan
from mizan_lang.plan.orm import storage
from mizan_lang.workspace import load_workspace

from .toolchain import ensure_node_modules, fresh_dir, node, prettier_check, tsc_strict

ROOT = Path(__file__).resolve().parents[2]
FULL = ROOT / "tests" / "cases" / "gen" / "fastapi" / "full" / "main.mizan"
SHOP = ROOT / "examples" / "shop"

# The same rows as tests/test_gen_fastapi_shapes.py fills in; everything is
# written through Kysely with the generated `Database` type.
SCRIPT = """
import initSqlJs from "sql.js";
import { Kysely, SqliteDialect } from "kysely";
import { datetimeText } from "@mizan-lang/runtime";
import { sqlJs } from "@mizan-lang/runtime/shapes";
import {
  createTables,
  loadTeamPrice,
  loadUserCard,
  type Database,
} from "./api/shapes.js";

const SQL = await initSqlJs();
const statements: string[] = [];
let logging = false;
const db = new Kysely<Database>({
  dialect: new SqliteDialect({ database: sqlJs(new SQL.Database()) }),
  log(event) {
    if (logging) statements.push(event.query.sql);
  },
});
await createTables(db);
const joined = "2024-01-31 12:00:00.000000";
await db.insertInto("app_team").values([
  { id: 1, name: "Core", budget: "10.5", price: "9.90" },
  { id: 2, name: "Ops", budget: "0", price: 12.5 },
]).execute();
await db.insertInto("app_group").values([
  { id: 1, name: "admins", secret_code: "s1" },
  { id: 2, name: "ops", secret_code: "s2" },
]).execute();
await db.insertInto("app_user").values([
  { id: 1, username: "ada", email: "ada@example.com", password_hash: "x",
    joined, team_id: 1 },
  { id: 2, username: "bo", email: null, password_hash: "y", joined,
    team_id: null },
]).execute();
await db.insertInto("app_user_groups").values([
  { user_id: 1, group_id: 1 },
  { user_id: 1, group_id: 2 },
]).execute();
await db.insertInto("app_post").values([
  { id: 10, title: "Hello", body: "long", author_id: 1 },
  { id: 11, title: "Again", body: "longer", author_id: 1 },
]).execute();

logging = true;
const cards = await loadUserCard(db, (q) => q.orderBy("app_user.id"));
const cardStatements = statements.splice(0);
const one = await loadUserCard(db, (q) => q.where("app_user.id", "=", 2));
const prices = await loadTeamPrice(db, (q) => q.orderBy("app_team.id"));
const plain = (value: unknown): unknown =>
  JSON.parse(
    JSON.stringify(value, (_key, v) =>
      typeof v === "bigint" ? `bigint:${v}` : v,
    ),
  );
console.log(
  JSON.stringify({
    cards: plain(cards),
    joined: cards.map((card) => datetimeText(card.joined)),
    one: plain(one),
    prices: plain(prices),
    cardStatements,
    statements,
  }),
);
"""


def mizan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mizan_lang", *args], cwd=ROOT,
                          capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def report() -> dict[str, object]:
    ensure_node_modules()
    root = fresh_dir("gen_hono_shapes")
    for case, spec in (("full", FULL), ("shop", SHOP)):
        result = mizan("gen", str(spec), "--target", "hono", "--out", str(root / case / "api"))
        assert result.returncode == 0, result.stderr
    (root / "full" / "run.ts").write_text(SCRIPT, "utf-8")
    (root / "shop" / "run.ts").write_text(SHOP_SCRIPT, "utf-8")
    prettier_check(root, "**/api/shapes.ts")
    out = root.parent / "gen_hono_shapes_out"
    tsc_strict(root, out_dir=out)
    shop = json.loads(node(out / "shop" / "run.js", cwd=out / "shop").stdout)
    shapes, tables = shop_expected()
    assert shop == {"loaded": shapes, "tables": tables}
    return json.loads(node(out / "full" / "run.js", cwd=out / "full").stdout)


def selected(statement: str) -> tuple[str, set[str]]:
    """(table, columns) of a `select "t"."a", "t"."b" as "x" from "t" ...`."""
    match = re.match(r'select (.*?) from "(\w+)"', statement)
    assert match, statement
    columns = {column.strip().split(" as ")[0].replace('"', "")
               for column in match.group(1).split(",")}
    return match.group(2), columns


def test_a_shape_loads_its_declared_values(report: dict[str, object]) -> None:
    assert report["cards"] == [
        {"id": "bigint:1", "username": "ada", "joined": "2024-01-31T12:00:00.000Z",
         "team": "bigint:1", "groups": [{"name": "admins"}, {"name": "ops"}],
         "posts": [{"id": "bigint:10", "title": "Hello"},
                   {"id": "bigint:11", "title": "Again"}]},
        {"id": "bigint:2", "username": "bo", "joined": "2024-01-31T12:00:00.000Z",
         "team": None, "groups": [], "posts": []}]
    assert report["joined"] == ["2024-01-31T12:00:00.000000Z"] * 2
    # The caller's where narrows the base query; relations follow it.
    assert report["one"] == [report["cards"][1]]  # type: ignore[index]
    # A declared scale is the scale values come back with, text or number stored.
    assert report["prices"] == [{"id": "bigint:1", "price": "9.90"},
                                {"id": "bigint:2", "price": "12.50"}]


def test_the_sql_selects_only_the_declared_columns_and_relations(
        report: dict[str, object]) -> None:
    statements = report["cardStatements"]
    assert isinstance(statements, list)
    assert len(statements) == 3  # the users, then one query per relation: no N+1
    tables = dict(selected(statement) for statement in statements)
    # The key (identity) and the foreign keys relations need; nothing else.
    assert tables["app_user"] == {"app_user.id", "app_user.username", "app_user.joined",
                                  "app_user.team_id"}
    assert tables["app_post"] == {"app_post.id", "app_post.title", "app_post.author_id"}
    assert tables["app_user_groups"] == {"app_group.id", "app_group.name",
                                         "app_user_groups.user_id"}
    assert 'order by "app_user"."id"' in statements[0]
    assert ' in (?, ?)' in statements[1] and ' in (?, ?)' in statements[2]
    everything = " ".join(statements + report["statements"])  # type: ignore[operator]
    for undeclared in ("password_hash", "email", "secret_code", "body", "budget",
                       'app_team"."name'):
        assert undeclared not in everything
    # No rows, no relation query: `bo` has no posts and no groups to look up by.
    assert len(report["statements"]) == 4  # type: ignore[arg-type]


# The shop: self-relations, one-to-many both ways and nested shapes; every
# shape of it loads (nothing yet) from the tables createTables made.
SHOP_SCRIPT = """
import initSqlJs from "sql.js";
import { Kysely, SqliteDialect, sql } from "kysely";
import { sqlJs } from "@mizan-lang/runtime/shapes";
import * as shapes from "./api/shapes.js";

const SQL = await initSqlJs();
const db = new Kysely<shapes.Database>({
  dialect: new SqliteDialect({ database: sqlJs(new SQL.Database()) }),
});
await shapes.createTables(db);
await shapes.createTables(db); // again: the tables are there already
const loaded: Record<string, number> = {};
for (const [name, load] of Object.entries(shapes)) {
  if (name.startsWith("load") && typeof load === "function") {
    const rows = await (load as (db: unknown) => Promise<unknown[]>)(db);
    loaded[name] = rows.length;
  }
}
const tables = await sql<{ name: string }>`select name from sqlite_master
  where type = 'table' order by name`.execute(db);
console.log(JSON.stringify({ loaded, tables: tables.rows.map((r) => r.name) }));
"""


def shop_expected() -> tuple[dict[str, int], list[str]]:
    """Every shape's loader (with no rows), and every table with the join tables."""
    result = check(load_workspace([str(SHOP)]))
    assert result.ok
    plan = build_plan(build_ir(result))
    joins = [info.join_table or "" for info in storage(plan.ir).values()
             if info.kind == "many_to_many"]
    return ({f"load{shape.name}": 0 for shape in plan.ir.shapes},
            sorted([*(model.table for model in plan.ir.models), *joins]))
