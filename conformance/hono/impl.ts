// The conformance fixture's service in TypeScript: the same deterministic
// data and answers as conformance/impl.py, served by the generated Hono app
// (conformance/targets.py generates the fixture into fixture_api/ beside
// this file, compiles both with tsc and runs main.js under Node.js).

import { createHash } from "node:crypto";

import {
  MizanError,
  type Caller,
  type Identity,
  type JsonValue,
  type Service,
  type Upload,
} from "./fixture_api/index.js";
import type * as T from "./fixture_api/types.js";
import { datetimeMicros } from "@mizan-lang/runtime";

const EPOCH = Date.UTC(2024, 0, 31, 12, 0, 0);

// username -> (password, extra claims of the access token)
const ACCOUNTS: Record<string, [string, Record<string, JsonValue>]> = {
  ada: ["ada-password", { is_staff: true, role: "admin" }],
  bob: ["bob-password", { is_staff: false, role: "member" }],
  cy: ["cy-password", { is_staff: 1, role: "staff" }],
};

function subject(caller: Caller): string {
  if (caller.subject === null) {
    throw new MizanError("unauthenticated", 401, { reason: "missing" });
  }
  return caller.subject;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/** Python's `datetime.isoformat()` of a UTC moment (+00:00, micros when set). */
function isoformat(moment: Date): string {
  // A Date holds milliseconds; the runtime keeps the microseconds beyond them.
  const micros = moment.getUTCMilliseconds() * 1000 + datetimeMicros(moment);
  const base =
    `${moment.getUTCFullYear()}-${pad(moment.getUTCMonth() + 1)}-${pad(moment.getUTCDate())}` +
    `T${pad(moment.getUTCHours())}:${pad(moment.getUTCMinutes())}:${pad(moment.getUTCSeconds())}`;
  return `${base}${micros ? `.${pad(micros, 6)}` : ""}+00:00`;
}

export interface Library {
  books(minYear: number): Promise<T.BookCard[]> | T.BookCard[];
  bookRefs(): Promise<T.BookRef[]> | T.BookRef[];
}

export class Fixture implements Service {
  private notes = new Map<bigint, T.Note[]>();
  private inboxes = new Map<string, string[]>();
  private profiles = new Map<string, JsonValue>();
  private counter = 0;

  constructor(private readonly library: Library | null = null) {}

  // --- credentials ------------------------------------------------------------
  authenticate(credentials: JsonValue): Identity | null {
    if (
      typeof credentials !== "object" ||
      credentials === null ||
      Array.isArray(credentials)
    ) {
      return null;
    }
    const username = String(credentials["username"]);
    const account = Object.hasOwn(ACCOUNTS, username)
      ? ACCOUNTS[username]
      : undefined;
    if (account === undefined || credentials["password"] !== account[0])
      return null;
    return { subject: username, claims: { ...account[1] } };
  }

  identityOf(subject: string): Identity | null {
    const account = Object.hasOwn(ACCOUNTS, subject)
      ? ACCOUNTS[subject]
      : undefined;
    return account === undefined
      ? null
      : { subject, claims: { ...account[1] } };
  }

  // --- boards and threads -------------------------------------------------------
  board_notes(_caller: Caller, board_id: bigint): T.Note[] {
    return [...(this.notes.get(board_id) ?? [])];
  }

  board_title(_caller: Caller, board_id: bigint): string {
    return `Board ${board_id} (${(this.notes.get(board_id) ?? []).length} notes)`;
  }

  board_staff_notes(_caller: Caller, board_id: bigint): string[] {
    return [`staff eyes only ${board_id}`];
  }

  thread_posts(
    _caller: Caller,
    board_id: bigint,
    page: number,
    size: number,
  ): string[] {
    const texts = (this.notes.get(board_id) ?? []).map((note) => note.text);
    return texts.slice(page * size, (page + 1) * size);
  }

  thread_moderation(_caller: Caller, board_id: bigint, page: number): number {
    return Number(board_id) * 100 + page;
  }

  async add_note(
    _caller: Caller,
    board_id: bigint,
    text: string,
    tags: string[] | null,
  ): Promise<T.Note> {
    await Promise.resolve(); // an async method: both kinds must be served
    const board = this.notes.get(board_id) ?? [];
    this.notes.set(board_id, board);
    const note: T.Note = {
      id: board_id * 1000n + BigInt(board.length + 1),
      board_id,
      text,
      tags: tags ?? [],
      price: "1.50",
      created: new Date(EPOCH + (board.length + 1) * 60_000),
      role: "member",
    };
    board.push(note);
    this.counter += 1;
    return note;
  }

  clear_boards(_caller: Caller): null {
    this.notes.clear();
    return null;
  }

  move_note(_caller: Caller, from_board: bigint, to_board: bigint): null {
    const moved = this.notes.get(from_board) ?? [];
    this.notes.delete(from_board);
    const target = this.notes.get(to_board) ?? [];
    for (const note of moved) target.push({ ...note, board_id: to_board });
    this.notes.set(to_board, target);
    return null;
  }

  attach(
    _caller: Caller,
    _board_id: bigint,
    file: Upload,
    caption: string | null,
  ): T.Attachment {
    return {
      name: file.filename,
      content_type: file.contentType,
      size: file.data.length,
      sha256: createHash("sha256").update(file.data).digest("hex"),
      caption,
    };
  }

  // --- stats and staff ----------------------------------------------------------
  stats_counter(_caller: Caller): number {
    return this.counter;
  }

  topic_keys(_caller: Caller, tag: string, day: string | null): JsonValue {
    return { tag, day };
  }

  retag(_caller: Caller, _tag: string, _day: string | null): null {
    return null;
  }

  office_report(caller: Caller, day: string): JsonValue {
    const weekday = new Date(`${day}T00:00:00Z`).getUTCDay() || 7;
    return { day, weekday, by: subject(caller) };
  }

  // --- identities ----------------------------------------------------------------
  inbox_messages(caller: Caller): string[] {
    const me = subject(caller);
    return [`welcome ${me}`, ...(this.inboxes.get(me) ?? [])];
  }

  mailbox_count(caller: Caller, owner: string): number {
    if (owner !== subject(caller)) throw new MizanError("forbidden", 403, null);
    return (this.inboxes.get(owner) ?? []).length;
  }

  send_message(caller: Caller, owner: string, text: string): number {
    const sender = subject(caller);
    const box = this.inboxes.get(owner) ?? [];
    this.inboxes.set(owner, box);
    box.push(`${sender}: ${text}`);
    return box.length;
  }

  save_profile(
    caller: Caller,
    name: string,
    age: number | null,
    email: string | null,
    website: string | null,
    role: T.Role,
    subscribe: boolean,
  ): JsonValue {
    const profile = { name, age, email, website, role, subscribe };
    this.profiles.set(subject(caller), profile);
    return { saved: profile, by: subject(caller) };
  }

  whoami(caller: Caller): string {
    return subject(caller);
  }

  staff_only(caller: Caller): string {
    return `staff ${subject(caller)}`;
  }

  admin_only(caller: Caller): string {
    return `admin ${subject(caller)}`;
  }

  // --- wire types and errors ------------------------------------------------------
  echo(
    _caller: Caller,
    value: JsonValue,
    count: number,
    big: bigint | null,
    amount: string | null,
    when: Date | null,
    day: string | null,
    id: string | null,
    data: Uint8Array | null,
    role: T.Role,
    ratio: number,
  ): JsonValue {
    return {
      value,
      count,
      big: big === null ? null : String(big),
      amount,
      when: when === null ? null : isoformat(when),
      day,
      id,
      data: data === null ? null : Buffer.from(data).toString("hex"),
      role,
      ratio,
    };
  }

  crash(_caller: Caller): null {
    throw new Error("secret internals: password=hunter2 at /srv/app.ts");
  }

  refuse(_caller: Caller, id: bigint): null {
    throw new MizanError("not_found", 404, { note: String(id) } as never);
  }

  // --- shapes ---------------------------------------------------------------------
  books(
    _caller: Caller,
    min_year: number,
  ): Promise<T.BookCard[]> | T.BookCard[] {
    if (this.library === null) throw new MizanError("internal", 500, null);
    return this.library.books(min_year);
  }

  book_refs(_caller: Caller): Promise<T.BookRef[]> | T.BookRef[] {
    if (this.library === null) throw new MizanError("internal", 500, null);
    return this.library.bookRefs();
  }
}
