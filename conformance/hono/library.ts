// The fixture's library (the shapes' models) in a real SQLite database,
// read through the generated shapes.ts (Kysely): sql.js, SQLite compiled to
// WebAssembly, so no native build is needed. The same tables and rows as
// conformance/impl.py's `seed_database`; each shape selects only the
// columns it declares.

import initSqlJs from "sql.js";
import { Kysely, SqliteDialect } from "kysely";
import { sqlJs } from "@mizan-lang/runtime/shapes";

import {
  createTables,
  loadBookCard,
  loadBookRef,
  type Database,
} from "./fixture_api/shapes.js";
import type * as T from "./fixture_api/types.js";
import type { Library } from "./impl.js";

export class SqliteLibrary implements Library {
  private constructor(private readonly db: Kysely<Database>) {}

  static async open(): Promise<SqliteLibrary> {
    const SQL = await initSqlJs();
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: sqlJs(new SQL.Database()) }),
    });
    await createTables(db);
    await db
      .insertInto("conf_author")
      .values([
        { id: 1, name: "Ursula", email: "ursula@example.org" },
        { id: 2, name: "Stanisław", email: "stan@example.org" },
      ])
      .execute();
    await db
      .insertInto("conf_book")
      .values([
        {
          id: 1,
          title: "The Dispossessed",
          year: 1974,
          price: "9.90",
          secret_note: "first edition",
          author_id: 1,
        },
        {
          id: 2,
          title: "Solaris",
          year: 1961,
          price: "12.50",
          secret_note: "signed",
          author_id: 2,
        },
        {
          id: 3,
          title: "The Lathe of Heaven",
          year: 1971,
          price: "8.00",
          secret_note: "water damage",
          author_id: 1,
        },
        {
          id: 4,
          title: "Anonymous Pamphlet",
          year: 1999,
          price: "0.50",
          secret_note: "no author",
          author_id: null,
        },
      ])
      .execute();
    return new SqliteLibrary(db);
  }

  books(minYear: number): Promise<T.BookCard[]> {
    return loadBookCard(this.db, (q) =>
      q
        .where("conf_book.year", ">=", minYear)
        .orderBy("conf_book.year", "desc")
        .orderBy("conf_book.id"),
    );
  }

  bookRefs(): Promise<T.BookRef[]> {
    return loadBookRef(this.db, (q) => q.orderBy("conf_book.id"));
  }
}
