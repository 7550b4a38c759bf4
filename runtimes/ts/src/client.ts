// @mizan-lang/runtime/client: the client side of the protocol: the context
// cache and its tiers, HTTP/multipart/WebSocket transport, session and CSRF,
// bearer JWT with refresh. It interprets the client table a generated
// client's spec.ts exports. Everything shared is re-exported from here.

import {
  type ClientTable,
  ERROR_STATUS,
  type ErrorCode,
  type FormResult,
  type FormSchema,
  type FunctionSpec,
  INVALIDATE_HEADER,
  type Invalidation,
  type InvalidationEntry,
  type InvalidationListener,
  type JsonValue,
  MizanError,
  type ParamSpec,
  type TypeRef,
  ValueError,
  type ValueProblem,
  bodyInvalidation,
  canonicalJson,
  clientError,
  covers,
  datetimeText,
  decodeValue,
  encodeValue,
  errorFromBody,
  hasOwn,
  invalidationCovers,
  isObject,
  jwtClaims,
  keyParams,
  keyText,
  normalizeInvalidation,
  parseInvalidateHeader,
  pointer,
  queryKey,
  requireRuntime,
  validateForm,
} from "./index.js";
import type { IpcTransport } from "./ipc.js";

export { ipcCommand, tauriTransport } from "./ipc.js";
export type { ChannelFactory, Invoke, IpcReply, IpcTransport } from "./ipc.js";

export * from "./index.js";

// --- the context cache -------------------------------------------------------------

export interface CachedBundle {
  readonly context: string;
  readonly keyTexts: readonly (string | null)[];
  readonly data: Record<string, unknown>;
}

/** Report a listener's exception without stopping the other listeners. */
function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

/** Decoded bundles by context and key texts, dropped by invalidations (tiers of 7.1). */
export class ContextCache {
  private readonly bundles = new Map<string, CachedBundle>();
  private readonly listeners = new Set<InvalidationListener>();
  /** Advances at every invalidation; a fetch started before one is not stored. */
  generation = 0;

  constructor(readonly table: ClientTable) {}

  private static slot(
    context: string,
    keyTexts: readonly (string | null)[],
  ): string {
    return JSON.stringify([context, ...keyTexts]);
  }

  get(
    context: string,
    keyTexts: readonly (string | null)[],
  ): CachedBundle | undefined {
    return this.bundles.get(ContextCache.slot(context, keyTexts));
  }

  set(
    context: string,
    keyTexts: readonly (string | null)[],
    data: Record<string, unknown>,
  ): void {
    const bundle = { context, keyTexts: [...keyTexts], data };
    this.bundles.set(ContextCache.slot(context, keyTexts), bundle);
  }

  delete(context: string, keyTexts: readonly (string | null)[]): boolean {
    return this.bundles.delete(ContextCache.slot(context, keyTexts));
  }

  clear(): void {
    this.bundles.clear();
  }

  entries(): CachedBundle[] {
    return [...this.bundles.values()];
  }

  covers(
    entry: InvalidationEntry,
    context: string,
    keyTexts: readonly (string | null)[],
  ): boolean {
    return covers(this.table, entry, context, keyTexts);
  }

  /** Drop every covered bundle, then tell the listeners; returns what was dropped. */
  invalidate(invalidation: Invalidation): CachedBundle[] {
    const normalized =
      invalidation === "*" ? "*" : normalizeInvalidation(invalidation);
    this.generation++;
    const dropped: CachedBundle[] = [];
    for (const [slot, bundle] of this.bundles) {
      if (
        invalidationCovers(
          this.table,
          normalized,
          bundle.context,
          bundle.keyTexts,
        )
      ) {
        this.bundles.delete(slot);
        dropped.push(bundle);
      }
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(normalized);
      } catch (error) {
        rethrowLater(error);
      }
    }
    return dropped;
  }

  onInvalidate(listener: InvalidationListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}

// --- tokens ------------------------------------------------------------------------

export interface Tokens {
  access: string;
  refresh: string;
  expires_in: number;
  token_type: string;
}

export interface TokenStore {
  get(): Tokens | null;
  set(tokens: Tokens | null): void;
}

export function memoryTokenStore(initial: Tokens | null = null): TokenStore {
  let tokens = initial;
  return {
    get: () => tokens,
    set: (next) => {
      tokens = next;
    },
  };
}

