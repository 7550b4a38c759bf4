// The fixture's library (the shapes' models) in a real SQLite database:
// sql.js, SQLite compiled to WebAssembly, so no native build is needed. The
// same tables and rows as conformance/impl.py's `seed_database`, and the
// same queries, selecting only the columns the shapes declare.

import initSqlJs, { type Database } from "sql.js";

import type * as T from "./fixture_api/types.js";
import type { Library } from "./impl.js";

const AUTHORS: [number, string, string][] = [
  [1, "Ursula", "ursula@example.org"],
  [2, "Stanisław", "stan@example.org"],
];
const BOOKS: [number, string, number, string, string, number | null][] = [
  [1, "The Dispossessed", 1974, "9.90", "first edition", 1],
  [2, "Solaris", 1961, "12.50", "signed", 2],
  [3, "The Lathe of Heaven", 1971, "8.00", "water damage", 1],
  [4, "Anonymous Pamphlet", 1999, "0.50", "no author", null],
];

type Row = Record<string, number | string | null>;

export class SqliteLibrary implements Library {
  private constructor(private readonly db: Database) {}

  static async open(): Promise<SqliteLibrary> {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.run(
      "CREATE TABLE conf_author (id INTEGER PRIMARY KEY, name TEXT NOT NULL, " +
        "email TEXT NOT NULL);" +
        "CREATE TABLE conf_book (id INTEGER PRIMARY KEY, title TEXT NOT NULL, " +
        "year INTEGER NOT NULL, price TEXT NOT NULL, secret_note TEXT NOT NULL, " +
        "author_id INTEGER REFERENCES conf_author(id));",
    );
    for (const row of AUTHORS)
      db.run("INSERT INTO conf_author VALUES (?, ?, ?)", row);
    for (const row of BOOKS)
      db.run("INSERT INTO conf_book VALUES (?, ?, ?, ?, ?, ?)", row);
    return new SqliteLibrary(db);
  }

  private rows(sql: string, ...args: (number | string)[]): Row[] {
    const statement = this.db.prepare(sql);
    try {
      statement.bind(args);
      const rows: Row[] = [];
      while (statement.step()) rows.push(statement.getAsObject() as Row);
      return rows;
    } finally {
      statement.free();
    }
  }

  books(minYear: number): T.BookCard[] {
    const rows = this.rows(
      "SELECT b.id, b.title, b.year, b.price, a.id AS author_id, a.name " +
        "FROM conf_book b LEFT JOIN conf_author a ON a.id = b.author_id " +
        "WHERE b.year >= ? ORDER BY b.year DESC, b.id",
      minYear,
    );
    return rows.map((row) => ({
      id: BigInt(row["id"]!),
      title: String(row["title"]),
      year: Number(row["year"]),
      price: String(row["price"]),
      author:
        row["author_id"] === null
          ? null
          : { id: BigInt(row["author_id"]!), name: String(row["name"]) },
    }));
  }

  bookRefs(): T.BookRef[] {
    const rows = this.rows("SELECT id, author_id FROM conf_book ORDER BY id");
    return rows.map((row) => ({
      id: BigInt(row["id"]!),
      author: row["author_id"] === null ? null : BigInt(row["author_id"]!),
    }));
  }
}
