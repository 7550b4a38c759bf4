// The end-to-end scenario of the generated `ts` client against a live
// generated server serving conformance/fixture.mizan. Copied beside the
// generated client (client.ts, spec.ts, types.ts) with checks.ts and a
// settings.ts that tests/clients/test_e2e_live.py writes; compiled with
// `tsc --strict` and run under Node with `--experimental-websocket`.
// Prints one JSON line: {"checks": [{name, ok, detail}, ...]}.

import {
  check,
  eq,
  ok,
  outcomes,
  Recorder,
  rejects,
  show,
  CheckFailed,
} from "./checks.js";
import { createClient } from "./client.js";
import {
  ContextCache,
  MizanError,
  datetimeMicros,
  memoryTokenStore,
  parseInvalidateHeader,
  withMicros,
  type ClientOptions,
  type ErrorCode,
  type Invalidation,
  type Runtime,
  type Tokens,
} from "@mizan-lang/runtime/client";
import { settings } from "./settings.js";

type Client = ReturnType<typeof createClient>;

interface Harness {
  client: Client;
  rt: Runtime;
  rec: Recorder;
  cache: ContextCache;
  /** Every invalidation the runtime applied, in order. */
  applied: Invalidation[];
  /** Texts of every WebSocket frame the client sent. */
  frames: string[];
}

/** Counts the frames the client sends over the global WebSocket. */
function countingWebSocket(frames: string[]) {
  return class CountingWebSocket extends WebSocket {
    override send(
      data: string | ArrayBufferLike | Blob | ArrayBufferView,
    ): void {
      frames.push(typeof data === "string" ? data : "<binary>");
      super.send(data);
    }
  };
}

function harness(
  options: Partial<ClientOptions> = {},
  websocket = false,
): Harness {
  const rec = new Recorder(settings.prefix);
  const frames: string[] = [];
  const applied: Invalidation[] = [];
  const client = createClient({
    baseUrl: settings.baseUrl,
    fetch: rec.fetch,
    WebSocket: websocket ? countingWebSocket(frames) : null,
    tokenStore: memoryTokenStore(),
    onInvalidate: (invalidation) => applied.push(invalidation),
    ...options,
  });
  const rt = client.runtime;
  return { client, rt, rec, cache: rt.cache, applied, frames };
}

/** Key texts of the cached instances of a context, sorted. */
function cached(h: Harness, context: string): string[] {
  return h.cache
    .entries()
    .filter((entry) => entry.context === context)
    .map((entry) => entry.keyTexts.map((t) => (t === null ? "~" : t)).join("/"))
    .sort();
}

async function expectError<C extends ErrorCode>(
  body: () => Promise<unknown>,
  code: C,
  status: number,
  details: unknown,
): Promise<MizanError> {
  const error = await rejects(body, `expected ${code}`);
  if (!(error instanceof MizanError))
    throw new CheckFailed(`not a MizanError: ${show(error)} ${String(error)}`);
  eq(error.code, code, "code");
  eq(error.status, status, "status");
  eq(error.details, details, "details");
  ok(error.is(code), "is(code)");
  return error;
}

async function login(h: Harness, who: "ada" | "bob" | "cy"): Promise<Tokens> {
  return h.rt.login({ username: who, password: settings.passwords[who] });
}

// --- wire types ------------------------------------------------------------------

const MAX_I64 = 9223372036854775807n;
const MIN_I64 = -9223372036854775808n;

