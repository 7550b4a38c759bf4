// Shapes on SQL through Kysely: the generated `shapes.ts` of a server holds
// each shape as a table (its model's table and key, its columns, and how
// each relation is stored: the plan decided that once, for every target);
// this module turns a table into queries. A shape's rows come from one
// SELECT of exactly the columns it declares (plus its key and the foreign
// keys its relations need), and each relation from one more SELECT over
// all the rows at once: no N+1, nothing undeclared is ever read.
//
// Column values are read as SQLite drivers return them (better-sqlite3,
// sql.js, with or without safe integers) and as the Python targets store
// them, and come back as the TS values of the wire types.

import type { Kysely, SelectQueryBuilder } from "kysely";

import { ValueError, withMicros } from "./index.js";

/** A column's wire type: the primitive, nullable or not, a decimal's scale. */
export interface ColumnType {
  readonly type: string;
  readonly nullable?: boolean;
  readonly scale?: number;
}

/** A projected column: the shape's field, the table's column. */
export interface ColumnField extends ColumnType {
  readonly kind?: undefined;
  readonly field: string;
  readonly column: string;
}

/** A relation, with the nested shape it is projected with (else its keys). */
export type RelationField = ColumnType & {
  readonly field: string;
  readonly shape?: string;
} & (
    | {
        /** A foreign key `column` on the shape's table. */
        readonly kind: "to_one";
        readonly column: string;
      }
    | {
        /** Rows of `table` whose `link` column holds the shape's key. */
        readonly kind: "one_to_many";
        readonly table: string;
        readonly link: string;
        readonly key: string;
      }
    | {
        /** Rows of `table` joined through `join` (`from` -> `to`). */
        readonly kind: "many_to_many";
        readonly table: string;
        readonly key: string;
        readonly join: string;
        readonly from: string;
        readonly to: string;
      }
  );

export interface ShapePlan {
  readonly table: string;
  readonly key: string;
  readonly fields: readonly (ColumnField | RelationField)[];
}

export type ShapeTable = Readonly<Record<string, ShapePlan>>;

/** Narrows a shape's base query: your where, order by and limit. */
export type Refine<DB, TB extends keyof DB & string> = (
  query: SelectQueryBuilder<DB, TB, {}>,
) => SelectQueryBuilder<DB, TB, {}>;

type Row = Record<string, unknown>;
// The untyped face of the caller's Kysely: tables here are the shape table's.
type AnyDb = Kysely<any>;
type AnyQuery = SelectQueryBuilder<any, any, any>;

const LINK = "mizan_link";

function isColumn(field: ColumnField | RelationField): field is ColumnField {
  return field.kind === undefined;
}

/** The columns of the shape's own table that its rows need, qualified. */
function selected(shape: ShapePlan): string[] {
  const names = [shape.key];
  for (const field of shape.fields) {
    const column = isColumn(field)
      ? field.column
      : field.kind === "to_one"
        ? field.column
        : null;
    if (column !== null && !names.includes(column)) names.push(column);
  }
  return names.map((name) => `${shape.table}.${name}`);
}

/** Distinct non-null values, in first-seen order (a driver may give numbers
 * or bigints for the same key: they are told apart by their text). */
function distinct(values: Iterable<unknown>): unknown[] {
  const seen = new Map<string, unknown>();
  for (const value of values) {
    if (value !== null && value !== undefined && !seen.has(String(value))) {
      seen.set(String(value), value);
    }
  }
  return [...seen.values()];
}

function grouped(rows: Row[], values: unknown[]): Map<string, unknown[]> {
  const groups = new Map<string, unknown[]>();
  rows.forEach((row, index) => {
    const link = String(row[LINK]);
    groups.set(link, [...(groups.get(link) ?? []), values[index]]);
  });
  return groups;
}

/** The values of `shape` (by `name` in `shapes`) of the rows `refine` selects. */
export async function loadShape<V>(
  db: Kysely<any>,
  shapes: ShapeTable,
  name: string,
  refine?: Refine<any, any>,
): Promise<V[]> {
  const shape = shapes[name]!;
  const base = (db as AnyDb).selectFrom(shape.table) as AnyQuery;
  const query = refine === undefined ? base : (refine(base) as AnyQuery);
  const rows = (await query.select(selected(shape)).execute()) as Row[];
  return (await build(db, shapes, shape, rows)) as V[];
}

async function nested(
  db: AnyDb,
  shapes: ShapeTable,
  name: string,
  query: AnyQuery,
  extra: string[],
): Promise<[Row[], unknown[]]> {
  const shape = shapes[name]!;
  const rows = (await query
    .select([...selected(shape), ...extra])
    .orderBy(`${shape.table}.${shape.key}`)
    .execute()) as Row[];
  return [rows, await build(db, shapes, shape, rows)];
}

