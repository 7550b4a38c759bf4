// The framework-neutral server dispatcher: every endpoint of the protocol
// on web-standard Request and Response (docs/protocol.md), interpreting the
// server table a generated server embeds. A web layer (the generated Hono
// app) only matches routes and hands each request here with its handler,
// subject and mount prefix, so every layer answers the same bytes.

import {
  CSRF_COOKIE,
  CSRF_HEADER,
  type Claims,
  type JsonValue,
  type JwtConfig,
  MWT_COOKIE,
  MWT_TTL,
  MizanError,
  type ParamSpec,
  type SchemaTable,
  type Secret,
  TokenError,
  cacheIdentity,
  cacheKey,
  canonicalJson,
  checkCsrf,
  checkUpload,
  decodeArgs,
  decodeQuery,
  encodeValue,
  errorBody,
  formatInvalidateHeader,
  guardAllows,
  isObject,
  isValidCsrfToken,
  makeCsrfToken,
  mediaType,
  mintJwt,
  mintMwt,
  parseJsonStrict,
  serverError,
  validateForm,
  jwtKeys,
  usesKeyPair,
  verifyJwt,
  type JwtKey,
  type JwtKeys,
  type AuthRuleJson,
  type FormSchema,
  type FunctionSpec,
  type ContextSpec,
  type InvalidationEntry,
  computeInvalidation,
  keyText,
  pointer,
  ValueError,
  edgeManifest,
  type ManifestContext,
} from "./server.js";
import { spawn } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";

export const ACCESS_COOKIE = "mizan_access";
export const REFRESH_COOKIE = "mizan_refresh";
export const MAX_BODY_SIZE = 1024 * 1024;
const JSON_TYPE = "application/json";
const TEXT_TYPE = "text/plain; charset=utf-8";
const HTML_TYPE = "text/html; charset=utf-8";
const DEFAULT_JWT: JwtConfig = {
  algorithm: "HS256",
  issuer: null,
  audience: null,
  access_ttl: 900,
  refresh_ttl: 1209600,
};

/** The server table of a generated server (spec.ts). */
export interface ServerTable {
  readonly schema: SchemaTable;
  readonly functions: Readonly<Record<string, FunctionSpec>>;
  readonly contexts: Readonly<Record<string, ContextSpec>>;
  readonly forms: Readonly<Record<string, FormSchema>>;
  readonly auth: { readonly used: boolean; readonly jwt: JwtConfig | null };
}

/** What a generated server embeds: the table, the manifest's contexts, the IR. */
export interface ServerSpec {
  readonly table: ServerTable;
  readonly manifest: Readonly<Record<string, ManifestContext>>;
  readonly irKdl: string;
}

/** Who is calling: verified access-token claims (null: anonymous). */
export interface Caller {
  readonly claims: Claims | null;
  readonly subject: string | null;
  readonly transport: "http" | "websocket";
  /** The identity came from the access cookie: mutations need the CSRF check. */
  readonly viaCookie: boolean;
}

/** Who a credential belongs to: the subject and its extra claims. */
export interface Identity {
  readonly subject: string;
  readonly claims?: Claims;
}

/** A decoded upload part, as a service method receives it. */
export interface Upload {
  readonly filename: string;
  readonly contentType: string;
  readonly data: Uint8Array;
}

export type Invoke = (caller: Caller, args: Record<string, unknown>) => unknown;

/** The service as the dispatcher calls it (the generated registry builds it). */
export interface Bound {
  readonly functions: Readonly<Record<string, Invoke>>;
  readonly authenticate?: (credentials: unknown) => unknown;
  readonly identityOf?: (subject: string) => unknown;
}

/** The origin cache of context bundles (docs 8). */
export interface BundleCache {
  get(key: string): Promise<Uint8Array | null> | Uint8Array | null;
  generation(context: string): Promise<number> | number;
  put(
    key: string,
    context: string,
    params: Readonly<Record<string, string | null>>,
    data: Uint8Array,
    ttl: number,
    generation: number,
  ): Promise<void> | void;
  invalidate(entries: readonly InvalidationEntry[]): Promise<void> | void;
}

/** Refresh token ids already spent (one use each). */
export interface UsedTokens {
  use(jti: string, exp: number): Promise<boolean> | boolean;
}

/** Turns a bundle (its canonical JSON bytes) into an HTML page. */
export interface Renderer {
  render(context: string, bundle: Uint8Array): Promise<Uint8Array>;
}

/** The SSR bridge: a command run once per page, the bundle on its stdin and
 * the page's HTML on its stdout; a non-zero exit or a timeout is `internal`. */
export class SubprocessRenderer implements Renderer {
  constructor(
    private readonly command: readonly string[],
    private readonly timeoutMs = 10_000,
    private readonly onError: (message: string) => void = () => {},
  ) {
    if (command.length === 0)
      throw new TypeError("the renderer needs a command");
  }

  render(context: string, bundle: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.command[0]!, this.command.slice(1), {
        stdio: ["pipe", "pipe", "pipe"],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        this.onError(`the renderer timed out on context ${context}`);
        reject(serverError("internal", null));
      }, this.timeoutMs);
      child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
      child.on("error", (error) => {
        clearTimeout(timer);
        this.onError(`the renderer did not start: ${error.message}`);
        reject(serverError("internal", null));
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        if (code === 0) {
          resolve(new Uint8Array(Buffer.concat(out)));
        } else {
          this.onError(
            `the renderer failed on context ${context} (exit ${code}): ` +
              Buffer.concat(err).toString("utf8").slice(-2000),
          );
          reject(serverError("internal", null));
        }
      });
      child.stdin.on("error", () => {}); // a renderer that exits early
      child.stdin.end(bundle);
    });
  }
}