async function wireTypes(): Promise<void> {
  const h = harness();

  await check("echo: every wire type round-trips (HTTP)", async () => {
    const when = withMicros(new Date("2024-01-31T11:00:00.123Z"), 456);
    const mark = h.rec.mark();
    const result = await h.client.echo({
      value: { list: [1, "x", null, true], nested: { a: 1.5 } },
      count: 7,
      big: MAX_I64,
      amount: "9.90",
      when,
      day: "2024-02-29",
      id: "ABCDEF00-1234-5678-9ABC-DEF012345678",
      data: new Uint8Array([0, 1, 2, 255]),
      role: "staff",
      ratio: 0.25,
    });
    const [sent] = h.rec.since(mark).filter((s) => s.path === "call/");
    eq(
      sent?.body,
      {
        fn: "echo",
        args: {
          amount: "9.90",
          big: "9223372036854775807",
          count: 7,
          data: "AAEC/w==",
          day: "2024-02-29",
          id: "abcdef00-1234-5678-9abc-def012345678",
          ratio: 0.25,
          role: "staff",
          value: { list: [1, "x", null, true], nested: { a: 1.5 } },
          when: "2024-01-31T11:00:00.123456Z",
        },
      },
      "request body",
    );
    eq(
      result,
      {
        amount: "9.90",
        big: "9223372036854775807",
        count: 7,
        data: "000102ff",
        day: "2024-02-29",
        id: "abcdef00-1234-5678-9abc-def012345678",
        ratio: 0.25,
        role: "staff",
        value: { list: [1, "x", null, true], nested: { a: 1.5 } },
        when: "2024-01-31T11:00:00.123456+00:00",
      },
      "result",
    );
  });

  await check("echo: int64 extremes and decimal scale", async () => {
    const low = (await h.client.echo({
      value: 0,
      big: MIN_I64,
      amount: "-0.50",
    })) as Record<string, unknown>;
    eq(low["big"], "-9223372036854775808", "min int64");
    eq(low["amount"], "-0.50", "decimal keeps its scale");
    const zero = (await h.client.echo({
      value: 0,
      big: 0n,
      amount: "100",
    })) as Record<string, unknown>;
    eq(
      [zero["big"], zero["amount"]],
      ["0", "100"],
      "zero int64, integral decimal",
    );
  });

  await check("echo: absent arguments take the server defaults", async () => {
    const mark = h.rec.mark();
    const result = await h.client.echo({ value: null });
    eq(
      h.rec.since(mark)[0]?.body,
      { fn: "echo", args: { value: null } },
      "only value is sent",
    );
    eq(
      result,
      {
        amount: null,
        big: null,
        count: 1,
        data: null,
        day: null,
        id: null,
        ratio: 0.5,
        role: "member",
        value: null,
        when: null,
      },
      "defaults",
    );
  });

  await check("echo: null is sent as null, absent is left out", async () => {
    const mark = h.rec.mark();
    await h.client.echo({ value: [], big: null, when: null });
    eq(
      h.rec.since(mark)[0]?.body,
      { fn: "echo", args: { big: null, value: [], when: null } },
      "request body",
    );
    // `value` is required (json, no default): leaving it out is the
    // server's `required`, not a client-side null.
    const error = await expectError(
      () => h.rt.call("echo", {}, { transport: "http" }),
      "invalid_arguments",
      400,
      {
        value: {
          code: "required",
          message: "This value is required.",
          path: "/value",
        },
      },
    );
    ok(error instanceof Error, "an Error");
  });

  await check("typed results decode every field (Note)", async () => {
    const note = await h.client.add_note(
      { board_id: 31n, text: "typed", tags: ["a", "b"] },
      { transport: "http" },
    );
    eq(
      note,
      {
        board_id: 31n,
        created: new Date("2024-01-31T12:01:00.000Z"),
        id: 31001n,
        price: "1.50",
        role: "member",
        tags: ["a", "b"],
        text: "typed",
      },
      "note",
    );
    ok(typeof note.id === "bigint", "int64 is a bigint");
    eq(datetimeMicros(note.created), 0, "micros of created");
  });

  await check(
    "enums: an unknown member from a newer server is kept",
    async () => {
      h.rec.rewrite = (seen, body) =>
        seen.fn === "add_note"
          ? {
              ...(body as object),
              result: {
                ...(body as { result: object }).result,
                role: "moderator",
              },
            }
          : body;
      try {
        const note = await h.client.add_note(
          { board_id: 32n, text: "new role" },
          { transport: "http" },
        );
        eq(
          [note.id, note.role],
          [32001n, "moderator"],
          "note keeps the unknown member",
        );
      } finally {
        h.rec.rewrite = null;
      }
    },
  );

  await check(
    "decode: a malformed result is a client-side internal error",
    async () => {
      h.rec.rewrite = (seen, body) =>
        seen.fn === "add_note"
          ? {
              ...(body as object),
              result: {
                ...(body as { result: object }).result,
                tags: ["ok", 7],
              },
            }
          : body;
      try {
        const error = await expectError(
          () =>
            h.client.add_note(
              { board_id: 33n, text: "bad" },
              { transport: "http" },
            ),
          "internal",
          0,
          null,
        );
        eq(
          [error.failure, error.path, error.message],
          ["decode", "/result/tags/1", "Expected str."],
          "decode error",
        );
      } finally {
        h.rec.rewrite = null;
      }
    },
  );

  await check("typed results decode shapes (BookCard, BookRef)", async () => {
    const books = await h.client.books({ min_year: 1970 });
    eq(
      books,
      [
        {
          author: null,
          id: 4n,
          price: "0.50",
          title: "Anonymous Pamphlet",
          year: 1999,
        },
        {
          author: { id: 1n, name: "Ursula" },
          id: 1n,
          price: "9.90",
          title: "The Dispossessed",
          year: 1974,
        },
        {
          author: { id: 1n, name: "Ursula" },
          id: 3n,
          price: "8.00",
          title: "The Lathe of Heaven",
          year: 1971,
        },
      ],
      "books",
    );
    const refs = await h.client.book_refs();
    eq(
      refs,
      [
        { author: 1n, id: 1n },
        { author: 2n, id: 2n },
        { author: 1n, id: 3n },
        { author: null, id: 4n },
      ],
      "book refs",
    );
  });
}

// --- errors ----------------------------------------------------------------------