/** Tokens kept in localStorage (survive reloads); memory when there is none. */
export function localStorageTokenStore(key = "mizan.tokens"): TokenStore {
  const storage = (globalThis as { localStorage?: Storage }).localStorage;
  if (storage === undefined) return memoryTokenStore();
  return {
    get: () => {
      const text = storage.getItem(key);
      try {
        return text === null ? null : (JSON.parse(text) as Tokens);
      } catch {
        return null;
      }
    },
    set: (tokens) => {
      if (tokens === null) storage.removeItem(key);
      else storage.setItem(key, JSON.stringify(tokens));
    },
  };
}

function isTokens(value: unknown): value is Tokens {
  return (
    isObject(value) &&
    typeof value["access"] === "string" &&
    typeof value["refresh"] === "string" &&
    typeof value["expires_in"] === "number"
  );
}

// --- transport ---------------------------------------------------------------------

export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  // `any`: the DOM WebSocket and Node's `ws` type their events differently.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  addEventListener(type: string, listener: (event: any) => void): void;
}

export type WebSocketFactory = new (url: string) => WebSocketLike;

export interface ClientOptions {
  /** Origin (and path) before the prefix; "" is the page's origin. */
  baseUrl?: string;
  /** The protocol prefix; default "/api/mizan/". */
  prefix?: string;
  fetch?: typeof fetch;
  /** null: websocket functions go over HTTP `call/`. */
  WebSocket?: WebSocketFactory | null;
  /** Send everything over a desktop app's IPC instead of HTTP (`tauriTransport`
   * of "@mizan-lang/runtime/ipc"): no cookies, CSRF or WebSocket; what other
   * windows' calls invalidate is pushed to this client's cache. */
  ipc?: IpcTransport;
  credentials?: RequestCredentials;
  /** "bearer" (default): keep tokens and send Authorization; "cookie": use the auth cookies. */
  auth?: "bearer" | "cookie";
  tokenStore?: TokenStore;
  /** Default true: GET session/ before the first POST and send X-Mizan-CSRF. */
  csrf?: boolean;
  headers?: Record<string, string> | (() => Record<string, string>);
  cache?: ContextCache;
  onInvalidate?: InvalidationListener;
  onAuthChange?: (tokens: Tokens | null) => void;
  /** Seconds before `exp` at which a bearer token is refreshed first; default 30. */
  refreshSkew?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
  transport?: "auto" | "http" | "websocket";
}

export interface BundleOptions {
  signal?: AbortSignal;
  /** Skip the client cache. */
  reload?: boolean;
}

export interface Bundle {
  context: string;
  params: Record<string, string | null>;
  keyTexts: (string | null)[];
  /** Member results by function name; members the caller may not see are absent. */
  data: Record<string, unknown>;
}

/** What any transport answered: status, parsed body, the invalidation header. */
interface Reply {
  status: number;
  body: unknown;
  header: string | null;
}

interface Send {
  /** Send the Authorization header (call/, ctx/, form submit). */
  auth: boolean;
  /** A POST a cookie-authenticated caller must prove with the CSRF token. */
  csrf: boolean;
  signal?: AbortSignal | undefined;
}

/** One WebSocket connection: calls matched to answers by id (docs 12). */
class Socket {
  private readonly pending = new Map<number, (reply: Reply) => void>();
  private nextId = 1;
  private readonly ready: Promise<void>;
  private authAnswer: ((error: unknown) => void) | null = null;
  // The server's refusal of our token: later calls answer with it as a 401, so
  // the runtime refreshes and reconnects instead of calling anonymously.
  private refusal: JsonValue | null = null;
  private closed = false;

  constructor(
    private readonly socket: WebSocketLike,
    token: string | null,
    private readonly onClosed: () => void,
  ) {
    this.ready = new Promise((resolve, reject) => {
      socket.addEventListener("open", () => {
        if (token === null) return resolve();
        this.authAnswer = (error) => {
          if (error !== undefined) {
            this.refusal = isObject(error) ? (error as JsonValue) : {};
          }
          resolve();
        };
        socket.send(canonicalJson({ auth: token }));
      });
      socket.addEventListener("error", () =>
        reject(clientError("network", "WebSocket error")),
      );
    });
    this.ready.catch(() => undefined);
    socket.addEventListener("message", (event: { data: unknown }) =>
      this.receive(event.data),
    );
    socket.addEventListener("close", () => this.shut());
  }

