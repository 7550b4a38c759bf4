// The scenario's small test kit: named checks, exact comparison of client
// values (bigint, Date with micros, Uint8Array), and a fetch that records
// every request it passes on, so the scenario can count round trips.

import { datetimeMicros } from "@mizan-lang/runtime/client";

export interface Outcome {
  name: string;
  ok: boolean;
  detail: string;
}

export const outcomes: Outcome[] = [];

export class CheckFailed extends Error {}

/** Run one named check; a thrown error (or a failed expectation) fails it. */
export async function check(
  name: string,
  body: () => Promise<void>,
): Promise<void> {
  try {
    await body();
    outcomes.push({ name, ok: true, detail: "" });
  } catch (error) {
    outcomes.push({ name, ok: false, detail: describeError(error) });
  }
}

export function describeError(error: unknown): string {
  if (error instanceof CheckFailed) return error.message;
  if (error instanceof Error) {
    const extra = error as Error & {
      code?: unknown;
      details?: unknown;
      status?: unknown;
    };
    const facts =
      extra.code === undefined
        ? ""
        : ` [code=${String(extra.code)} status=${String(extra.status)} details=${show(extra.details)}]`;
    return `${error.name}: ${error.message}${facts}\n${error.stack ?? ""}`;
  }
  return `thrown: ${show(error)}`;
}

/** A stable text of a client value: equal texts mean equal values. */
export function show(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean")
    return String(value);
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return "Date(invalid)";
    return `Date(${value.toISOString()}+${datetimeMicros(value)}us)`;
  }
  if (value instanceof Uint8Array)
    return `bytes(${Array.from(value, (b) => b.toString(16).padStart(2, "0")).join("")})`;
  if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`;
  if (typeof value === "object") {
    const keys = Object.keys(value).sort();
    const record = value as Record<string, unknown>;
    return `{${keys.map((k) => `${JSON.stringify(k)}: ${show(record[k])}`).join(", ")}}`;
  }
  return String(value);
}

export function eq(actual: unknown, expected: unknown, what: string): void {
  const a = show(actual);
  const e = show(expected);
  if (a !== e) throw new CheckFailed(`${what}: got ${a}, expected ${e}`);
}

export function ok(condition: boolean, what: string): void {
  if (!condition) throw new CheckFailed(what);
}

/** Expect `body` to reject; returns the error for further checks. */
export async function rejects(
  body: () => Promise<unknown>,
  what: string,
): Promise<unknown> {
  try {
    const value = await body();
    throw new CheckFailed(`${what}: expected an error, got ${show(value)}`);
  } catch (error) {
    if (error instanceof CheckFailed) throw error;
    return error;
  }
}

export interface Seen {
  method: string;
  /** Path relative to the API prefix, e.g. `call/` or `ctx/board/`. */
  path: string;
  search: string;
  status: number;
  invalidateHeader: string | null;
  /** The `fn` of a call (JSON body or multipart part), when there is one. */
  fn: string | null;
  /** The JSON request body as sent (after `requestRewrite`), else null. */
  body: unknown;
  multipart: boolean;
  csrfHeader: string | null;
  authorization: string | null;
  /** The JSON response body as the server sent it, else null. */
  response: unknown;
}

/** Response bodies may be rewritten before the client sees them. */
export type Rewrite = (seen: Seen, body: unknown) => unknown;

export class Recorder {
  readonly seen: Seen[] = [];
  rewrite: Rewrite | null = null;
  /** Replaces the X-Mizan-Invalidate header of the next responses. */
  invalidateHeader: string | null = null;
  /** Rewrites a JSON request body before it is sent. */
  requestRewrite: ((body: Record<string, unknown>) => unknown) | null = null;

  constructor(
    readonly prefix: string,
    readonly inner: typeof fetch = globalThis.fetch,
  ) {}

  /** The number of requests so far: pass it to `since`. */
  mark(): number {
    return this.seen.length;
  }

  since(mark: number): Seen[] {
    return this.seen.slice(mark);
  }

  /** `method path` of the requests since `mark`, e.g. `GET ctx/board/`. */
  lines(mark: number): string[] {
    return this.since(mark).map((s) => `${s.method} ${s.path}`);
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(
      typeof input === "string"
        ? input
        : input instanceof URL
          ? input.href
          : input.url,
    );
    const method = (
      init?.method ?? (input instanceof Request ? input.method : "GET")
    ).toUpperCase();
    const headers = new Headers(init?.headers);
    let fn: string | null = null;
    let body: unknown = null;
    let sent = init;
    if (typeof init?.body === "string") {
      try {
        body = JSON.parse(init.body);
      } catch {
        body = null;
      }
      if (
        this.requestRewrite !== null &&
        body !== null &&
        typeof body === "object"
      ) {
        body = this.requestRewrite(body as Record<string, unknown>);
        sent = { ...init, body: JSON.stringify(body) };
      }
      const named = (body as { fn?: unknown } | null)?.fn;
      if (typeof named === "string") fn = named;
    } else if (init?.body instanceof FormData) {
      const part = init.body.get("fn");
      fn = typeof part === "string" ? part : null;
    }
    const path = url.pathname.startsWith(this.prefix)
      ? url.pathname.slice(this.prefix.length)
      : url.pathname;
    const response = await this.inner(input, sent);
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    const seen: Seen = {
      method,
      path,
      search: url.search,
      status: response.status,
      invalidateHeader: response.headers.get("X-Mizan-Invalidate"),
      fn,
      body,
      multipart: init?.body instanceof FormData,
      csrfHeader: headers.get("X-Mizan-CSRF"),
      authorization: headers.get("Authorization"),
      response: parsed,
    };
    this.seen.push(seen);
    const out = new Headers(response.headers);
    let answer = text;
    if (this.rewrite !== null && parsed !== null) {
      answer = JSON.stringify(this.rewrite(seen, parsed));
      out.delete("Content-Length");
    }
    if (this.invalidateHeader !== null)
      out.set("X-Mizan-Invalidate", this.invalidateHeader);
    return new Response(answer, {
      status: response.status,
      statusText: response.statusText,
      headers: out,
    });
  };
}