export interface DispatchConfig {
  /** Signs CSRF tokens and cache keys; the JWT key unless `jwtKey` is given. */
  readonly secret: Secret;
  readonly maxBodySize?: number;
  /** Signs access and refresh tokens: the shared secret of HS256/384/512
   * (default: `secret`), or the private key of RS256 and ES256 (a KeyObject
   * or PEM text). */
  readonly jwtKey?: JwtKey;
  /** Verifies tokens: RS256 and ES256 only, the public key (default: the
   * one of `jwtKey`); a server that only checks tokens gives this alone. */
  readonly jwtVerifyKey?: JwtKey;
  readonly mwtSecret?: Secret;
  readonly cache?: BundleCache;
  readonly usedTokens?: UsedTokens;
  /** Seconds since the epoch (tests move the clock). */
  readonly now?: () => number;
  /** The SSR bridge (`GET render/<context>/`): a Renderer or a command such
   * as ["node", "render.mjs"]; without it render/ is 404. */
  readonly renderer?: Renderer | readonly string[];
  /** Called with the error a service method threw (the answer is `internal`). */
  readonly onError?: (error: unknown, where: string) => void;
}

/** Thrown at startup when the service lacks methods of the spec. */
export class ServiceError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = "ServiceError";
  }
}

/** Fail at once, naming every missing method. */
export function checkService(
  service: object,
  names: readonly string[],
  typeName = "the service",
): void {
  const record = service as Record<string, unknown>;
  const missing = [...names]
    .sort()
    .filter((name) => typeof record[name] !== "function");
  if (missing.length > 0) {
    throw new ServiceError(
      `${typeName} does not implement ${missing.length} method(s) of the spec: ` +
        `${missing.join(", ")}. Add a method for each (service.ts).`,
    );
  }
}

// --- the in-memory bundle cache -----------------------------------------------------

interface Stored {
  readonly context: string;
  readonly params: Readonly<Record<string, string | null>>;
  readonly data: Uint8Array;
  readonly expires: number;
}

/** One process's origin cache: entries expire after their ttl; an
 * invalidation drops what it covers and bumps the context's generation (a
 * bundle computed across an invalidation is not stored). */
export class MemoryBundleCache implements BundleCache {
  private readonly entries = new Map<string, Stored>();
  private readonly generations = new Map<string, number>();
  constructor(private readonly clock: () => number = () => Date.now() / 1000) {}

  get(key: string): Uint8Array | null {
    const entry = this.entries.get(key);
    if (entry === undefined) return null;
    if (this.clock() >= entry.expires) {
      this.entries.delete(key);
      return null;
    }
    return entry.data;
  }

  generation(context: string): number {
    return this.generations.get(context) ?? 0;
  }

  put(
    key: string,
    context: string,
    params: Readonly<Record<string, string | null>>,
    data: Uint8Array,
    ttl: number,
    generation: number,
  ): void {
    if (this.generation(context) !== generation) return;
    this.entries.set(key, {
      context,
      params,
      data,
      expires: this.clock() + ttl,
    });
  }

  invalidate(entries: readonly InvalidationEntry[]): void {
    for (const entry of entries) {
      this.generations.set(entry.context, this.generation(entry.context) + 1);
      for (const [key, stored] of this.entries) {
        if (stored.context !== entry.context) continue;
        const covered = Object.entries(entry.params).every(
          ([name, value]) => stored.params[name] === value,
        );
        if (covered) this.entries.delete(key);
      }
    }
  }
}

/** Spent refresh tokens in memory, forgotten after they expire. */
export class MemoryUsedTokens implements UsedTokens {
  private readonly spent = new Map<string, number>();
  constructor(private readonly clock: () => number = () => Date.now() / 1000) {}

  use(jti: string, exp: number): boolean {
    const now = this.clock();
    for (const [id, expires] of this.spent) {
      if (expires <= now) this.spent.delete(id);
    }
    if (this.spent.has(jti)) return false;
    this.spent.set(jti, exp);
    return true;
  }
}

// --- answers ------------------------------------------------------------------------

interface Cookie {
  readonly name: string;
  readonly value: string;
  readonly maxAge?: number;
  readonly path?: string;
  readonly sameSite?: "Lax" | "Strict";
}

interface Answer {
  readonly body?: unknown;
  readonly content?: Uint8Array | string;
  readonly status?: number;
  readonly mediaType?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly invalidate?: string | null;
  readonly cookies?: readonly Cookie[];
}

const UTF8 = new TextEncoder();

function respond(answer: Answer, secure: () => boolean): Response {
  const headers: [string, string][] = [["cache-control", "no-store"]];
  for (const name in answer.headers)
    headers.push([name, answer.headers[name]!]);
  headers.push(["content-type", answer.mediaType ?? JSON_TYPE]);
  if (answer.invalidate != null) {
    headers.push(["x-mizan-invalidate", answer.invalidate]);
  }
  for (const cookie of answer.cookies ?? []) {
    let text = `${cookie.name}=${cookie.value}`;
    if (cookie.maxAge !== undefined) text += `; Max-Age=${cookie.maxAge}`;
    text += `; Path=${cookie.path ?? "/"}; SameSite=${cookie.sameSite ?? "Lax"}`;
    text += secure() ? "; Secure; HttpOnly" : "; HttpOnly";
    headers.push(["set-cookie", text]);
  }
  // A JSON body goes as text: undici encodes it without a byte stream.
  const content = answer.content ?? canonicalJson(answer.body ?? null);
  return new Response(content as BodyInit, {
    status: answer.status ?? 200,
    headers,
  });
}