  private receive(data: unknown): void {
    let frame: unknown;
    try {
      frame = JSON.parse(String(data));
    } catch {
      return;
    }
    if (!isObject(frame)) return;
    if ("auth" in frame && !("id" in frame)) {
      this.authAnswer?.(frame["auth"] === true ? undefined : frame["error"]);
      this.authAnswer = null;
      return;
    }
    const id = frame["id"];
    const resolve = typeof id === "number" ? this.pending.get(id) : undefined;
    if (resolve === undefined) return; // `"id": null` answers a frame we never sent
    this.pending.delete(id as number);
    const error = frame["error"];
    const code = isObject(error) ? error["code"] : undefined;
    const status =
      typeof code === "string" && code in ERROR_STATUS
        ? ERROR_STATUS[code as ErrorCode]
        : error === undefined
          ? 200
          : 500;
    resolve({ status, body: frame, header: null });
  }

  private shut(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClosed();
    for (const resolve of this.pending.values()) {
      resolve({ status: 0, body: null, header: null });
    }
    this.pending.clear();
  }

  async call(
    fn: string,
    args: JsonValue,
    signal?: AbortSignal,
  ): Promise<Reply> {
    await this.ready;
    if (this.closed) return { status: 0, body: null, header: null };
    if (this.refusal !== null) {
      return { status: 401, body: { error: this.refusal }, header: null };
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, resolve);
      signal?.addEventListener("abort", () => {
        this.pending.delete(id);
        reject(signal.reason);
      });
      this.socket.send(canonicalJson({ id, fn, args }));
    });
  }

  close(): void {
    this.socket.close(1000);
    this.shut();
  }
}

// --- the runtime -----------------------------------------------------------------

/** Interprets the client table: calls, bundles, auth, CSRF, forms, invalidation. */
export class Runtime {
  readonly cache: ContextCache;
  private readonly options: ClientOptions;
  private readonly fetchImpl: typeof fetch;
  private readonly store: TokenStore;
  private csrfToken: string | null = null;
  private sessionPromise: Promise<{ csrf: string; protocol: number }> | null =
    null;
  private refreshPromise: Promise<Tokens> | null = null;
  private socket: Socket | null = null;
  private readonly inFlight = new Map<string, Promise<Bundle>>();

  constructor(
    readonly table: ClientTable,
    options: ClientOptions = {},
  ) {
    this.options = options;
    this.cache = options.cache ?? new ContextCache(table);
    this.fetchImpl = options.fetch ?? ((...a) => globalThis.fetch(...a));
    this.store = options.tokenStore ?? memoryTokenStore();
    if (options.onInvalidate) this.cache.onInvalidate(options.onInvalidate);
    if (options.ipc) {
      const ipc = options.ipc;
      this.subscribed = ipc.subscribe((entries) => {
        const list = bodyInvalidation(entries);
        this.invalidate(list === null ? "*" : normalizeInvalidation(list));
      });
    }
  }

  /** Settles once the IPC subscription is registered (at once over HTTP). */
  readonly subscribed: Promise<void> = Promise.resolve();

  private url(path: string): string {
    const base = (this.options.baseUrl ?? "").replace(/\/+$/, "");
    return `${base}${this.options.prefix ?? "/api/mizan/"}${path}`;
  }

  // -- sending, with the refresh and CSRF retries --

  private async headers(send: Send): Promise<Record<string, string>> {
    const extra = this.options.headers;
    const headers: Record<string, string> = {
      ...(typeof extra === "function" ? extra() : extra),
    };
    if (send.csrf && this.options.csrf !== false && !this.options.ipc) {
      if (this.csrfToken === null) await this.session();
      if (this.csrfToken !== null) headers["X-Mizan-CSRF"] = this.csrfToken;
    }
    if (send.auth && this.bearer()) {
      const tokens = await this.freshTokens();
      if (tokens !== null) headers["Authorization"] = `Bearer ${tokens.access}`;
    }
    return headers;
  }

  private bearer(): boolean {
    return (this.options.auth ?? "bearer") === "bearer";
  }