async function errors(): Promise<void> {
  const h = harness();

  await check(
    "errors: refuse -> not_found with the implementation's details",
    async () => {
      await expectError(() => h.client.refuse({ id: 5n }), "not_found", 404, {
        note: "5",
      });
    },
  );

  await check("errors: crash -> internal without internals", async () => {
    const error = await expectError(
      () => h.client.crash(),
      "internal",
      500,
      null,
    );
    ok(!error.message.includes("hunter2"), "no secrets in the message");
    eq(error.failure, null, "a server error, not a client failure");
  });

  await check(
    "errors: invalid_arguments carries JSON pointer paths",
    async () => {
      // The typed client cannot send a wrong type, so the request is spoiled
      // on its way out: the server's answer must reach the caller as is.
      h.rec.requestRewrite = (body) => ({
        ...body,
        args: { board_id: 5, text: "x", tags: ["ok", 7], extra: 1 },
      });
      try {
        await expectError(
          () =>
            h.client.add_note(
              { board_id: 1n, text: "x" },
              { transport: "http" },
            ),
          "invalid_arguments",
          400,
          {
            board_id: {
              code: "type",
              message: "Expected int64.",
              path: "/board_id",
            },
            extra: {
              code: "unknown",
              message: "This name is not expected.",
              path: "/extra",
            },
            tags: { code: "type", message: "Expected str.", path: "/tags/1" },
          },
        );
      } finally {
        h.rec.requestRewrite = null;
      }
    },
  );

  await check(
    "errors: anonymous whoami -> unauthenticated missing",
    async () => {
      await expectError(
        () => h.client.whoami(undefined, { transport: "http" }),
        "unauthenticated",
        401,
        { reason: "missing" },
      );
    },
  );

  await check(
    "errors: a value that does not fit is refused before sending",
    async () => {
      const mark = h.rec.mark();
      const error = await expectError(
        () => h.client.refuse({ id: 1.5 as unknown as bigint }),
        "invalid_arguments",
        0,
        { id: { code: "type", message: "Expected int64.", path: "/id" } },
      );
      eq(error.failure, "encode", "a client-side failure");
      eq(h.rec.lines(mark), [], "no request");
    },
  );
}

// --- session and CSRF ------------------------------------------------------------

async function session(): Promise<void> {
  await check("session: GET session/ once, before the first POST", async () => {
    const h = harness();
    await h.client.add_note(
      { board_id: 41n, text: "first" },
      { transport: "http" },
    );
    await h.client.add_note(
      { board_id: 41n, text: "second" },
      { transport: "http" },
    );
    eq(
      h.rec.lines(0),
      ["GET session/", "POST call/", "POST call/"],
      "requests",
    );
    const token = (h.rec.seen[0]?.response as { csrf?: unknown }).csrf;
    ok(typeof token === "string" && token.length > 0, "a token");
    eq(
      h.rec.seen.slice(1).map((s) => s.csrfHeader),
      [token, token],
      "X-Mizan-CSRF on each POST",
    );
  });

  await check("session: queries and bundles need no session", async () => {
    const h = harness();
    await h.client.books({});
    await h.client.contexts.stats.fetch();
    eq(h.rec.lines(0), ["POST call/", "GET ctx/stats/"], "requests");
  });
}

// --- bundles -----------------------------------------------------------------------

async function bundles(): Promise<void> {
  const h = harness();
  await h.client.add_note(
    { board_id: 51n, text: "alpha" },
    { transport: "http" },
  );
  await h.client.add_note(
    { board_id: 51n, text: "beta" },
    { transport: "http" },
  );
  await h.client.add_note(
    { board_id: 51n, text: "gamma" },
    { transport: "http" },
  );

  await check("bundle: one request for every member (board)", async () => {
    const mark = h.rec.mark();
    const board = await h.client.contexts.board.fetch({ board_id: 51n });
    const seen = h.rec.since(mark);
    eq(
      seen.map((s) => `${s.method} ${s.path}${s.search}`),
      ["GET ctx/board/?board_id=51"],
      "requests",
    );
    eq(board.board_title, "Board 51 (3 notes)", "board_title");
    eq(
      board.board_notes.map((n) => [n.id, n.text]),
      [
        [51001n, "alpha"],
        [51002n, "beta"],
        [51003n, "gamma"],
      ],
      "board_notes",
    );
    ok(!("board_staff_notes" in board), "vary=public: staff member left out");
  });

  await check(
    "bundle: a cached bundle is served without a request",
    async () => {
      const mark = h.rec.mark();
      const again = await h.client.contexts.board.fetch({ board_id: 51n });
      eq(h.rec.lines(mark), [], "no request");
      eq(again.board_title, "Board 51 (3 notes)", "same data");
      await h.rt.bundle("board", { board_id: 51n }, { reload: true });
      eq(h.rec.lines(mark), ["GET ctx/board/"], "reload: one request");
    },
  );

  await check(
    "bundle: concurrent fetches of one instance share one request",
    async () => {
      const mark = h.rec.mark();
      const all = await Promise.all([
        h.client.contexts.board.fetch({ board_id: 52n }),
        h.client.contexts.board.fetch({ board_id: 52n }),
        h.client.contexts.board.fetch({ board_id: 52n }),
      ]);
      eq(h.rec.lines(mark), ["GET ctx/board/"], "one request");
      eq(
        all.map((b) => b.board_title),
        Array(3).fill("Board 52 (0 notes)"),
        "same data",
      );
    },
  );

  await check(
    "bundle: keys with defaults, two int keys, member with extra param",
    async () => {
      const mark = h.rec.mark();
      const page = await h.client.contexts.thread.fetch({
        board_id: 51n,
        page: 1,
      });
      eq(
        h.rec.since(mark).map((s) => s.search),
        ["?board_id=51&page=1"],
        "query",
      );
      eq(
        page,
        { thread_posts: ["gamma"] },
        "thread page 1 (size 2 by default)",
      );
    },
  );

  await check(
    "bundle: guarded member only for the guard's callers",
    async () => {
      const ada = harness();
      await login(ada, "ada");
      const page = await ada.client.contexts.thread.fetch({
        board_id: 51n,
        page: 0,
      });
      eq(
        page,
        { thread_moderation: 5100, thread_posts: ["alpha", "beta"] },
        "ada sees moderation",
      );
      eq(
        ada.rec.lines(0),
        ["POST auth/token/", "GET ctx/thread/"],
        "one bundle request",
      );
    },
  );

  await check("bundle: nullable date key (topic)", async () => {
    const none = await h.client.contexts.topic.fetch({ tag: "Café & Co" });
    eq(
      none,
      { topic_keys: { day: null, tag: "Café & Co" } },
      "day absent -> null",
    );
    const day = await h.client.contexts.topic.fetch({
      tag: "x",
      day: "2024-01-31",
    });
    eq(day, { topic_keys: { day: "2024-01-31", tag: "x" } }, "day given");
  });

  await check(
    "bundle: context guard (office) forbidden / allowed",
    async () => {
      const bob = harness();
      await login(bob, "bob");
      await expectError(
        () => bob.client.contexts.office.fetch({ day: "2024-01-31" }),
        "forbidden",
        403,
        null,
      );
      const ada = harness();
      await login(ada, "ada");
      const office = await ada.client.contexts.office.fetch({
        day: "2024-01-31",
      });
      eq(
        office,
        { office_report: { by: "ada", day: "2024-01-31", weekday: 3 } },
        "office",
      );
    },
  );
}