async function build(
  db: AnyDb,
  shapes: ShapeTable,
  shape: ShapePlan,
  rows: Row[],
): Promise<Row[]> {
  const values: Row[] = rows.map(() => ({}));
  for (const field of shape.fields) {
    if (isColumn(field)) {
      rows.forEach((row, i) => {
        values[i]![field.field] = columnValue(field, row[field.column]);
      });
      continue;
    }
    const item: ColumnType = { type: field.type, scale: field.scale! };
    if (field.kind === "to_one") {
      if (field.shape === undefined) {
        rows.forEach((row, i) => {
          values[i]![field.field] = columnValue(field, row[field.column]);
        });
        continue;
      }
      const keys = distinct(rows.map((row) => row[field.column]));
      const target = shapes[field.shape]!;
      const found = new Map<string, unknown>();
      if (keys.length > 0) {
        const query = db
          .selectFrom(target.table)
          .where(`${target.table}.${target.key}`, "in", keys) as AnyQuery;
        const [sub, built] = await nested(db, shapes, field.shape, query, []);
        sub.forEach((row, i) => found.set(String(row[target.key]), built[i]));
      }
      rows.forEach((row, i) => {
        const key = row[field.column];
        values[i]![field.field] =
          key === null || key === undefined
            ? null
            : (found.get(String(key)) ?? null);
      });
      continue;
    }
    const keys = distinct(rows.map((row) => row[shape.key]));
    let groups = new Map<string, unknown[]>();
    if (keys.length > 0) {
      const query =
        field.kind === "one_to_many"
          ? (db
              .selectFrom(field.table)
              .where(`${field.table}.${field.link}`, "in", keys) as AnyQuery)
          : (db
              .selectFrom(field.join)
              .innerJoin(
                field.table,
                `${field.table}.${field.key}`,
                `${field.join}.${field.to}`,
              )
              .where(`${field.join}.${field.from}`, "in", keys) as AnyQuery);
      const link =
        field.kind === "one_to_many"
          ? `${field.table}.${field.link} as ${LINK}`
          : `${field.join}.${field.from} as ${LINK}`;
      if (field.shape === undefined) {
        const sub = (await query
          .select([`${field.table}.${field.key}`, link])
          .orderBy(`${field.table}.${field.key}`)
          .execute()) as Row[];
        groups = grouped(
          sub,
          sub.map((row) => columnValue(item, row[field.key])),
        );
      } else {
        const [sub, built] = await nested(db, shapes, field.shape, query, [
          link,
        ]);
        groups = grouped(sub, built);
      }
    }
    rows.forEach((row, i) => {
      values[i]![field.field] = groups.get(String(row[shape.key])) ?? [];
    });
  }
  return values;
}

// --- column values ------------------------------------------------------------------

function bad(type: string, value: unknown): never {
  throw new ValueError("type", "", `${type} (stored: ${typeof value})`);
}

function integer(value: unknown, type: string): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isInteger(value))
    return BigInt(value);
  if (typeof value === "string" && /^-?[0-9]+$/.test(value))
    return BigInt(value);
  return bad(type, value);
}

/** A decimal's text, at its scale when declared ("12.5" at 2 -> "12.50"). */
function decimal(value: unknown, scale: number | undefined): string {
  let text: string;
  if (typeof value === "number" && Number.isFinite(value)) {
    text = scale === undefined ? String(value) : value.toFixed(scale);
  } else if (typeof value === "bigint") {
    text = String(value);
  } else if (typeof value === "string" && /^-?[0-9]+(\.[0-9]+)?$/.test(value)) {
    text = value;
  } else {
    return bad("decimal", value);
  }
  if (scale === undefined || !/^-?[0-9]+(\.[0-9]+)?$/.test(text)) return text;
  const [whole, fraction = ""] = text.split(".");
  return scale === 0
    ? whole!
    : `${whole}.${fraction.padEnd(scale, "0").slice(0, scale)}`;
}

/** "2024-01-31 12:00:00.000000" (SQLAlchemy), ISO texts, or epoch numbers. */
function datetime(value: unknown): Date {
  if (typeof value === "number") return new Date(value);
  if (typeof value !== "string") return bad("datetime", value);
  const m =
    /^([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]([0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]{1,9}))?(Z|[+-][0-9]{2}:?[0-9]{2})?$/i.exec(
      value,
    );
  if (m === null) return bad("datetime", value);
  const fraction = (m[3] ?? "").padEnd(6, "0");
  const zone = m[4] === undefined || /^z$/i.test(m[4]) ? "Z" : m[4];
  const date = new Date(`${m[1]}T${m[2]}.${fraction.slice(0, 3)}${zone}`);
  if (Number.isNaN(date.getTime())) return bad("datetime", value);
  return withMicros(date, Number(fraction.slice(3, 6)));
}

function bytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (typeof value === "string") return new TextEncoder().encode(value);
  return bad("bytes", value);
}

/** A column's stored value as the TS value of its wire type. */
export function columnValue(type: ColumnType, value: unknown): unknown {
  if (value === null || value === undefined) {
    return type.nullable === true ? null : bad(type.type, value);
  }
  switch (type.type) {
    case "int":
      return Number(integer(value, "int"));
    case "int64":
      return integer(value, "int64");
    case "float":
      return typeof value === "number" ? value : Number(value);
    case "decimal":
      return decimal(value, type.scale);
    case "bool":
      return value === true || value === 1 || value === 1n || value === "1";
    case "datetime":
      return datetime(value);
    case "bytes":
      return bytes(value);
    case "json":
      return typeof value === "string" ? JSON.parse(value) : value;
    default:
      return typeof value === "string" ? value : String(value);
  }
}

// --- tables ---------------------------------------------------------------------------

export interface StoredColumn {
  readonly name: string;
  /** SQLite's type name: integer, real, text, blob. */
  readonly type: string;
  readonly notNull?: boolean;
  readonly primary?: boolean;
  readonly unique?: boolean;
  /** `table.column` a foreign key points at, and what deleting that row does. */
  readonly references?: string;
  readonly onDelete?: "restrict" | "cascade" | "set null";
}

export interface StoredTable {
  readonly name: string;
  readonly columns: readonly StoredColumn[];
  /** A join table's key: both its columns. */
  readonly primaryKey?: readonly string[];
}

/** CREATE TABLE (if not there yet) for every table, as every target stores
 * the models: run it on a new database, or write your migrations from it. */
export async function createTables(
  db: Kysely<any>,
  tables: readonly StoredTable[],
): Promise<void> {
  for (const table of tables) {
    let query = db.schema.createTable(table.name).ifNotExists();
    for (const column of table.columns) {
      query = query.addColumn(column.name, column.type as "text", (c) => {
        let built = c;
        if (column.primary === true) built = built.primaryKey();
        if (column.notNull === true) built = built.notNull();
        if (column.unique === true) built = built.unique();
        if (column.references !== undefined) {
          built = built.references(column.references);
          if (column.onDelete !== undefined)
            built = built.onDelete(column.onDelete);
        }
        return built;
      });
    }
    if (table.primaryKey !== undefined) {
      query = query.addPrimaryKeyConstraint(`${table.name}_pk`, [
        ...table.primaryKey,
      ] as never);
    }
    await query.execute();
  }
}

// --- sql.js ---------------------------------------------------------------------------

/** The part of a sql.js `Database` (SQLite in WebAssembly) used here. */
export interface SqlJsDatabase {
  prepare(sql: string): SqlJsStatement;
  getRowsModified(): number;
  exec(sql: string): { values: unknown[][] }[];
  close(): void;
}

/** A value sql.js binds. */
export type SqlJsValue = number | string | Uint8Array | null;

export interface SqlJsStatement {
  bind(values: SqlJsValue[]): boolean;
  step(): boolean;
  getAsObject(): Record<string, unknown>;
  getColumnNames(): string[];
  free(): boolean;
}

function bindable(value: unknown): SqlJsValue {
  if (typeof value === "bigint") {
    return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  }
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value === undefined) return null;
  return value as SqlJsValue;
}

/** A sql.js database as Kysely's `SqliteDialect` wants one (its
 * better-sqlite3 face): `new SqliteDialect({ database: sqlJs(db) })`. No
 * native build; use better-sqlite3 itself where you can build it. */
export function sqlJs(db: SqlJsDatabase) {
  const all = (sql: string, parameters: readonly unknown[]): Row[] => {
    const statement = db.prepare(sql);
    try {
      statement.bind(parameters.map(bindable));
      const rows: Row[] = [];
      while (statement.step()) rows.push(statement.getAsObject());
      return rows;
    } finally {
      statement.free();
    }
  };
  return {
    close(): void {
      db.close();
    },
    prepare(sql: string) {
      const reader = /^\s*(select|with|pragma|values)\b|\breturning\b/i.test(
        sql,
      );
      return {
        reader,
        all: (parameters: readonly unknown[]) => all(sql, parameters),
        run(parameters: readonly unknown[]) {
          all(sql, parameters);
          const id = db.exec("SELECT last_insert_rowid()")[0]?.values[0]?.[0];
          return {
            changes: db.getRowsModified(),
            lastInsertRowid: typeof id === "number" ? id : 0,
          };
        },
        iterate: (parameters: readonly unknown[]) =>
          all(sql, parameters)[Symbol.iterator](),
      };
    },
  };
}