  /** Stored tokens, refreshed first when the access token is about to expire. */
  private async freshTokens(): Promise<Tokens | null> {
    const tokens = this.store.get();
    if (tokens === null) return null;
    const exp = jwtClaims(tokens.access)?.["exp"];
    const skew = this.options.refreshSkew ?? 30;
    if (typeof exp !== "number" || exp - skew > Date.now() / 1000)
      return tokens;
    try {
      return await this.refresh();
    } catch {
      return null; // refresh() cleared the tokens: go on anonymously
    }
  }

  private async fetchReply(
    method: "GET" | "POST",
    path: string,
    body: BodyInit | null,
    send: Send,
  ): Promise<Reply> {
    const headers = await this.headers(send);
    if (typeof body === "string") headers["Content-Type"] = "application/json";
    if (this.options.ipc)
      return this.options.ipc.request(method, path, headers, body);
    let response: Response;
    try {
      response = await this.fetchImpl(this.url(path), {
        method,
        headers,
        body,
        credentials: this.options.credentials ?? "same-origin",
        ...(send.signal ? { signal: send.signal } : {}),
      });
    } catch (error) {
      if (send.signal?.aborted) throw error;
      throw clientError("network", `Network error: ${String(error)}`);
    }
    const text = await response.text();
    let parsed: unknown = null;
    if (text !== "") {
      try {
        parsed = JSON.parse(text);
      } catch {
        if (response.ok)
          throw clientError("decode", "The response is not JSON.");
      }
    }
    const header = response.headers.get(INVALIDATE_HEADER);
    return { status: response.status, body: parsed, header };
  }

  /** Send (re-sendable) and retry once after a refresh or a new CSRF token. */
  private async exchange(
    attempt: () => Promise<Reply>,
    send: Send,
  ): Promise<Reply> {
    let reply = await attempt();
    const error =
      reply.status >= 400 ? errorFromBody(reply.status, reply.body) : null;
    if (
      error?.is("unauthenticated") &&
      error.details?.reason === "expired" &&
      send.auth
    ) {
      if (!this.bearer() || this.store.get() !== null) {
        await this.refresh();
        reply = await attempt();
      }
    } else if (error?.is("csrf_failed") && this.options.csrf !== false) {
      await this.session(true);
      reply = await attempt();
    }
    return reply;
  }

  private async post(
    path: string,
    body: BodyInit,
    send: Send,
  ): Promise<unknown> {
    const reply = await this.exchange(
      () => this.fetchReply("POST", path, body, send),
      send,
    );
    return this.settle(reply);
  }

  /** The body of a successful reply; its error otherwise. */
  private settle(reply: Reply): unknown {
    if (reply.status === 0)
      throw clientError("closed", "The connection closed.");
    if (
      reply.status >= 400 ||
      (isObject(reply.body) && "error" in reply.body)
    ) {
      throw errorFromBody(reply.status, reply.body);
    }
    return reply.body;
  }

  // -- session and auth (docs 9.5, 10, 14.3) --

  /** GET session/: the CSRF token (fetched once; `force` fetches again). */
  session(force = false): Promise<{ csrf: string; protocol: number }> {
    if (this.sessionPromise === null || force) {
      const send: Send = { auth: false, csrf: false };
      this.sessionPromise = this.fetchReply("GET", "session/", null, send).then(
        (reply) => {
          const body = this.settle(reply);
          if (!isObject(body) || typeof body["csrf"] !== "string") {
            throw clientError("decode", "Unexpected session/ response.");
          }
          this.csrfToken = body["csrf"];
          return { csrf: body["csrf"], protocol: Number(body["protocol"]) };
        },
      );
      this.sessionPromise.catch(() => {
        this.sessionPromise = null;
      });
    }
    return this.sessionPromise;
  }

  tokens(): Tokens | null {
    return this.store.get();
  }

  setTokens(tokens: Tokens | null): void {
    this.store.set(tokens);
    this.options.onAuthChange?.(tokens);
    this.close(); // the socket carries the old token: reconnect lazily
  }

  private acceptTokens(body: unknown): Tokens {
    if (!isTokens(body))
      throw clientError("decode", "Unexpected auth response.");
    if (this.bearer()) this.setTokens(body);
    return body;
  }