// --- invalidation tiers over HTTP ---------------------------------------------------

async function fillCache(h: Harness): Promise<void> {
  await h.client.contexts.board.fetch({ board_id: 1n });
  await h.client.contexts.board.fetch({ board_id: 2n });
  await h.client.contexts.thread.fetch({ board_id: 1n, page: 1 });
  await h.client.contexts.thread.fetch({ board_id: 1n, page: 2 });
  await h.client.contexts.thread.fetch({ board_id: 2n, page: 1 });
  await h.client.contexts.stats.fetch();
  await h.client.contexts.topic.fetch({ tag: "x" });
  await h.client.contexts.topic.fetch({ tag: "x", day: "2024-01-31" });
  await h.client.contexts.topic.fetch({ tag: "y" });
}

const FULL = {
  board: ["1", "2"],
  stats: [""],
  thread: ["1/1", "1/2", "2/1"],
  topic: ["x/2024-01-31", "x/~", "y/~"],
};

function cacheState(h: Harness): Record<string, string[]> {
  return {
    board: cached(h, "board"),
    stats: cached(h, "stats"),
    thread: cached(h, "thread"),
    topic: cached(h, "topic"),
  };
}

/** Fetch every instance of FULL again: only dropped ones make a request. */
async function refetchAll(h: Harness): Promise<string[]> {
  const mark = h.rec.mark();
  await fillCache(h);
  return h.rec.since(mark).map((s) => `${s.path}${s.search}`);
}

async function tiers(): Promise<void> {
  const h = harness();
  await fillCache(h);

  await check(
    "cache: every instance is cached after one request each",
    async () => {
      eq(cacheState(h), FULL, "cache");
      eq(h.rec.lines(0).length, 9, "nine bundle requests");
      eq(await refetchAll(h), [], "a second pass is served from the cache");
    },
  );

  await check(
    "tiers: add_note exact board + partial thread + global stats",
    async () => {
      h.applied.length = 0;
      await h.client.add_note(
        { board_id: 1n, text: "tiers" },
        { transport: "http" },
      );
      eq(
        cacheState(h),
        { board: ["2"], stats: [], thread: ["2/1"], topic: FULL.topic },
        "cache after add_note",
      );
      eq(
        h.applied,
        [
          [
            { context: "board", params: { board_id: "1" } },
            { context: "stats", params: {} },
            { context: "thread", params: { board_id: "1" } },
          ],
        ],
        "the applied invalidation",
      );
    },
  );

  await check(
    "tiers: refetch after a mutation touches only covered contexts",
    async () => {
      eq(
        await refetchAll(h),
        [
          "ctx/board/?board_id=1",
          "ctx/thread/?board_id=1&page=1",
          "ctx/thread/?board_id=1&page=2",
          "ctx/stats/",
        ],
        "refetched",
      );
      eq(cacheState(h), FULL, "cache full again");
    },
  );

  await check(
    "tiers: clear_boards (global) drops every board only",
    async () => {
      await h.client.clear_boards();
      eq(cacheState(h), { ...FULL, board: [] }, "cache");
      eq(
        await refetchAll(h),
        ["ctx/board/?board_id=1", "ctx/board/?board_id=2"],
        "refetched",
      );
    },
  );

  await check("tiers: move_note binds explicit params", async () => {
    await h.client.move_note({ from_board: 1n, to_board: 2n });
    eq(cacheState(h), { ...FULL, board: ["1"], thread: ["2/1"] }, "cache");
    await refetchAll(h);
  });

  await check(
    "tiers: retag with a null key drops only that instance",
    async () => {
      await h.client.retag({ tag: "x" });
      eq(cacheState(h), { ...FULL, topic: ["x/2024-01-31", "y/~"] }, "cache");
      await refetchAll(h);
    },
  );

  await check("tiers: a failed call invalidates nothing", async () => {
    h.applied.length = 0;
    await rejects(() => h.client.refuse({ id: 1n }), "refuse");
    eq(cacheState(h), FULL, "cache untouched");
    eq(h.applied, [], "nothing applied");
  });
}