/** The protocol's error response (a 401 also names the Bearer scheme). */
export function errorResponse(
  error: MizanError,
  allow: string | null = null,
): Response {
  const headers: Record<string, string> = {};
  if (error.code === "unauthenticated") headers["www-authenticate"] = "Bearer";
  if (allow !== null) headers["allow"] = allow;
  return respond(
    {
      body: errorBody(error.code, error.details),
      status: error.status,
      headers,
    },
    () => false,
  );
}

// --- reading requests ---------------------------------------------------------------

/** The cookies of a Cookie header; a name given twice keeps its first value. */
export function cookieMap(header: string | null): Map<string, string> {
  const found = new Map<string, string>();
  if (header === null) return found;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name && !found.has(name)) found.set(name, part.slice(eq + 1).trim());
  }
  return found;
}

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

function percentDecode(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === 0x25 && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (char === 0x2b) {
      bytes.push(0x20);
    } else if (char < 0x80) {
      bytes.push(char);
    } else {
      bytes.push(...UTF8.encode(text[i]!));
    }
  }
  return STRICT_UTF8.decode(Uint8Array.from(bytes));
}

/** The query's (name, value) pairs, blank values kept; throws bad_request. */
export function queryPairs(url: string): [string, string][] {
  const mark = url.indexOf("?");
  if (mark < 0) return [];
  const hash = url.indexOf("#", mark);
  const query = url.slice(mark + 1, hash < 0 ? undefined : hash);
  const pairs: [string, string][] = [];
  try {
    for (const piece of query.split("&")) {
      if (!piece) continue;
      const eq = piece.indexOf("=");
      const name = eq < 0 ? piece : piece.slice(0, eq);
      const value = eq < 0 ? "" : piece.slice(eq + 1);
      pairs.push([percentDecode(name), percentDecode(value)]);
    }
  } catch {
    throw serverError("bad_request", { reason: "query" });
  }
  return pairs;
}