  /** POST auth/token/: sign in; identity-dependent bundles are dropped. */
  async login(credentials: JsonValue): Promise<Tokens> {
    const body = canonicalJson({ credentials });
    const send: Send = { auth: false, csrf: false };
    const tokens = this.acceptTokens(
      await this.post("auth/token/", body, send),
    );
    this.invalidate("*");
    return tokens;
  }

  /** POST auth/refresh/: rotate the tokens; concurrent callers share one request. */
  refresh(): Promise<Tokens> {
    if (this.refreshPromise === null) {
      this.refreshPromise = this.doRefresh().finally(() => {
        this.refreshPromise = null;
      });
    }
    return this.refreshPromise;
  }

  private async doRefresh(): Promise<Tokens> {
    const stored = this.bearer() ? this.store.get() : null;
    if (this.bearer() && stored === null) {
      throw new MizanError(
        "unauthenticated",
        0,
        { reason: "missing" },
        { failure: "usage" },
      );
    }
    const body = canonicalJson(
      stored === null ? {} : { refresh: stored.refresh },
    );
    const send: Send = { auth: false, csrf: stored === null };
    try {
      const reply = await this.fetchReply("POST", "auth/refresh/", body, send);
      return this.acceptTokens(this.settle(reply));
    } catch (error) {
      if (
        error instanceof MizanError &&
        error.status === 401 &&
        this.bearer()
      ) {
        this.setTokens(null);
        this.invalidate("*");
      }
      throw error;
    }
  }

  /** POST auth/logout/: spend the refresh token, forget the tokens. */
  async logout(): Promise<void> {
    const stored = this.bearer() ? this.store.get() : null;
    const body = canonicalJson(
      stored === null ? {} : { refresh: stored.refresh },
    );
    try {
      await this.post("auth/logout/", body, {
        auth: false,
        csrf: stored === null,
      });
    } finally {
      if (this.store.get() !== null) this.setTokens(null);
      this.invalidate("*");
    }
  }

  // -- invalidation --

  onInvalidate(listener: InvalidationListener): () => void {
    return this.cache.onInvalidate(listener);
  }

  invalidate(invalidation: Invalidation): void {
    this.cache.invalidate(invalidation);
  }

  covers(
    entry: InvalidationEntry,
    context: string,
    keyTexts: readonly (string | null)[],
  ): boolean {
    return covers(this.table, entry, context, keyTexts);
  }

  /** Apply what a successful mutation reply says; an unreadable header means "*". */
  private applyInvalidation(reply: Reply, body: Record<string, unknown>): void {
    const fromBody = bodyInvalidation(body["invalidate"] ?? []);
    const fromHeader =
      reply.header === null ? [] : parseInvalidateHeader(reply.header);
    if (fromBody === null || fromHeader === null || fromHeader === "*") {
      this.invalidate("*");
    } else if (fromBody.length > 0 || fromHeader.length > 0) {
      this.invalidate(normalizeInvalidation([...fromBody, ...fromHeader]));
    }
  }

  // -- calls (docs 5, 12) --

  private fn(name: string): FunctionSpec {
    const spec = this.table.functions[name];
    if (spec === undefined) {
      throw new MizanError("not_found", 0, { fn: name }, { failure: "usage" });
    }
    return spec;
  }

  /** Encode call arguments by the param types; problems as the server reports them. */
  private encodeArgs(
    params: readonly ParamSpec[],
    args: Readonly<Record<string, unknown>>,
  ): { json: Record<string, JsonValue>; files: [string, Blob][] } {
    const json: Record<string, JsonValue> = {};
    const files: [string, Blob][] = [];
    const problems: Record<string, ValueProblem> = {};
    const names = new Set(params.map((p) => p.name));
    for (const param of params) {
      const value = args[param.name];
      if (value === undefined) continue; // the server applies the default
      if (param.type.kind === "upload") {
        if (typeof Blob !== "undefined" && value instanceof Blob) {
          files.push([param.name, value]);
        } else {
          problems[param.name] = new ValueError(
            "type",
            `/${param.name}`,
            "Upload",
          ).problem;
        }
        continue;
      }
      try {
        json[param.name] = encodeValue(
          this.table.schema,
          param.type,
          value,
          pointer("", param.name),
        );
      } catch (error) {
        if (!(error instanceof ValueError)) throw error;
        problems[param.name] = error.problem;
      }
    }
    for (const name of Object.keys(args).filter((n) => !names.has(n))) {
      if (args[name] !== undefined) {
        problems[name] = new ValueError("unknown", pointer("", name)).problem;
      }
    }
    if (Object.keys(problems).length > 0) {
      throw new MizanError("invalid_arguments", 0, problems, {
        failure: "encode",
      });
    }
    return { json, files };
  }