// --- the X-Mizan-Invalidate header ------------------------------------------------------

async function header(): Promise<void> {
  const h = harness();

  await check("header: the header reads as the body's list", async () => {
    const mark = h.rec.mark();
    await h.client.add_note(
      { board_id: 61n, text: "h" },
      { transport: "http" },
    );
    await h.client.clear_boards();
    await h.client.move_note({ from_board: 61n, to_board: 62n });
    await h.client.retag({ tag: "Café & Co" });
    await h.client.retag({ tag: "y", day: "2024-02-01" });
    await h.client.echo({ value: 1 });
    const calls = h.rec.since(mark).filter((s) => s.path === "call/");
    eq(calls.length, 6, "six calls");
    for (const call of calls) {
      const body = (call.response as { invalidate: unknown }).invalidate;
      if (call.invalidateHeader === null) {
        eq(body, [], `${call.fn}: no header, empty list`);
        continue;
      }
      eq(
        parseInvalidateHeader(call.invalidateHeader),
        body,
        `${call.fn}: ${call.invalidateHeader}`,
      );
    }
    eq(
      calls.map((c) => c.invalidateHeader),
      [
        "board;board_id=61,stats,thread;board_id=61",
        "board",
        "board;board_id=62,thread;board_id=61",
        "topic;day;tag=Caf%C3%A9%20%26%20Co",
        "topic;day=2024-02-01;tag=y",
        null,
      ],
      "headers",
    );
  });

  await check("header: applied when the body names nothing", async () => {
    await fillCache(h);
    h.rec.rewrite = (seen, body) =>
      seen.path === "call/" ? { ...(body as object), invalidate: [] } : body;
    try {
      await h.client.add_note(
        { board_id: 2n, text: "header only" },
        { transport: "http" },
      );
    } finally {
      h.rec.rewrite = null;
    }
    eq(
      cacheState(h),
      { board: ["1"], stats: [], thread: ["1/1", "1/2"], topic: FULL.topic },
      "cache after a header-only invalidation",
    );
  });

  await check("header: a malformed header acts as *", async () => {
    await fillCache(h);
    h.applied.length = 0;
    h.rec.invalidateHeader = "board;;board_id=1";
    try {
      await h.client.echo({ value: "malformed" }, { transport: "http" });
    } finally {
      h.rec.invalidateHeader = null;
    }
    eq(h.cache.entries().length, 0, "everything dropped");
    eq(h.applied, ["*"], "listeners got *");
  });

  await check("header: * drops everything", async () => {
    await fillCache(h);
    h.rec.invalidateHeader = "*";
    try {
      await h.client.books({}, { transport: "http" });
    } finally {
      h.rec.invalidateHeader = null;
    }
    eq(h.cache.entries().length, 0, "everything dropped");
  });
}

// --- WebSocket ---------------------------------------------------------------------------

async function websocket(): Promise<void> {
  const h = harness({}, true);

  await check("ws: echo travels over the WebSocket", async () => {
    const mark = h.rec.mark();
    const result = (await h.client.echo({
      value: { ws: true },
      big: MAX_I64,
      amount: "0.10",
      when: withMicros(new Date("2024-01-31T12:00:00.000Z"), 1),
    })) as Record<string, unknown>;
    eq(
      [result["value"], result["big"], result["amount"], result["when"]],
      [
        { ws: true },
        "9223372036854775807",
        "0.10",
        "2024-01-31T12:00:00.000001+00:00",
      ],
      "result",
    );
    eq(h.rec.lines(mark), [], "no HTTP request");
    const frame = JSON.parse(h.frames[h.frames.length - 1] ?? "{}") as Record<
      string,
      unknown
    >;
    eq(frame["fn"], "echo", "the last frame is the call");
  });

  await check(
    "ws: add_note over the WebSocket applies its invalidation",
    async () => {
      await h.client.contexts.board.fetch({ board_id: 71n });
      await h.client.contexts.board.fetch({ board_id: 72n });
      await h.client.contexts.stats.fetch();
      h.applied.length = 0;
      const mark = h.rec.mark();
      const frameMark = h.frames.length;
      const note = await h.client.add_note({ board_id: 71n, text: "over ws" });
      eq(h.rec.lines(mark), [], "no HTTP request (no session either)");
      eq(h.frames.length - frameMark, 1, "one frame");
      eq([note.id, note.text], [71001n, "over ws"], "note");
      eq(cached(h, "board"), ["72"], "board 71 dropped, 72 kept");
      eq(cached(h, "stats"), [], "stats dropped");
      eq(h.applied.length, 1, "one invalidation applied");
    },
  );

  await check("ws: errors arrive as MizanError", async () => {
    await expectError(() => h.client.whoami(), "unauthenticated", 401, {
      reason: "missing",
    });
    await expectError(() => h.rt.call("echo", {}), "invalid_arguments", 400, {
      value: {
        code: "required",
        message: "This value is required.",
        path: "/value",
      },
    });
  });

  await check("ws: whoami after login uses the token", async () => {
    await login(h, "bob");
    const mark = h.rec.mark();
    eq(await h.client.whoami(), "bob", "whoami");
    eq(h.rec.lines(mark), [], "no HTTP request");
  });

  await check(
    "ws: after a refresh the socket carries the new token",
    async () => {
      const before = h.rt.tokens();
      await h.rt.refresh();
      const after = h.rt.tokens();
      // Tokens minted in the same second are equal; the refresh token's
      // random jti always differs.
      ok(after !== null && after.refresh !== before?.refresh, "new tokens");
      const frameMark = h.frames.length;
      eq(await h.client.whoami(), "bob", "whoami");
      const auth = h.frames
        .slice(frameMark)
        .map((f) => JSON.parse(f) as Record<string, unknown>)
        .filter((f) => "auth" in f);
      eq(auth, [{ auth: after?.access }], "a new socket authenticates again");
    },
  );

  await check(
    "ws: an access token the server finds expired is refreshed",
    async () => {
      // The client's clock says the token is good (refreshSkew far in the
      // past); the server says `expired`. Over HTTP that is one refresh and
      // one retry ("auth: expired access -> refresh -> retry"); the socket
      // must not fall back to an anonymous connection.
      const w = harness({ refreshSkew: -86400 }, true);
      w.rt.setTokens({
        access: settings.expiredAccess,
        refresh: settings.refreshForWebSocket,
        expires_in: 900,
        token_type: "Bearer",
      });
      try {
        eq(await w.client.whoami(), "bob", "whoami over ws");
      } finally {
        w.rt.close();
      }
    },
  );

  await check(
    "ws: functions without websocket=#true go over HTTP",
    async () => {
      const mark = h.rec.mark();
      await h.client.books({});
      eq(h.rec.lines(mark), ["POST call/"], "HTTP call");
    },
  );
  h.rt.close();
}