/** The body within `limit` bytes; null when it is over. */
export async function readBody(
  request: Request,
  limit: number,
): Promise<Uint8Array | null> {
  const declared = request.headers.get("content-length");
  const length =
    declared !== null && /^[0-9]+$/.test(declared) ? Number(declared) : null;
  if (length !== null && length > limit) return null;
  if (request.body === null) return new Uint8Array(0);
  if (length !== null) {
    // A declared length within the limit: read it whole (checked again).
    const whole = new Uint8Array(await request.arrayBuffer());
    return whole.length > limit ? null : whole;
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

// --- multipart ------------------------------------------------------------------------

interface Part {
  readonly name: string;
  readonly filename: string | null;
  readonly contentType: string | null;
  readonly data: Uint8Array;
}

function indexOfBytes(
  hay: Uint8Array,
  needle: Uint8Array,
  from: number,
): number {
  outer: for (let i = from; i <= hay.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (hay[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

function headerParam(header: string, name: string): string | null {
  const match = new RegExp(
    `;\\s*${name}="([^"]*)"|;\\s*${name}=([^;\\s]+)`,
    "i",
  ).exec(header);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

/** The parts of a multipart/form-data body; throws bad_request (multipart). */
function parseMultipart(body: Uint8Array, contentType: string | null): Part[] {
  const broken = serverError("bad_request", { reason: "multipart" });
  const boundary = contentType ? headerParam(contentType, "boundary") : null;
  if (!boundary) throw broken;
  const delimiter = UTF8.encode(`--${boundary}`);
  let at = indexOfBytes(body, delimiter, 0);
  if (at < 0) throw broken;
  const parts: Part[] = [];
  const latin1 = new TextDecoder("latin1");
  for (;;) {
    at += delimiter.length;
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return parts; // closing --
    if (body[at] !== 0x0d || body[at + 1] !== 0x0a) throw broken;
    at += 2;
    const headEnd = indexOfBytes(body, UTF8.encode("\r\n\r\n"), at);
    if (headEnd < 0) throw broken;
    const head = latin1.decode(body.subarray(at, headEnd));
    const next = indexOfBytes(
      body,
      UTF8.encode(`\r\n--${boundary}`),
      headEnd + 4,
    );
    if (next < 0) throw broken;
    const data = body.slice(headEnd + 4, next);
    let disposition: string | null = null;
    let type: string | null = null;
    for (const line of head.split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon < 0) throw broken;
      const key = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (key === "content-disposition") disposition = value;
      else if (key === "content-type") type = value;
    }
    if (disposition === null || !/^form-data\b/i.test(disposition))
      throw broken;
    const name = headerParam(disposition, "name");
    if (name === null) throw broken;
    parts.push({
      name,
      filename: headerParam(disposition, "filename"),
      contentType: type,
      data,
    });
    at = next + 2;
  }
}

// --- the dispatcher -------------------------------------------------------------------

function deriveSecret(secret: Secret, purpose: string): Uint8Array {
  return new Uint8Array(
    createHmac("sha256", secret)
      .update(`mizan-derive-v1\u0000${purpose}`)
      .digest(),
  );
}

export interface RequestContext {
  /** The mount prefix the request came in under (ends with "/"). */
  readonly prefix: string;
}

/** Serves one service from the server table. */
export class Dispatcher {
  readonly maxBodySize: number;
  private readonly table: ServerTable;
  private readonly jwt: JwtConfig;
  private readonly cache: BundleCache;
  private readonly used: UsedTokens;
  private readonly mwtSecret: Secret;
  private readonly jwtKey: JwtKeys;
  private readonly now: () => number;
  private readonly extras = new Map<string, Record<string, unknown>>();
  private readonly renderer: Renderer | null;
  private readonly keyTypes: Record<string, readonly ParamSpec[]>;

  constructor(
    private readonly spec: ServerSpec,
    private readonly bound: Bound,
    private readonly config: DispatchConfig,
  ) {
    if (!config.secret || config.secret.length === 0) {
      throw new TypeError("a non-empty secret is needed");
    }
    this.table = spec.table;
    this.jwt = spec.table.auth.jwt ?? DEFAULT_JWT;
    this.maxBodySize = config.maxBodySize ?? MAX_BODY_SIZE;
    this.now = config.now ?? (() => Math.floor(Date.now() / 1000));
    const clock = this.now;
    this.cache = config.cache ?? new MemoryBundleCache(clock);
    this.used = config.usedTokens ?? new MemoryUsedTokens(clock);
    this.jwtKey = jwtKeys(
      this.jwt.algorithm,
      config.jwtKey ?? (usesKeyPair(this.jwt.algorithm) ? null : config.secret),
      config.jwtVerifyKey ?? null,
    );
    this.mwtSecret = config.mwtSecret ?? deriveSecret(config.secret, "mwt");
    this.keyTypes = Object.fromEntries(
      Object.entries(this.table.contexts).map(([name, c]) => [name, c.keys]),
    );
    const renderer = config.renderer;
    this.renderer =
      renderer === undefined
        ? null
        : Array.isArray(renderer)
          ? new SubprocessRenderer(
              renderer as readonly string[],
              10_000,
              (message) => config.onError?.(new Error(message), "render"),
            )
          : (renderer as Renderer);
    // A bundle passes each member its keys; its other params take their defaults.
    for (const [name, context] of Object.entries(this.table.contexts)) {
      const keys = new Set(context.keys.map((key) => key.name));
      for (const member of context.members) {
        const params = this.table.functions[member]!.params.filter(
          (param) => !keys.has(param.name),
        );
        this.extras.set(
          `${name}\u0000${member}`,
          decodeArgs(this.table.schema, params, {}),
        );
      }
    }
  }

  /** Answer one matched route; every failure becomes its error answer. */
  async serve(
    handler: string,
    subject: string | null,
    request: Request,
    context: RequestContext,
  ): Promise<Response> {
    const secure = (): boolean => request.url.startsWith("https:");
    try {
      let body: Uint8Array = new Uint8Array(0);
      if (request.method === "POST") {
        const read = await readBody(request, this.maxBodySize);
        if (read === null) throw this.tooLarge();
        body = read;
      }
      return respond(
        await this.answer(handler, subject ?? "", request, body, context),
        secure,
      );
    } catch (error) {
      if (error instanceof MizanError) return errorResponse(error);
      this.config.onError?.(error, handler);
      return errorResponse(serverError("internal", null));
    }
  }

  tooLarge(): MizanError {
    return serverError("payload_too_large", { limit: this.maxBodySize });
  }

  private async answer(
    handler: string,
    subject: string,
    request: Request,
    body: Uint8Array,
    context: RequestContext,
  ): Promise<Answer> {
    switch (handler) {
      case "session":
        return this.session(request);
      case "call":
        return this.callRequest(request, body);
      case "bundle":
        return this.bundle(subject, request);
      case "manifest":
        return { body: edgeManifest(this.spec.manifest, context.prefix) };
      case "ir":
        return { content: UTF8.encode(this.spec.irKdl), mediaType: TEXT_TYPE };
      case "form_schema":
        return { body: this.formSchema(subject) };
      case "form_validate":
        return this.formValidate(subject, jsonBody(request, body));
      case "form_submit":
        this.formSchema(subject);
        return this.formSubmit(subject, request, body);
      case "render":
        return this.render(subject, request);
      case "auth_token":
      case "auth_refresh":
      case "auth_logout":
      case "auth_mwt":
        return this.authEndpoint(handler, request, body, context);
    }
    throw serverError("not_found", null);
  }

  // --- calls -------------------------------------------------------------------

  private async callRequest(
    request: Request,
    body: Uint8Array,
  ): Promise<Answer> {
    const contentType = request.headers.get("content-type");
    const media = mediaType(contentType);
    let call: unknown;
    let files: Part[] | null = null;
    if (media === "multipart/form-data") {
      [call, files] = multipartCall(body, contentType);
    } else {
      call = jsonOf(media, body);
    }
    const [name, args] = callShape(call);
    const fn = hasFunction(this.table, name)
      ? this.table.functions[name]!
      : null;
    if (fn === null) throw serverError("not_found", { fn: name });
    if (fn.multipart !== (files !== null)) {
      throw serverError("unsupported_media_type", { content_type: media });
    }
    const caller = this.identify(request);
    if (fn.kind === "mutation" && caller.viaCookie) this.checkCsrf(request);
    return this.call(name, args, caller, files);
  }

  /** A call whose function exists and whose caller is known. */
  async call(
    name: string,
    args: Record<string, unknown>,
    caller: Caller,
    files: Part[] | null = null,
  ): Promise<Answer> {
    const fn = this.table.functions[name]!;
    authorize(fn.auth, caller);
    const decoded = this.decodeCallArgs(fn, args, files);
    const result = await this.invoke(name, decoded, caller);
    const entries =
      fn.invalidates.length === 0
        ? []
        : computeInvalidation(
            fn.invalidates,
            this.keyTypes,
            fn.params,
            this.wireArgs(fn, decoded),
          );
    if (entries.length > 0) await this.cache.invalidate(entries);
    return {
      body: { invalidate: entries as unknown as JsonValue, result },
      invalidate: formatInvalidateHeader(entries),
    };
  }

  /** Decoded args back in wire form (what invalidation scoping reads). */
  private wireArgs(
    fn: FunctionSpec,
    decoded: Record<string, unknown>,
  ): Record<string, JsonValue> {
    const wire: Record<string, JsonValue> = {};
    for (const param of fn.params) {
      if (param.upload !== undefined || !(param.name in decoded)) continue;
      wire[param.name] = encodeValue(
        this.table.schema,
        param.type,
        decoded[param.name],
      );
    }
    return wire;
  }

  private decodeCallArgs(
    fn: FunctionSpec,
    args: Record<string, unknown>,
    files: Part[] | null,
  ): Record<string, unknown> {
    let problems: Record<string, unknown> = {};
    let decoded: Record<string, unknown> = {};
    try {
      decoded = decodeArgs(this.table.schema, fn.params, args);
    } catch (error) {
      if (!(error instanceof MizanError) || !error.is("invalid_arguments"))
        throw error;
      problems = { ...error.details };
    }
    if (files === null) {
      if (Object.keys(problems).length > 0) throw invalidArguments(problems);
      return decoded;
    }
    const uploads = fn.params.filter((param) => param.upload !== undefined);
    const given = new Map(files.map((part) => [part.name, part]));
    for (const param of uploads) {
      if (!given.has(param.name) && !(param.name in problems)) {
        problems[param.name] = new ValueError(
          "required",
          pointer("", param.name),
        ).problem;
      }
    }
    for (const name of given.keys()) {
      if (!uploads.some((param) => param.name === name)) {
        problems[name] = new ValueError("unknown", pointer("", name)).problem;
      }
    }
    if (Object.keys(problems).length > 0) throw invalidArguments(problems);
    for (const param of uploads) {
      const part = given.get(param.name)!;
      const limits = param.upload!;
      checkUpload(
        param.name,
        limits.max_size,
        limits.content_types,
        part.data.length,
        part.contentType,
      );
      decoded[param.name] = {
        filename: part.filename ?? "",
        contentType: mediaType(part.contentType),
        data: part.data,
      } satisfies Upload;
    }
    return decoded;
  }

  /** Call the service method; its result, encoded in wire form. */
  private async invoke(
    name: string,
    args: Record<string, unknown>,
    caller: Caller,
  ): Promise<JsonValue> {
    const fn = this.table.functions[name]!;
    let value: unknown;
    try {
      value = await this.bound.functions[name]!(caller, args);
    } catch (error) {
      if (error instanceof MizanError) throw error;
      this.config.onError?.(error, name);
      throw serverError("internal", null);
    }
    if (fn.returns === null) return null;
    try {
      return encodeValue(this.table.schema, fn.returns, value);
    } catch (error) {
      this.config.onError?.(error, name);
      throw serverError("internal", null);
    }
  }

  // --- bundles -------------------------------------------------------------------

  private async bundle(name: string, request: Request): Promise<Answer> {
    const context = hasOwnContext(this.table, name)
      ? this.table.contexts[name]!
      : null;
    if (context === null) throw serverError("not_found", { context: name });
    const pairs = queryPairs(request.url);
    let caller = this.identify(request);
    authorize(context.auth, caller);
    if (context.cache.vary === "public") caller = anonymous(caller.transport);
    const { values, texts } = decodeQuery(
      this.table.schema,
      context.keys,
      pairs,
    );
    const ttl = context.cache.ttl;
    if (ttl <= 0)
      return { content: await this.bundleBytes(name, values, texts, caller) };
    const identity = cacheIdentity(context.cache.vary, caller.subject);
    const key = cacheKey(this.config.secret, name, texts, identity);
    const stored = await this.cache.get(key);
    if (stored !== null)
      return { content: stored, headers: { "x-mizan-cache": "hit" } };
    const generation = await this.cache.generation(name);
    const data = await this.bundleBytes(name, values, texts, caller);
    await this.cache.put(key, name, texts, data, ttl, generation);
    return { content: data, headers: { "x-mizan-cache": "miss" } };
  }

  /** The SSR bridge: the bundle, rendered to HTML by the renderer. */
  private async render(name: string, request: Request): Promise<Answer> {
    if (this.renderer === null || !hasOwnContext(this.table, name)) {
      throw serverError("not_found", null);
    }
    const bundle = await this.bundle(name, request);
    const html = await this.renderer.render(name, bundle.content as Uint8Array);
    return {
      content: html,
      mediaType: HTML_TYPE,
      headers: bundle.headers ?? {},
    };
  }

  private async bundleBytes(
    name: string,
    keys: Record<string, unknown>,
    params: Record<string, string | null>,
    caller: Caller,
  ): Promise<Uint8Array> {
    const data: Record<string, JsonValue> = {};
    for (const member of this.table.contexts[name]!.members) {
      if (!allows(this.table.functions[member]!.auth, caller)) continue;
      const args = { ...this.extras.get(`${name}\u0000${member}`), ...keys };
      data[member] = await this.invoke(member, args, caller);
    }
    return UTF8.encode(canonicalJson({ context: name, data, params }));
  }

  // --- forms ----------------------------------------------------------------------

  private formSchema(name: string): FormSchema {
    const schema = Object.prototype.hasOwnProperty.call(this.table.forms, name)
      ? this.table.forms[name]!
      : null;
    if (schema === null) throw serverError("not_found", { form: name });
    return schema;
  }

  private formValidate(name: string, data: unknown): Answer {
    const schema = this.formSchema(name);
    if (!isObject(data)) throw serverError("bad_request", { reason: "shape" });
    const result = validateForm(schema, data as Record<string, unknown>);
    if (!result.valid) throw serverError("validation_failed", result.errors);
    return { body: { data: result.data, valid: true } };
  }

  private async formSubmit(
    name: string,
    request: Request,
    body: Uint8Array,
  ): Promise<Answer> {
    const data = jsonBody(request, body);
    if (!isObject(data)) throw serverError("bad_request", { reason: "shape" });
    const schema = this.table.forms[name]!;
    const caller = this.identify(request);
    if (caller.viaCookie) this.checkCsrf(request);
    authorize(this.table.functions[schema.submit]!.auth, caller);
    const result = validateForm(schema, data as Record<string, unknown>);
    if (!result.valid) throw serverError("validation_failed", result.errors);
    const args: Record<string, unknown> = {};
    for (const param of this.table.functions[schema.submit]!.params) {
      if (param.name in result.data) {
        args[param.name] = formArg(param, result.data[param.name]!);
      }
    }
    return this.call(schema.submit, args, caller);
  }

  // --- identity, CSRF and the auth endpoints ------------------------------------------

  /** The caller of a request; a presented credential must verify (401). */
  identify(request: Request, transport: "http" | "websocket" = "http"): Caller {
    const header = request.headers.get("authorization");
    if (header !== null) {
      return caller(this.verifyBearer(header), transport, false);
    }
    const cookie = cookieMap(request.headers.get("cookie")).get(ACCESS_COOKIE);
    if (cookie !== undefined)
      return caller(this.verify(cookie, "access"), transport, true);
    return anonymous(transport);
  }

  private verifyBearer(header: string): Claims {
    const trimmed = header.trim();
    const space = trimmed.indexOf(" ");
    const scheme = space < 0 ? trimmed : trimmed.slice(0, space);
    const token = space < 0 ? "" : trimmed.slice(space + 1).trim();
    if (scheme.toLowerCase() !== "bearer" || !token) {
      throw serverError("unauthenticated", { reason: "malformed" });
    }
    return this.verify(token, "access");
  }

  /** The session of a WebSocket upgrade; throws (401) when its
   * Authorization header does not verify: refuse the upgrade then. */
  openSocket(request: Request): WsSession {
    const header = request.headers.get("authorization");
    const who =
      header === null
        ? anonymous("websocket")
        : caller(this.verifyBearer(header), "websocket", false);
    return new WsSession(this, who, (token) => this.verify(token, "access"));
  }

  /** A socket caller whose token expired since is refused at every call. */
  stillValid(who: Caller): Caller {
    if (who.claims !== null && this.now() >= (who.claims["exp"] as number)) {
      throw serverError("unauthenticated", { reason: "expired" });
    }
    return who;
  }

  /** A call over the WebSocket: only functions declared websocket=#true. */
  async socketCall(
    name: string,
    args: Record<string, unknown>,
    who: Caller,
  ): Promise<JsonValue> {
    const fn = hasFunction(this.table, name)
      ? this.table.functions[name]!
      : null;
    if (fn === null || !fn.websocket)
      throw serverError("not_found", { fn: name });
    if (fn.multipart) {
      throw serverError("unsupported_media_type", { content_type: JSON_TYPE });
    }
    const answer = await this.call(name, args, this.stillValid(who));
    return answer.body as JsonValue;
  }

  private verify(token: string, typ: "access" | "refresh"): Claims {
    try {
      return verifyJwt(this.jwt, this.jwtKey.verify, token, typ, this.now());
    } catch (error) {
      if (error instanceof TokenError) {
        throw serverError("unauthenticated", { reason: error.reason });
      }
      throw error;
    }
  }

  private checkCsrf(request: Request): void {
    const reason = checkCsrf(
      this.config.secret,
      cookieMap(request.headers.get("cookie")).get(CSRF_COOKIE),
      request.headers.get(CSRF_HEADER),
    );
    if (reason !== null) throw serverError("csrf_failed", { reason });
  }

  private session(request: Request): Answer {
    let token = cookieMap(request.headers.get("cookie")).get(CSRF_COOKIE);
    if (!token || !isValidCsrfToken(this.config.secret, token)) {
      token = makeCsrfToken(this.config.secret);
    }
    return {
      body: { csrf: token, protocol: 1 },
      cookies: [{ name: CSRF_COOKIE, value: token }],
    };
  }

  private async authEndpoint(
    handler: string,
    request: Request,
    body: Uint8Array,
    context: RequestContext,
  ): Promise<Answer> {
    if (!this.table.auth.used) throw serverError("not_found", null);
    if (handler === "auth_mwt") {
      const who = this.identify(request);
      if (who.subject === null)
        throw serverError("unauthenticated", { reason: "missing" });
      const token = this.mintMwt(who.subject);
      return {
        body: { expires_in: MWT_TTL, mwt: token },
        cookies: [{ name: MWT_COOKIE, value: token, maxAge: MWT_TTL }],
      };
    }
    const data = jsonBody(request, body);
    if (handler === "auth_token") {
      if (!isObject(data) || Object.keys(data).join() !== "credentials") {
        throw serverError("bad_request", { reason: "shape" });
      }
      const identity = await this.hook("authenticate", data["credentials"]);
      if (identity === null)
        throw serverError("unauthenticated", { reason: "credentials" });
      return this.issue(identity, context);
    }
    if (handler === "auth_refresh") {
      const token = this.refreshToken(request, data, false);
      if (token === null)
        throw serverError("unauthenticated", { reason: "missing" });
      const claims = this.verify(token, "refresh");
      if (
        !(await this.used.use(claims["jti"] as string, claims["exp"] as number))
      ) {
        throw serverError("unauthenticated", { reason: "reused" });
      }
      const identity = await this.hook("identityOf", claims["sub"] as string);
      if (identity === null)
        throw serverError("unauthenticated", { reason: "revoked" });
      return this.issue(identity, context);
    }
    const token = this.refreshToken(request, data, true);
    if (token !== null) {
      try {
        const claims = this.verify(token, "refresh");
        await this.used.use(claims["jti"] as string, claims["exp"] as number);
      } catch (error) {
        if (!(error instanceof MizanError)) throw error;
      }
    }
    return {
      body: {},
      cookies: [ACCESS_COOKIE, REFRESH_COOKIE, MWT_COOKIE].map((name) =>
        this.cookie(name, "", 0, context),
      ),
    };
  }

  private refreshToken(
    request: Request,
    body: unknown,
    anyCookie: boolean,
  ): string | null {
    if (!isObject(body) || Object.keys(body).some((key) => key !== "refresh")) {
      throw serverError("bad_request", { reason: "shape" });
    }
    if ("refresh" in body) {
      if (typeof body["refresh"] !== "string") {
        throw serverError("bad_request", { reason: "shape" });
      }
      return body["refresh"];
    }
    const cookies = cookieMap(request.headers.get("cookie"));
    const cookie = cookies.get(REFRESH_COOKIE) ?? null;
    if (cookie !== null || (anyCookie && cookies.has(ACCESS_COOKIE)))
      this.checkCsrf(request);
    return cookie;
  }

  private async hook(
    name: "authenticate" | "identityOf",
    argument: unknown,
  ): Promise<Identity | null> {
    const method = this.bound[name];
    if (method === undefined) throw serverError("internal", null);
    let identity: unknown;
    try {
      identity = await method.call(this.bound, argument as string);
    } catch (error) {
      if (error instanceof MizanError) throw error;
      this.config.onError?.(error, name);
      throw serverError("internal", null);
    }
    if (identity === null || identity === undefined) return null;
    if (
      !isObject(identity) ||
      typeof identity["subject"] !== "string" ||
      !identity["subject"]
    ) {
      this.config.onError?.(
        new TypeError(`${name} returned no Identity`),
        name,
      );
      throw serverError("internal", null);
    }
    return identity as unknown as Identity;
  }

  mintMwt(subject: string): string {
    return mintMwt(
      this.mwtSecret,
      cacheIdentity("identity", subject),
      this.now() + MWT_TTL,
    );
  }

  private issue(identity: Identity, context: RequestContext): Answer {
    const now = this.now();
    const key = this.jwtKey.sign;
    if (key === null) {
      throw new TypeError("this server verifies tokens only: give jwtKey");
    }
    const access = mintJwt(
      this.jwt,
      key,
      "access",
      identity.subject,
      now,
      identity.claims ?? {},
    );
    const refresh = mintJwt(
      this.jwt,
      key,
      "refresh",
      identity.subject,
      now,
      null,
      randomBytes(16).toString("hex"),
    );
    return {
      body: {
        access,
        expires_in: this.jwt.access_ttl,
        refresh,
        token_type: "Bearer",
      },
      cookies: [
        this.cookie(ACCESS_COOKIE, access, this.jwt.access_ttl, context),
        this.cookie(REFRESH_COOKIE, refresh, this.jwt.refresh_ttl, context),
        this.cookie(
          MWT_COOKIE,
          this.mintMwt(identity.subject),
          MWT_TTL,
          context,
        ),
      ],
    };
  }

  private cookie(
    name: string,
    value: string,
    maxAge: number,
    context: RequestContext,
  ): Cookie {
    if (name === REFRESH_COOKIE) {
      return {
        name,
        value,
        maxAge,
        path: `${context.prefix}auth/`,
        sameSite: "Strict",
      };
    }
    return { name, value, maxAge };
  }
}

// --- helpers --------------------------------------------------------------------------

function caller(
  claims: Claims,
  transport: "http" | "websocket",
  viaCookie: boolean,
): Caller {
  return { claims, subject: String(claims["sub"]), transport, viaCookie };
}

function anonymous(transport: "http" | "websocket"): Caller {
  return { claims: null, subject: null, transport, viaCookie: false };
}

function allows(rule: AuthRuleJson, who: Caller): boolean {
  if (rule.kind === "public") return true;
  if (who.claims === null) return false;
  return (
    rule.kind !== "guard" ||
    guardAllows({ claim: rule.claim!, value: rule.value ?? null }, who.claims)
  );
}

function authorize(rule: AuthRuleJson, who: Caller): void {
  if (rule.kind === "public") return;
  if (who.claims === null)
    throw serverError("unauthenticated", { reason: "missing" });
  if (!allows(rule, who)) throw serverError("forbidden", null);
}

function invalidArguments(problems: Record<string, unknown>): MizanError {
  const sorted = Object.keys(problems).sort();
  return serverError(
    "invalid_arguments",
    Object.fromEntries(sorted.map((name) => [name, problems[name]])) as never,
  );
}

function hasFunction(table: ServerTable, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(table.functions, name);
}

function hasOwnContext(table: ServerTable, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(table.contexts, name);
}

function jsonBody(request: Request, body: Uint8Array): unknown {
  return jsonOf(mediaType(request.headers.get("content-type")), body);
}

function jsonOf(media: string, body: Uint8Array): unknown {
  if (media !== JSON_TYPE) {
    throw serverError("unsupported_media_type", { content_type: media });
  }
  try {
    return parseJsonStrict(body);
  } catch {
    throw serverError("bad_request", { reason: "json" });
  }
}

function callShape(body: unknown): [string, Record<string, unknown>] {
  if (
    !isObject(body) ||
    typeof body["fn"] !== "string" ||
    ("args" in body && !isObject(body["args"])) ||
    Object.keys(body).some((key) => key !== "fn" && key !== "args")
  ) {
    throw serverError("bad_request", { reason: "shape" });
  }
  return [body["fn"], (body["args"] ?? {}) as Record<string, unknown>];
}

function multipartCall(
  body: Uint8Array,
  contentType: string | null,
): [unknown, Part[]] {
  const broken = serverError("bad_request", { reason: "multipart" });
  const parts = parseMultipart(body, contentType);
  const names = parts.map((part) => part.name);
  if (new Set(names).size !== names.length || !names.includes("fn"))
    throw broken;
  const call: Record<string, unknown> = {};
  const files: Part[] = [];
  for (const part of parts) {
    if (part.name === "fn" || part.name === "args") {
      let value: unknown;
      try {
        const text = new TextDecoder("utf-8", { fatal: true }).decode(
          part.data,
        );
        value = part.name === "fn" ? text : parseJsonStrict(text);
      } catch {
        throw broken;
      }
      if (part.name === "args" && !isObject(value)) throw broken;
      call[part.name] = value;
    } else {
      files.push(part);
    }
  }
  return [call, files];
}

/** A form field's wire value as its submit param's wire value (an `int`
 * field into an `int64` param gives its digits). */
function formArg(param: ParamSpec, value: JsonValue): JsonValue {
  let base = param.type;
  if (base.kind === "nullable") base = base.inner;
  if (value === null) return null;
  if (base.kind === "primitive" && base.name === "int64") return String(value);
  return value;
}

// --- the WebSocket transport (docs 12) ----------------------------------------------------

export const CLOSE_TOO_LARGE = 1009;
const MAX_ID = 2 ** 53 - 1;

/** A frame over the request limit: close the connection with 1009. */
export class FrameTooLarge extends Error {
  constructor() {
    super("frame too large");
    this.name = "FrameTooLarge";
  }
}

function socketError(id: JsonValue, error: MizanError): JsonValue {
  return {
    id,
    error: (errorBody(error.code, error.details) as { error: JsonValue }).error,
  };
}

/** One connection: its current identity and the frames it sends. */
export class WsSession {
  constructor(
    private readonly dispatcher: Dispatcher,
    private who: Caller,
    private readonly verifyAccess: (token: string) => Claims,
  ) {}

  /** The reply to one frame (canonical JSON text); throws FrameTooLarge. */
  async answer(frame: string | Uint8Array): Promise<string> {
    return canonicalJson(await this.reply(frame));
  }

  private async reply(frame: string | Uint8Array): Promise<JsonValue> {
    const data = typeof frame === "string" ? UTF8.encode(frame) : frame;
    if (data.length > this.dispatcher.maxBodySize) throw new FrameTooLarge();
    let message: JsonValue;
    try {
      message = parseJsonStrict(data);
    } catch {
      return socketError(null, serverError("bad_request", { reason: "json" }));
    }
    if (isObject(message) && "auth" in message && !("id" in message)) {
      return this.auth(message);
    }
    const id = isObject(message) ? message["id"] : undefined;
    const validId =
      typeof id === "string" ||
      (typeof id === "number" &&
        Number.isInteger(id) &&
        id >= 0 &&
        id <= MAX_ID);
    if (!isObject(message) || !validId) {
      return socketError(null, serverError("bad_request", { reason: "shape" }));
    }
    try {
      const fn = message["fn"];
      const args = message["args"] ?? {};
      if (
        Object.keys(message).some(
          (key) => !["id", "fn", "args"].includes(key),
        ) ||
        typeof fn !== "string" ||
        !isObject(args)
      ) {
        throw serverError("bad_request", { reason: "shape" });
      }
      const body = await this.dispatcher.socketCall(fn, args, this.who);
      return { id: id as JsonValue, ...(body as Record<string, JsonValue>) };
    } catch (error) {
      if (error instanceof MizanError)
        return socketError(id as JsonValue, error);
      throw error;
    }
  }

  private auth(message: Record<string, JsonValue>): JsonValue {
    const token = message["auth"];
    if (Object.keys(message).length !== 1 || typeof token !== "string") {
      return socketError(null, serverError("bad_request", { reason: "shape" }));
    }
    this.who = anonymous("websocket");
    try {
      this.who = caller(this.verifyAccess(token), "websocket", false);
    } catch (error) {
      if (!(error instanceof MizanError)) throw error;
      const body = errorBody(error.code, error.details) as { error: JsonValue };
      return { auth: false, error: body.error };
    }
    return { auth: true };
  }
}