  private webSocket(): Socket | null {
    if (this.socket !== null) return this.socket;
    const factory =
      this.options.WebSocket === undefined
        ? (globalThis as { WebSocket?: WebSocketFactory }).WebSocket
        : this.options.WebSocket;
    if (!factory) return null;
    const location = (globalThis as { location?: { href: string } }).location;
    let url: URL;
    try {
      url = new URL(this.url("ws/"), location?.href);
    } catch {
      return null; // no absolute URL to connect to: use HTTP
    }
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const token = this.bearer() ? (this.store.get()?.access ?? null) : null;
    const socket = new Socket(new factory(url.toString()), token, () => {
      if (this.socket === socket) this.socket = null;
    });
    this.socket = socket;
    return socket;
  }

  /** Call a server function with TS argument values; resolves to the decoded result. */
  async call(
    name: string,
    args: Readonly<Record<string, unknown>> = {},
    options: CallOptions = {},
  ): Promise<unknown> {
    const spec = this.fn(name);
    const { json, files } = this.encodeArgs(spec.params, args);
    const send: Send = {
      auth: true,
      csrf: spec.kind === "mutation",
      signal: options.signal,
    };
    let attempt: () => Promise<Reply>;
    if (spec.multipart) {
      const form = new FormData();
      form.append("fn", name);
      form.append("args", canonicalJson(json));
      for (const [param, blob] of files) {
        const filename =
          typeof File !== "undefined" && blob instanceof File ? blob.name : "";
        form.append(param, blob, filename);
      }
      attempt = () => this.fetchReply("POST", "call/", form, send);
    } else {
      const viaSocket =
        !this.options.ipc &&
        (options.transport === "websocket" ||
          (spec.websocket && options.transport !== "http"));
      const body = canonicalJson({ fn: name, args: json });
      attempt = async () => {
        // The socket is (re)opened with the current token; HTTP when none can be.
        if (viaSocket && send.auth) await this.freshTokens();
        const socket = viaSocket ? this.webSocket() : null;
        return socket
          ? socket.call(name, json, options.signal)
          : this.fetchReply("POST", "call/", body, send);
      };
    }
    const reply = await this.exchange(attempt, send);
    const body = this.settle(reply);
    if (!isObject(body))
      throw clientError("decode", "Unexpected call/ response.");
    const result = this.decodeResult(spec.returns, body["result"], "/result");
    this.applyInvalidation(reply, body);
    return result;
  }

  private decodeResult(
    type: TypeRef | null,
    value: unknown,
    path: string,
  ): unknown {
    if (type === null) return null;
    try {
      return decodeValue(this.table.schema, type, value);
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      const where = path + error.problem.path;
      throw clientError("decode", error.problem.message, where);
    }
  }

  // -- context bundles (docs 6) --

  /** Key texts of a context's key values, in key order (defaults applied). */
  keyTexts(
    context: string,
    keys: Readonly<Record<string, unknown>> = {},
  ): (string | null)[] {
    const spec = this.table.contexts[context];
    if (spec === undefined) {
      throw new MizanError("not_found", 0, { context }, { failure: "usage" });
    }
    const problems: Record<string, ValueProblem> = {};
    const texts = spec.keys.map((key) => {
      const value = keys[key.name] ?? key.default ?? null;
      try {
        const text = keyText(key.type, value);
        if (text === null && key.type.kind !== "nullable") {
          throw new ValueError("required", pointer("", key.name));
        }
        return text;
      } catch (error) {
        if (!(error instanceof ValueError)) throw error;
        const { code, message } = error.problem;
        problems[key.name] = { code, message, path: pointer("", key.name) };
        return null;
      }
    });
    if (Object.keys(problems).length > 0) {
      throw new MizanError("invalid_arguments", 0, problems, {
        failure: "encode",
      });
    }
    return texts;
  }

  queryKey(
    context: string,
    keys: Readonly<Record<string, unknown>> = {},
  ): readonly unknown[] {
    return queryKey(context, this.keyTexts(context, keys));
  }