// --- auth ---------------------------------------------------------------------------------

async function auth(): Promise<void> {
  await check(
    "auth: login stores bearer tokens; whoami is the user",
    async () => {
      const changes: (Tokens | null)[] = [];
      const h = harness({ onAuthChange: (tokens) => changes.push(tokens) });
      const tokens = await login(h, "bob");
      eq([tokens.token_type, tokens.expires_in], ["Bearer", 900], "tokens");
      eq(h.rt.tokens()?.access, tokens.access, "stored");
      eq(changes.length, 1, "onAuthChange");
      const mark = h.rec.mark();
      eq(
        await h.client.whoami(undefined, { transport: "http" }),
        "bob",
        "whoami",
      );
      eq(
        h.rec.since(mark)[0]?.authorization,
        `Bearer ${tokens.access}`,
        "Authorization",
      );
    },
  );

  await check(
    "auth: wrong password -> unauthenticated credentials",
    async () => {
      const h = harness();
      await expectError(
        () => h.rt.login({ username: "bob", password: "nope" }),
        "unauthenticated",
        401,
        { reason: "credentials" },
      );
      eq(h.rt.tokens(), null, "no tokens");
    },
  );

  await check("auth: staff_only and admin_only guards", async () => {
    const verdict = async (
      who: "ada" | "bob" | "cy",
      fn: "staff_only" | "admin_only",
    ) => {
      const h = harness();
      await login(h, who);
      try {
        return await h.client[fn]();
      } catch (error) {
        if (error instanceof MizanError)
          return `${error.code} ${error.status} ${show(error.details)}`;
        throw error;
      }
    };
    eq(
      [
        await verdict("bob", "staff_only"),
        await verdict("cy", "staff_only"),
        await verdict("ada", "staff_only"),
        await verdict("bob", "admin_only"),
        await verdict("cy", "admin_only"),
        await verdict("ada", "admin_only"),
      ],
      [
        "forbidden 403 null",
        "staff cy",
        "staff ada",
        "forbidden 403 null",
        "forbidden 403 null",
        "admin ada",
      ],
      "verdicts",
    );
  });

  await check("auth: identity bundles (inbox) and user mutations", async () => {
    const h = harness();
    await login(h, "cy");
    eq(
      await h.client.contexts.inbox.fetch(),
      { inbox_messages: ["welcome cy"] },
      "inbox",
    );
    eq(
      await h.client.send_message({ owner: "cy", text: "hello" }),
      1,
      "send_message",
    );
    eq(cached(h, "inbox"), [], "inbox dropped");
    eq(
      await h.client.contexts.inbox.fetch(),
      { inbox_messages: ["welcome cy", "cy: hello"] },
      "inbox refetched",
    );
    eq(
      await h.client.contexts.mailbox.fetch({ owner: "cy" }),
      { mailbox_count: 1 },
      "mailbox",
    );
  });

  await check(
    "auth: expired access -> refresh -> retry (401 path)",
    async () => {
      const h = harness({ refreshSkew: -86400 });
      h.rt.setTokens({
        access: settings.expiredAccess,
        refresh: settings.refresh,
        expires_in: 900,
        token_type: "Bearer",
      });
      eq(
        await h.client.whoami(undefined, { transport: "http" }),
        "bob",
        "whoami",
      );
      eq(
        h.rec.since(0).map((s) => `${s.method} ${s.path} ${s.status}`),
        ["POST call/ 401", "POST auth/refresh/ 200", "POST call/ 200"],
        "requests",
      );
      eq(h.rec.seen[1]?.body, { refresh: settings.refresh }, "refresh body");
      ok(
        h.rt.tokens()?.access !== settings.expiredAccess,
        "a new access token",
      );
      ok(
        h.rt.tokens()?.refresh !== settings.refresh,
        "a rotated refresh token",
      );
    },
  );

  await check(
    "auth: an access token about to expire is refreshed first",
    async () => {
      const h = harness();
      h.rt.setTokens({
        access: settings.expiredAccess,
        refresh: settings.refreshForPreemptive,
        expires_in: 900,
        token_type: "Bearer",
      });
      const answers = await Promise.all([
        h.client.whoami(undefined, { transport: "http" }),
        h.client.whoami(undefined, { transport: "http" }),
        h.client.whoami(undefined, { transport: "http" }),
      ]);
      eq(answers, ["bob", "bob", "bob"], "whoami x3");
      eq(
        h.rec.lines(0).sort(),
        ["POST auth/refresh/", "POST call/", "POST call/", "POST call/"],
        "one shared refresh, no 401",
      );
    },
  );

  await check(
    "auth: logout clears tokens and spends the refresh token",
    async () => {
      const h = harness({ onInvalidate: undefined });
      const tokens = await login(h, "bob");
      await h.client.contexts.inbox.fetch();
      const seenAll: Invalidation[] = [];
      h.rt.onInvalidate((i) => seenAll.push(i));
      await h.rt.logout();
      eq(h.rt.tokens(), null, "tokens cleared");
      eq(h.cache.entries().length, 0, "cache cleared");
      eq(seenAll, ["*"], "invalidated *");
      const out = h.rec.seen.find((s) => s.path === "auth/logout/");
      eq(out?.body, { refresh: tokens.refresh }, "logout body");
      await expectError(
        () => h.client.whoami(undefined, { transport: "http" }),
        "unauthenticated",
        401,
        { reason: "missing" },
      );
      h.rt.setTokens(tokens);
      await expectError(() => h.rt.refresh(), "unauthenticated", 401, {
        reason: "reused",
      });
      eq(h.rt.tokens(), null, "a failing refresh clears the tokens");
    },
  );
}

// --- uploads ------------------------------------------------------------------------------

async function sha256(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new Uint8Array(data));
  return Array.from(new Uint8Array(digest), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");
}

async function uploads(): Promise<void> {
  const h = harness({}, true);
  const text = new TextEncoder().encode("hello, mizan");

  await check("upload: a File through FormData (multipart)", async () => {
    await h.client.contexts.board.fetch({ board_id: 81n });
    await h.client.contexts.board.fetch({ board_id: 82n });
    const mark = h.rec.mark();
    const attachment = await h.client.attach({
      board_id: 81n,
      file: new File([text], "note.txt", { type: "text/plain" }),
      caption: "a caption",
    });
    eq(
      attachment,
      {
        caption: "a caption",
        content_type: "text/plain",
        name: "note.txt",
        sha256: await sha256(text),
        size: text.length,
      },
      "attachment",
    );
    const calls = h.rec.since(mark).filter((s) => s.path === "call/");
    eq(
      calls.map((c) => [c.multipart, c.fn]),
      [[true, "attach"]],
      "one multipart call",
    );
    eq(cached(h, "board"), ["82"], "board 81 invalidated");
  });

  await check(
    "upload: a Blob with an image/* type, caption absent",
    async () => {
      const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
      const attachment = await h.client.attach({
        board_id: 81n,
        file: new Blob([png], { type: "image/png" }),
      });
      // A Blob has no name: the runtime sends an empty filename, which the
      // server passes on as given (docs/protocol.md 5.3).
      eq(
        attachment,
        {
          caption: null,
          content_type: "image/png",
          name: "",
          sha256: await sha256(png),
          size: 4,
        },
        "attachment",
      );
    },
  );

  await check("upload: too large -> payload_too_large", async () => {
    await expectError(
      () =>
        h.client.attach({
          board_id: 81n,
          file: new Blob([new Uint8Array(65)], { type: "text/plain" }),
        }),
      "payload_too_large",
      413,
      { limit: 64, param: "file" },
    );
  });

  await check(
    "upload: wrong content type -> unsupported_media_type",
    async () => {
      await expectError(
        () =>
          h.client.attach({
            board_id: 81n,
            file: new Blob([text], { type: "application/pdf" }),
          }),
        "unsupported_media_type",
        415,
        { content_type: "application/pdf", param: "file" },
      );
    },
  );
  h.rt.close();
}

// --- forms ---------------------------------------------------------------------------------

const PROFILE_INPUTS: Record<string, unknown>[] = [
  { name: "Ada" },
  {},
  { name: "" },
  { name: null },
  { name: "A" },
  { name: "😀" },
  { name: "😀😀" },
  { name: "Ünïcödé" },
  { name: "ThirteenChars" },
  { name: 5 },
  { name: "Ada", age: 12 },
  { name: "Ada", age: 13 },
  { name: "Ada", age: 130 },
  { name: "Ada", age: 131 },
  { name: "Ada", age: "13" },
  { name: "Ada", age: 13.5 },
  { name: "Ada", age: 2147483648 },
  { name: "Ada", age: 0 },
  { name: "Ada", email: "ada@example.org" },
  { name: "Ada", email: "ada@example" },
  { name: "Ada", email: "a..b@example.org" },
  { name: "Ada", email: "é@example.org" },
  { name: "Ada", email: "a-very-long-local-part-indeed@example.org" },
  { name: "Ada", website: "https://example.org/path?q=1" },
  { name: "Ada", website: "ftp://example.org" },
  { name: "Ada", website: "http://10.0.0.256" },
  { name: "Ada", website: "http://user@example.org" },
  { name: "Ada", role: "staff" },
  { name: "Ada", role: "Staff" },
  { name: "Ada", subscribe: false },
  { name: "Ada", subscribe: "yes" },
  { name: "Ada", nickname: "A" },
  { name: "A", age: 1, email: "x", website: "y", role: "z", subscribe: 1 },
];