  /** GET ctx/<context>/: every member's result in one request, decoded. */
  bundle(
    context: string,
    keys: Readonly<Record<string, unknown>> = {},
    options: BundleOptions = {},
  ): Promise<Bundle> {
    const keyTexts = this.keyTexts(context, keys);
    const cached = options.reload
      ? undefined
      : this.cache.get(context, keyTexts);
    if (cached !== undefined) {
      const params = keyParams(this.table, context, keyTexts);
      return Promise.resolve({ context, params, keyTexts, data: cached.data });
    }
    const slot = JSON.stringify([context, ...keyTexts]);
    let pending = this.inFlight.get(slot);
    if (pending === undefined || options.reload) {
      pending = this.fetchBundle(context, keyTexts, options.signal).finally(
        () => {
          if (this.inFlight.get(slot) === pending) this.inFlight.delete(slot);
        },
      );
      this.inFlight.set(slot, pending);
    }
    return pending;
  }

  private async fetchBundle(
    context: string,
    keyTexts: (string | null)[],
    signal?: AbortSignal,
  ): Promise<Bundle> {
    const spec = this.table.contexts[context]!;
    const query = new URLSearchParams();
    spec.keys.forEach((key, i) => {
      const text = keyTexts[i];
      if (text !== null && text !== undefined) query.append(key.name, text);
    });
    const search = query.toString();
    const path = `ctx/${encodeURIComponent(context)}/${search ? `?${search}` : ""}`;
    const generation = this.cache.generation;
    const send: Send = { auth: true, csrf: false, signal };
    const reply = await this.exchange(
      () => this.fetchReply("GET", path, null, send),
      send,
    );
    const body = this.settle(reply);
    if (
      !isObject(body) ||
      !isObject(body["data"]) ||
      !isObject(body["params"])
    ) {
      throw clientError("decode", "Unexpected ctx/ response.");
    }
    const wireData = body["data"];
    const data: Record<string, unknown> = {};
    for (const member of spec.members) {
      if (!hasOwn(wireData, member)) continue; // left out: the caller may not see it
      const returns = this.table.functions[member]?.returns ?? null;
      data[member] = this.decodeResult(
        returns,
        wireData[member],
        pointer("/data", member),
      );
    }
    const params = body["params"] as Record<string, string | null>;
    const texts = spec.keys.map((key) => params[key.name] ?? null);
    // A bundle computed while an invalidation happened may be stale: not stored.
    if (this.cache.generation === generation)
      this.cache.set(context, texts, data);
    return { context, params, keyTexts: texts, data };
  }

  // -- forms (docs 13) --

  formSchema(name: string): FormSchema {
    const schema = this.table.forms[name];
    if (schema === undefined) {
      throw new MizanError(
        "not_found",
        0,
        { form: name },
        { failure: "usage" },
      );
    }
    return schema;
  }

  validateForm(
    name: string,
    values: Readonly<Record<string, unknown>>,
  ): FormResult {
    return validateForm(this.formSchema(name), values);
  }

  /** POST form/<name>/submit/: resolves to the submit function's decoded result. */
  async submitForm(
    name: string,
    values: Readonly<Record<string, unknown>>,
  ): Promise<unknown> {
    const schema = this.formSchema(name);
    const wire = Object.fromEntries(
      Object.entries(values)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, v instanceof Date ? datetimeText(v) : v]),
    );
    const send: Send = { auth: true, csrf: true };
    const path = `form/${encodeURIComponent(name)}/submit/`;
    const body = canonicalJson(wire);
    const reply = await this.exchange(
      () => this.fetchReply("POST", path, body, send),
      send,
    );
    const result = this.settle(reply);
    if (!isObject(result))
      throw clientError("decode", "Unexpected submit response.");
    const returns = this.table.functions[schema.submit]?.returns ?? null;
    const decoded = this.decodeResult(returns, result["result"], "/result");
    this.applyInvalidation(reply, result);
    return decoded;
  }

  /** Close the WebSocket, if one is open. */
  close(): void {
    this.socket?.close();
    this.socket = null;
  }
}

export function createRuntime(
  table: ClientTable,
  options?: ClientOptions,
): Runtime {
  if (table.runtime !== undefined) requireRuntime(table.runtime);
  return new Runtime(table, options);
}