const NOTE_INPUTS: Record<string, unknown>[] = [
  { board_id: 1, text: "Hello world" },
  { board_id: 1, text: "Hello1" },
  { board_id: 1, text: "" },
  { board_id: "1", text: "Hi" },
  { board_id: 1.5, text: "Hi" },
  { board_id: 2147483648, text: "Hi" },
  { board_id: 0, text: "Hi\n" },
  {},
];

async function serverVerdict(
  form: string,
  values: Record<string, unknown>,
): Promise<unknown> {
  const response = await fetch(
    `${settings.baseUrl}${settings.prefix}form/${form}/validate/`,
    {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(values),
    },
  );
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status === 200) return { valid: true, data: body["data"] };
  if (response.status === 422)
    return {
      valid: false,
      errors: (body["error"] as Record<string, unknown>)["details"],
    };
  throw new CheckFailed(`validate/ answered ${response.status} ${show(body)}`);
}

/** The client's verdict on each input equals the server's `validate/` answer. */
async function sameVerdicts(
  h: Harness,
  form: "ProfileForm" | "NoteForm",
  inputs: Record<string, unknown>[],
): Promise<void> {
  const differences: string[] = [];
  for (const values of inputs) {
    const local = h.rt.validateForm(form, values);
    const remote = await serverVerdict(form, values);
    if (show(local) !== show(remote))
      differences.push(
        `${show(values)}: client ${show(local)} server ${show(remote)}`,
      );
  }
  if (differences.length > 0) throw new CheckFailed(differences.join("\n"));
}

async function forms(): Promise<void> {
  const h = harness();

  await check("forms: schema equals GET form/<name>/", async () => {
    for (const name of ["ProfileForm", "NoteForm"]) {
      const response = await fetch(
        `${settings.baseUrl}${settings.prefix}form/${name}/`,
      );
      const schema =
        name === "ProfileForm"
          ? h.client.forms.ProfileForm.schema()
          : h.client.forms.NoteForm.schema();
      eq(schema, await response.json(), name);
    }
  });

  // Names are literal: tests/clients/test_e2e_live.py reads them from here.
  await check("forms: validateForm = server verdicts (ProfileForm)", () =>
    sameVerdicts(h, "ProfileForm", PROFILE_INPUTS),
  );
  await check("forms: validateForm = server verdicts (NoteForm)", () =>
    sameVerdicts(h, "NoteForm", NOTE_INPUTS),
  );

  await check("forms: submitForm ProfileForm as a user", async () => {
    await login(h, "bob");
    await h.client.contexts.inbox.fetch();
    const result = await h.client.forms.ProfileForm.submit({
      name: "Bob",
      age: 40,
      subscribe: true,
    });
    eq(
      result,
      {
        by: "bob",
        saved: {
          age: 40,
          email: null,
          name: "Bob",
          role: "member",
          subscribe: true,
          website: null,
        },
      },
      "result",
    );
    eq(cached(h, "inbox"), [], "inbox invalidated");
  });

  await check(
    "forms: submitForm refused -> validation_failed, no call",
    async () => {
      const mark = h.rec.mark();
      await expectError(
        () => h.client.forms.ProfileForm.submit({ name: "B", age: 200 }),
        "validation_failed",
        422,
        {
          age: {
            code: "max_value",
            message: "Ensure this value is less than or equal to 130.",
          },
          name: {
            code: "min_length",
            message: "Ensure this value has at least 2 characters.",
          },
        },
      );
      eq(
        h.rec.since(mark).map((s) => s.path),
        ["form/ProfileForm/submit/"],
        "only the submit",
      );
    },
  );

  await check(
    "forms: submitForm NoteForm decodes the Note and invalidates",
    async () => {
      await h.client.contexts.board.fetch({ board_id: 91n });
      await h.client.contexts.board.fetch({ board_id: 92n });
      const note = await h.client.forms.NoteForm.submit({
        board_id: 91,
        text: "From a form",
      });
      eq(
        note,
        {
          board_id: 91n,
          created: new Date("2024-01-31T12:01:00.000Z"),
          id: 91001n,
          price: "1.50",
          role: "member",
          tags: [],
          text: "From a form",
        },
        "note",
      );
      eq(cached(h, "board"), ["92"], "board 91 invalidated");
    },
  );
}

async function main(): Promise<void> {
  for (const part of [
    wireTypes,
    errors,
    session,
    bundles,
    tiers,
    header,
    websocket,
    auth,
    uploads,
    forms,
  ]) {
    try {
      await part();
    } catch (error) {
      outcomes.push({
        name: `(setup of ${part.name})`,
        ok: false,
        detail: String(error),
      });
    }
  }
  console.log(JSON.stringify({ checks: outcomes }));
}

await main();
