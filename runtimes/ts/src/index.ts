// @mizan-lang/runtime: what clients and servers share (docs/protocol.md):
// the table types, errors, canonical JSON, value codecs, key texts,
// invalidation, forms validation and token claims. No imports: it runs on
// Node.js, in browsers and on edge runtimes alike.

// --- the package version -------------------------------------------------------

/** This package's version: generated code names the range it needs. */
export const VERSION = "0.1.0";

const VERSION_TEXT = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/;

function versionParts(text: string): [number, number, number] | null {
  const match = VERSION_TEXT.exec(text);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : null;
}

/** Does `version` satisfy a caret range (`^0.1.0`: >=0.1.0 <0.2.0; `^1.2.3`:
 * >=1.2.3 <2.0.0) or an exact version? Other range forms are refused. */
export function satisfiesRange(
  range: string,
  version: string = VERSION,
): boolean {
  const caret = range.startsWith("^");
  const want = versionParts(caret ? range.slice(1) : range);
  const have = versionParts(version);
  if (want === null || have === null) return false;
  if (!caret) return want.every((part, i) => part === have[i]);
  const fixed = want[0] > 0 ? 1 : want[1] > 0 ? 2 : 3;
  for (let i = 0; i < 3; i++) {
    if (i < fixed && have[i] !== want[i]) return false;
    if (i >= fixed || i === 2) {
      if (have[i]! > want[i]!) return true;
      if (have[i]! < want[i]!) return false;
    }
  }
  return true;
}

/** Throws unless this package satisfies `range` (what generated code needs). */
export function requireRuntime(range: string): void {
  if (!satisfiesRange(range)) {
    throw new Error(
      `@mizan-lang/runtime ${VERSION} does not satisfy ${range}, the range this ` +
        "generated code needs: install a matching version of @mizan-lang/runtime",
    );
  }
}

// --- the client table ---------------------------------------------------------

export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type PrimitiveName =
  | "bool"
  | "int"
  | "int64"
  | "float"
  | "decimal"
  | "str"
  | "date"
  | "datetime"
  | "uuid"
  | "bytes"
  | "json"
  | "email"
  | "url";

export type TypeRef =
  | { readonly kind: "primitive"; readonly name: PrimitiveName }
  | {
      readonly kind: "named";
      readonly name: string;
      readonly ref: "type" | "enum" | "shape";
    }
  | { readonly kind: "list"; readonly item: TypeRef }
  | { readonly kind: "map"; readonly value: TypeRef }
  | { readonly kind: "nullable"; readonly inner: TypeRef }
  | { readonly kind: "upload" };

export interface FieldSpec {
  readonly name: string;
  readonly type: TypeRef;
  readonly default?: JsonValue;
}

export interface SchemaTable {
  readonly enums: Readonly<Record<string, readonly string[]>>;
  readonly records: Readonly<Record<string, readonly FieldSpec[]>>;
}

export interface ParamSpec extends FieldSpec {
  readonly upload?: {
    readonly max_size: number | null;
    readonly content_types: readonly string[];
  };
}

export interface AuthRuleJson {
  readonly level: string;
  readonly kind: "public" | "user" | "guard";
  readonly claim?: string;
  readonly value?: JsonValue;
}

export interface InvalidationSpec {
  readonly context: string;
  readonly tier: "exact" | "partial" | "global";
  readonly bindings: Readonly<Record<string, string>>;
}

export interface FunctionSpec {
  readonly kind: "query" | "mutation";
  readonly params: readonly ParamSpec[];
  readonly returns: TypeRef | null;
  readonly auth: AuthRuleJson;
  readonly context: string | null;
  readonly websocket: boolean;
  readonly multipart: boolean;
  readonly invalidates: readonly InvalidationSpec[];
}

export interface ContextSpec {
  readonly keys: readonly ParamSpec[];
  readonly members: readonly string[];
  readonly auth: AuthRuleJson;
  readonly cache: {
    readonly ttl: number;
    readonly vary: "identity" | "public";
  };
  readonly render: "csr" | "ssr" | "psr" | "static";
}

export interface FormFieldSchema {
  readonly name: string;
  readonly type: string;
  readonly label: string | null;
  readonly doc: string | null;
  readonly required: boolean;
  readonly choices: readonly string[] | null;
  readonly min: JsonValue;
  readonly max: JsonValue;
  readonly min_length: number | null;
  readonly max_length: number | null;
  readonly pattern: string | null;
}

export interface FormSchema {
  readonly form: string;
  readonly submit: string;
  readonly doc: string | null;
  readonly fields: readonly FormFieldSchema[];
}

export interface JwtSettings {
  readonly algorithm: string;
  readonly issuer: string | null;
  readonly audience: string | null;
  readonly access_ttl: number;
  readonly refresh_ttl: number;
}

/** The client table: what spec.ts exports as `table`. */
export interface ClientTable {
  readonly schema: SchemaTable;
  readonly functions: Readonly<Record<string, FunctionSpec>>;
  readonly contexts: Readonly<Record<string, ContextSpec>>;
  readonly forms: Readonly<Record<string, FormSchema>>;
  readonly auth: { readonly jwt: JwtSettings; readonly used?: boolean };
  /** The range of this package's versions the generated code was written for. */
  readonly runtime?: string;
}

// --- errors (docs 3, 4.6) -------------------------------------------------------

export type ErrorCode =
  | "bad_request"
  | "invalid_arguments"
  | "unauthenticated"
  | "forbidden"
  | "csrf_failed"
  | "not_found"
  | "method_not_allowed"
  | "payload_too_large"
  | "unsupported_media_type"
  | "validation_failed"
  | "internal";

export type ProblemCode =
  "required" | "unknown" | "type" | "format" | "range" | "choice" | "duplicate";

export interface ValueProblem {
  code: ProblemCode;
  message: string;
  path: string;
}

export interface FieldError {
  code: string;
  message: string;
}

export interface ErrorDetailsMap {
  bad_request: { reason: "json" | "shape" | "multipart" | "query" };
  invalid_arguments: Record<string, ValueProblem>;
  unauthenticated: { reason: string };
  forbidden: null;
  csrf_failed: { reason: "missing" | "mismatch" | "invalid" };
  not_found: { fn: string } | { context: string } | { form: string } | null;
  method_not_allowed: null;
  payload_too_large: { limit: number; param?: string };
  unsupported_media_type: { content_type: string; param?: string };
  validation_failed: Record<string, FieldError>;
  internal: null;
}

/** Where a client-side error (status 0) arose. */
export type ClientFailure =
  "network" | "decode" | "encode" | "usage" | "closed";

export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  bad_request: 400,
  invalid_arguments: 400,
  unauthenticated: 401,
  forbidden: 403,
  csrf_failed: 403,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  internal: 500,
};

export const ERROR_MESSAGES: Readonly<Record<ErrorCode, string>> = {
  bad_request: "The request is malformed.",
  invalid_arguments: "Some arguments are invalid.",
  unauthenticated: "Authentication is required.",
  forbidden: "You are not allowed to do this.",
  csrf_failed: "The CSRF check failed.",
  not_found: "Not found.",
  method_not_allowed: "Method not allowed.",
  payload_too_large: "The payload is too large.",
  unsupported_media_type: "Unsupported media type.",
  validation_failed: "The form has errors.",
  internal: "Internal server error.",
};

export class MizanError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly status: number;
  readonly details: ErrorDetailsMap[C];
  readonly path: string | null;
  readonly failure: ClientFailure | null;

  constructor(
    code: C,
    status: number,
    details: ErrorDetailsMap[C],
    options: {
      message?: string;
      path?: string | null;
      failure?: ClientFailure | null;
    } = {},
  ) {
    super(options.message ?? ERROR_MESSAGES[code]);
    this.name = "MizanError";
    this.code = code;
    this.status = status;
    this.details = details;
    this.path = options.path ?? null;
    this.failure = options.failure ?? null;
  }

  is<K extends ErrorCode>(code: K): this is MizanError<K> {
    return (this.code as ErrorCode) === code;
  }
}

/** A client-side failure; raised with status 0 and code `internal` unless said. */
export function clientError(
  failure: ClientFailure,
  message: string,
  path: string | null = null,
): MizanError<"internal"> {
  return new MizanError("internal", 0, null, { message, path, failure });
}

/** Map a response (status and parsed body) to a MizanError. */
export function errorFromBody(status: number, body: unknown): MizanError {
  const error = isObject(body) ? body["error"] : undefined;
  if (isObject(error) && typeof error["code"] === "string") {
    const code = error["code"];
    if (Object.prototype.hasOwnProperty.call(ERROR_STATUS, code)) {
      const message =
        typeof error["message"] === "string" ? error["message"] : undefined;
      const details = (error["details"] ?? null) as ErrorDetailsMap[ErrorCode];
      return new MizanError(code as ErrorCode, status, details, { message });
    }
  }
  return new MizanError("internal", status, null, {
    message: `Unexpected response (HTTP ${status}).`,
    failure: "decode",
  });
}

const PROBLEM_MESSAGES: Readonly<Record<ProblemCode, string>> = {
  required: "This value is required.",
  unknown: "This name is not expected.",
  type: "Expected {type}.",
  format: "Not a valid {type}.",
  range: "Out of range for {type}.",
  choice: "Not a member of {type}.",
  duplicate: "Given more than once.",
};

/** A value that does not fit its type, with the problem of docs 4.6. */
export class ValueError extends Error {
  readonly problem: ValueProblem;
  constructor(code: ProblemCode, path: string, typeName = "") {
    const message = PROBLEM_MESSAGES[code].replace("{type}", typeName);
    super(`${path || "/"}: ${message}`);
    this.name = "ValueError";
    this.problem = { code, message, path };
  }
}

/** Thrown inside primitive codecs; turned into a ValueError with the path. */
class Bad {
  constructor(readonly code: ProblemCode) {}
}

export function pointer(path: string, token: string | number): string {
  const text = typeof token === "number" ? String(token) : token;
  if (!text.includes("~") && !text.includes("/")) return `${path}/${text}`;
  return `${path}/${text.replace(/~/g, "~0").replace(/\//g, "~1")}`;
}

// --- JSON: canonical writer, strict reader, string order --------------------------

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function hasOwn(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

/** JS string comparison is by UTF-16 code units, as docs 1.3 wants. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const LONE_SURROGATE =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isScalarText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** Canonical JSON (docs 1.1); bigints are written with all their digits. */
export function canonicalJson(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("non-finite number");
    return String(value); // the ECMAScript form; -0 gives "0"
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      out += (i === 0 ? "" : ",") + canonicalJson(value[i]);
    }
    return out + "]";
  }
  if (isObject(value)) {
    // The default sort compares UTF-16 code units, as compareText does.
    const keys = Object.keys(value).sort();
    let out = "{";
    for (const key of keys) {
      const item = value[key];
      if (item === undefined) continue;
      out += `${out.length === 1 ? "" : ","}${JSON.stringify(key)}:${canonicalJson(item)}`;
    }
    return out + "}";
  }
  throw new TypeError(`${typeof value} is not a JSON value`);
}

const MAX_DEPTH = 128;
const NUMBER_TEXT = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** The end (after the closing quote) of the JSON string starting at
 * `start`, or -1 when it is not one. A loop, not a regular expression:
 * megabytes of escapes must not exhaust the stack. */
function stringEnd(text: string, start: number): number {
  if (text.charCodeAt(start) !== 0x22) return -1;
  for (let i = start + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22) return i + 1;
    if (code < 0x20) return -1;
    if (code === 0x5c) {
      const next = text.charAt(i + 1);
      if (next === "u") {
        if (!HEX4.test(text.slice(i + 2, i + 6))) return -1;
        i += 5;
      } else if ('"\\/bfnrt'.includes(next) && next !== "") {
        i += 1;
      } else {
        return -1;
      }
    }
  }
  return -1;
}

/** `object[key] = value`, as an own property even for `__proto__`. */
function setMember<V>(object: Record<string, V>, key: string, value: V): void {
  if (key === "__proto__") {
    Object.defineProperty(object, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    object[key] = value;
  }
}

const WORDS = [
  ["true", true],
  ["false", false],
  ["null", null],
] as const;
const STRICT_DECODER = new TextDecoder("utf-8", { fatal: true });

/** The strict JSON reader of docs 1.2; throws SyntaxError on anything else. */
export function parseJsonStrict(input: string | Uint8Array): JsonValue {
  let text: string;
  const fromBytes = typeof input !== "string";
  if (typeof input === "string") {
    text = input;
  } else {
    if (input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf) {
      throw new SyntaxError("byte order mark");
    }
    try {
      text = STRICT_DECODER.decode(input);
    } catch {
      throw new SyntaxError("not UTF-8");
    }
  }
  let at = 0;
  const fail = (why: string): never => {
    throw new SyntaxError(`${why} at ${at}`);
  };
  const space = (): void => {
    for (;;) {
      const code = text.charCodeAt(at);
      if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) {
        return;
      }
      at++;
    }
  };
  const string = (): string => {
    const end = stringEnd(text, at);
    if (end < 0) return fail("bad string");
    const raw = text.slice(at + 1, end - 1);
    at = end;
    // Without escapes, decoded UTF-8 holds no lone surrogate.
    if (fromBytes && !raw.includes("\\")) return raw;
    const value = JSON.parse(`"${raw}"`) as string;
    if (!isScalarText(value)) fail("lone surrogate");
    return value;
  };
  const value = (depth: number): JsonValue => {
    space();
    const char = text.charAt(at);
    if (char === "[") {
      if (depth >= MAX_DEPTH) fail("nested too deeply");
      at++;
      space();
      const items: JsonValue[] = [];
      if (text.charCodeAt(at) === 0x5d) {
        at++;
        return items;
      }
      for (;;) {
        items.push(value(depth + 1));
        space();
        const next = text.charCodeAt(at++);
        if (next === 0x5d) return items;
        if (next !== 0x2c) fail("expected ',' or a close");
      }
    }
    if (char === "{") {
      if (depth >= MAX_DEPTH) fail("nested too deeply");
      at++;
      space();
      const members: Record<string, JsonValue> = {};
      if (text.charCodeAt(at) === 0x7d) {
        at++;
        return members;
      }
      for (;;) {
        space();
        const key = string();
        if (hasOwn(members, key)) fail("duplicate key");
        space();
        if (text.charCodeAt(at) !== 0x3a) fail("expected ':'");
        at++;
        setMember(members, key, value(depth + 1));
        space();
        const next = text.charCodeAt(at++);
        if (next === 0x7d) return members;
        if (next !== 0x2c) fail("expected ',' or a close");
      }
    }
    if (char === '"') return string();
    for (const [word, result] of WORDS) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return result;
      }
    }
    NUMBER_TEXT.lastIndex = at;
    const match = NUMBER_TEXT.exec(text);
    if (match === null) return fail("unexpected character");
    at += match[0].length;
    return Number(match[0]); // 1e400 reads as Infinity: a `range` for floats
  };
  const result = value(0);
  space();
  if (at !== text.length) fail("trailing text");
  return result;
}

// --- base64 --------------------------------------------------------------------

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

export function base64Encode(bytes: Uint8Array, url = false): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n =
      ((bytes[i] ?? 0) << 16) |
      ((bytes[i + 1] ?? 0) << 8) |
      (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let k = 0; k < 4; k++) {
      out += k < chars ? B64.charAt((n >> (18 - 6 * k)) & 63) : url ? "" : "=";
    }
  }
  return url ? out.replace(/\+/g, "-").replace(/\//g, "_") : out;
}

/** Decodes standard (padded) or url (unpadded) base64; null when not canonical. */
export function base64Decode(text: string, url = false): Uint8Array | null {
  const std = url ? text.replace(/-/g, "+").replace(/_/g, "/") : text;
  const body = std.replace(/=+$/, "");
  if (/[^A-Za-z0-9+/]/.test(body) || body.length % 4 === 1) return null;
  const bytes = new Uint8Array(Math.floor((body.length * 6) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of body) {
    buffer = ((buffer << 6) | B64.indexOf(char)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[index++] = (buffer >> bits) & 0xff;
    }
  }
  return base64Encode(bytes, url) === text ? bytes : null; // canonical only
}

// --- value codecs (docs 4) ---------------------------------------------------------

/** An enum value this client does not know (sent by a newer server). */
export type UnknownMember = string & { readonly __mizanUnknownMember: true };

export interface DecodeOptions {
  /** "keep" (default): unknown enum members decode as UnknownMember strings. */
  unknownEnum?: "keep" | "reject";
}

const INT_TEXT = /^(?:0|-?[1-9][0-9]*)$/;
const DECIMAL_TEXT = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/;
const DATE_TEXT = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
const DATETIME_TEXT =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))$/;
const UUID_TEXT =
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const BASE64_TEXT =
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The canonical text of a type: `map<str,list<Profile>>?`. */
export function typeText(type: TypeRef): string {
  switch (type.kind) {
    case "primitive":
    case "named":
      return type.name;
    case "list":
      return `list<${typeText(type.item)}>`;
    case "map":
      return `map<str,${typeText(type.value)}>`;
    case "nullable":
      return `${typeText(type.inner)}?`;
    case "upload":
      return "Upload";
  }
}

// Dates keep only milliseconds; the protocol carries microseconds, so the extra
// ones ride along beside the Date and are written back on encode.
const MICROS = new WeakMap<Date, number>();

/** Microseconds (0..999) beyond a Date's milliseconds, as decoded. */
export function datetimeMicros(date: Date): number {
  return MICROS.get(date) ?? 0;
}

/** Attach extra microseconds (0..999) to a Date; returns the Date. */
export function withMicros(date: Date, micros: number): Date {
  MICROS.set(date, Math.max(0, Math.min(999, Math.trunc(micros))));
  return date;
}

function utcDate(
  year: number,
  month: number,
  day: number,
  time: [number, number, number, number] = [0, 0, 0, 0],
): Date | null {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // unlike Date.UTC, years < 100 stay
  date.setUTCHours(...time);
  const real =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day;
  return real ? date : null;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

export function datetimeText(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new Bad("format");
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) throw new Bad("range");
  const micro = date.getUTCMilliseconds() * 1000 + datetimeMicros(date);
  return (
    `${pad(year, 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:` +
    `${pad(date.getUTCSeconds())}.${pad(micro, 6)}Z`
  );
}

function parseDate(text: string): string {
  const m = DATE_TEXT.exec(text);
  if (m === null || utcDate(+m[1]!, +m[2]!, +m[3]!) === null || +m[1]! < 1) {
    throw new Bad("format");
  }
  return text;
}

function parseDatetime(text: string): Date {
  const m = DATETIME_TEXT.exec(text);
  if (m === null) throw new Bad("format");
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const fraction = (m[7] ?? "").padEnd(6, "0").slice(0, 6); // truncated
  let offset = 0;
  if (m[8] === undefined) {
    if (+m[10]! > 23 || +m[11]! > 59) throw new Bad("format");
    offset = (+m[10]! * 60 + +m[11]!) * (m[9] === "+" ? 1 : -1);
  }
  if (hour! > 23 || minute! > 59 || second! > 59 || year! < 1) {
    throw new Bad("format");
  }
  const micro = Number(fraction);
  const time: [number, number, number, number] = [
    hour!,
    minute!,
    second!,
    Math.floor(micro / 1000),
  ];
  const local = utcDate(year!, month!, day!, time);
  if (local === null) throw new Bad("format");
  const utc = new Date(local.getTime() - offset * 60000);
  const utcYear = utc.getUTCFullYear();
  if (utcYear < 1 || utcYear > 9999) throw new Bad("range");
  return withMicros(utc, micro % 1000);
}

function checkInt64(text: string): bigint {
  if (!INT_TEXT.test(text)) throw new Bad("format");
  if (text.replace("-", "").length > 19) throw new Bad("range");
  const value = BigInt(text);
  if (value < INT64_MIN || value > INT64_MAX) throw new Bad("range");
  return value;
}

function checkDecimal(text: string): string {
  if (!DECIMAL_TEXT.test(text)) throw new Bad("format");
  if (text.replace(/[^0-9]/g, "").length > 50) throw new Bad("range");
  return /^-[0.]+$/.test(text) ? text.slice(1) : text; // -0.00 is 0.00
}

/** Plain notation without trailing fraction zeros; "0" for zero (docs 4.7). */
function normalizedDecimal(text: string): string {
  let out = checkDecimal(text);
  if (out.includes(".")) out = out.replace(/0+$/, "").replace(/\.$/, "");
  return /^-?0$/.test(out) ? "0" : out;
}

function decimalParts(text: string): [bigint, number] {
  const [whole, fraction = ""] = text.split(".");
  return [BigInt(whole! + fraction), fraction.length];
}

function compareDecimal(a: string, b: string): number {
  const [x, xs] = decimalParts(a);
  const [y, ys] = decimalParts(b);
  const scale = Math.max(xs, ys);
  const left = x * 10n ** BigInt(scale - xs);
  const right = y * 10n ** BigInt(scale - ys);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** A primitive's wire value -> TS value; throws Bad(code). */
function decodePrimitive(name: PrimitiveName, value: unknown): unknown {
  switch (name) {
    case "json":
      return value;
    case "bool":
      if (typeof value !== "boolean") throw new Bad("type");
      return value;
    case "int":
      if (typeof value !== "number" || !Number.isInteger(value)) {
        throw new Bad("type");
      }
      if (value < INT_MIN || value > INT_MAX) throw new Bad("range");
      return value === 0 ? 0 : value;
    case "float":
      if (typeof value !== "number") throw new Bad("type");
      if (!Number.isFinite(value)) throw new Bad("range");
      return value === 0 ? 0 : value;
  }
  if (typeof value !== "string") throw new Bad("type");
  switch (name) {
    case "str":
    case "email":
    case "url":
      if (!isScalarText(value)) throw new Bad("format");
      return value;
    case "int64":
      return checkInt64(value);
    case "decimal":
      return checkDecimal(value);
    case "date":
      return parseDate(value);
    case "datetime":
      return parseDatetime(value);
    case "uuid":
      if (!UUID_TEXT.test(value)) throw new Bad("format");
      return value.toLowerCase();
    case "bytes": {
      const bytes = BASE64_TEXT.test(value) ? base64Decode(value) : null;
      if (bytes === null) throw new Bad("format");
      return bytes;
    }
  }
}

/** A TS value (or its wire form) -> canonical wire form; throws Bad(code). */
function encodePrimitive(name: PrimitiveName, value: unknown): JsonValue {
  switch (name) {
    case "json":
      return value as JsonValue;
    case "int64":
      if (typeof value === "bigint")
        return checkInt64(value.toString()).toString();
      if (typeof value === "number" && Number.isSafeInteger(value)) {
        return String(value === 0 ? 0 : value);
      }
      break;
    case "int":
      if (typeof value === "bigint")
        return encodePrimitive(name, Number(value));
      break;
    case "datetime":
      if (value instanceof Date) return datetimeText(value);
      break;
    case "bytes":
      if (value instanceof Uint8Array) return base64Encode(value);
      if (value instanceof ArrayBuffer)
        return base64Encode(new Uint8Array(value));
      break;
  }
  const decoded = decodePrimitive(name, value);
  if (decoded instanceof Date) return datetimeText(decoded);
  if (decoded instanceof Uint8Array) return base64Encode(decoded);
  if (typeof decoded === "bigint") return decoded.toString();
  return decoded as JsonValue;
}

/** decodeValue, reporting problems at paths under `path`. */
export function decodeAt(
  schema: SchemaTable,
  type: TypeRef,
  value: unknown,
  path: string,
  options: DecodeOptions,
): unknown {
  switch (type.kind) {
    case "nullable":
      if (value === null) return null;
      try {
        return decodeAt(schema, type.inner, value, path, options);
      } catch (error) {
        const p = error instanceof ValueError ? error.problem : null;
        if (p !== null && p.code === "type" && p.path === path) {
          p.message = `Expected ${typeText(type.inner)} or null.`;
        }
        throw error;
      }
    case "primitive":
      try {
        return decodePrimitive(type.name, value);
      } catch (error) {
        if (error instanceof Bad) {
          throw new ValueError(error.code, path, typeText(type));
        }
        throw error;
      }
    case "list":
      if (!Array.isArray(value)) {
        throw new ValueError("type", path, typeText(type));
      }
      return value.map((item, index) =>
        decodeAt(schema, type.item, item, pointer(path, index), options),
      );
    case "map": {
      if (!isObject(value)) throw new ValueError("type", path, typeText(type));
      const keys = Object.keys(value).sort(compareText);
      return Object.fromEntries(
        keys.map((key) => [
          key,
          decodeAt(schema, type.value, value[key], pointer(path, key), options),
        ]),
      );
    }
    case "named":
      return decodeNamed(schema, type.name, value, path, options);
    case "upload":
      throw new ValueError("type", path, typeText(type));
  }
}

function decodeNamed(
  schema: SchemaTable,
  name: string,
  value: unknown,
  path: string,
  options: DecodeOptions,
): unknown {
  const members = schema.enums[name];
  if (members !== undefined) {
    if (typeof value !== "string") throw new ValueError("type", path, name);
    if (!members.includes(value) && options.unknownEnum === "reject") {
      throw new ValueError("choice", path, name);
    }
    return value; // an unknown member is kept: old clients survive new members
  }
  const fields = schema.records[name];
  if (fields === undefined) throw new TypeError(`unknown type ${name}`);
  if (!isObject(value)) throw new ValueError("type", path, name);
  const result: [string, unknown][] = [];
  for (const field of fields) {
    const where = pointer(path, field.name);
    if (hasOwn(value, field.name)) {
      result.push([
        field.name,
        decodeAt(schema, field.type, value[field.name], where, options),
      ]);
    } else if (field.default !== undefined) {
      result.push([
        field.name,
        decodeAt(schema, field.type, field.default, where, options),
      ]);
    } else {
      throw new ValueError("required", where);
    }
  }
  const known = new Set(fields.map((field) => field.name));
  const unknown = Object.keys(value)
    .filter((key) => !known.has(key))
    .sort(compareText);
  if (unknown.length > 0)
    throw new ValueError("unknown", pointer(path, unknown[0]!));
  return Object.fromEntries(result);
}

/** Wire JSON -> TS value, strictly by docs 4; throws ValueError. */
export function decodeValue(
  schema: SchemaTable,
  type: TypeRef,
  json: unknown,
  options: DecodeOptions = {},
): unknown {
  return decodeAt(schema, type, json, "", options);
}

/** TS value -> canonical wire JSON; throws ValueError when it does not fit. */
export function encodeValue(
  schema: SchemaTable,
  type: TypeRef,
  value: unknown,
  path = "",
): JsonValue {
  switch (type.kind) {
    case "nullable":
      return value === null || value === undefined
        ? null
        : encodeValue(schema, type.inner, value, path);
    case "primitive":
      try {
        return encodePrimitive(type.name, value);
      } catch (error) {
        if (error instanceof Bad)
          throw new ValueError(error.code, path, typeText(type));
        throw error;
      }
    case "list":
      if (!Array.isArray(value))
        throw new ValueError("type", path, typeText(type));
      return value.map((item, index) =>
        encodeValue(schema, type.item, item, pointer(path, index)),
      );
    case "map":
      if (!isObject(value)) throw new ValueError("type", path, typeText(type));
      return Object.fromEntries(
        Object.keys(value).map((key) => [
          key,
          encodeValue(schema, type.value, value[key], pointer(path, key)),
        ]),
      );
    case "named": {
      if (schema.enums[type.name] !== undefined) {
        // Any string passes: a member this client does not know may be one the
        // server does (the server checks).
        if (typeof value !== "string")
          throw new ValueError("type", path, typeText(type));
        return value;
      }
      const fields = schema.records[type.name];
      if (fields === undefined)
        throw new TypeError(`unknown type ${type.name}`);
      if (!isObject(value)) throw new ValueError("type", path, typeText(type));
      const out: Record<string, JsonValue> = {};
      for (const field of fields) {
        const item = value[field.name];
        // Left out: the server applies the default (or reports `required`).
        if (item === undefined) continue;
        setMember(
          out,
          field.name,
          encodeValue(schema, field.type, item, pointer(path, field.name)),
        );
      }
      return out;
    }
    case "upload":
      throw new ValueError("type", path, typeText(type));
  }
}

// --- key texts (docs 4.7) -------------------------------------------------------------

type ScalarType = Extract<TypeRef, { kind: "primitive" | "named" }>;

function keyBase(type: TypeRef): ScalarType {
  while (type.kind === "nullable") type = type.inner;
  if (type.kind !== "primitive" && type.kind !== "named") {
    throw new TypeError(`${typeText(type)} cannot be a context key`);
  }
  return type;
}

/** The key text of a key value (TS or wire form); null for null. */
export function keyText(type: TypeRef, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const base = keyBase(type);
  try {
    if (base.kind === "named" || base.name === "str") {
      if (typeof value !== "string") throw new Bad("type");
      return value;
    }
    switch (base.name) {
      case "bool":
        if (value === "true" || value === "false") return value; // a key text
        if (typeof value !== "boolean") throw new Bad("type");
        return value ? "true" : "false";
      case "decimal":
        if (typeof value !== "string") throw new Bad("type");
        return normalizedDecimal(value);
      case "int":
      case "int64": {
        const number =
          typeof value === "string"
            ? checkInt64(value)
            : BigInt(String(encodePrimitive(base.name, value)));
        if (base.name === "int" && (number < INT_MIN || number > INT_MAX)) {
          throw new Bad("range");
        }
        return number.toString();
      }
      default:
        return String(encodePrimitive(base.name, value));
    }
  } catch (error) {
    if (error instanceof Bad) throw new ValueError(error.code, "", base.name);
    throw error;
  }
}

/** A key text as a server reads it from a query string, normalized; throws ValueError. */
export function parseKeyText(
  schema: SchemaTable,
  type: TypeRef,
  text: string,
  name = "",
): string {
  const base = keyBase(type);
  const path = pointer("", name);
  if (base.kind !== "primitive") {
    if (!(schema.enums[base.name] ?? []).includes(text)) {
      throw new ValueError("choice", path, base.name);
    }
    return text;
  }
  try {
    switch (base.name) {
      case "bool":
        if (text !== "true" && text !== "false") throw new Bad("format");
        return text;
      case "int": {
        const number = checkInt64(text);
        if (number < INT_MIN || number > INT_MAX) throw new Bad("range");
        return number.toString();
      }
      case "decimal":
        return normalizedDecimal(text);
      default:
        return keyText(base, decodePrimitive(base.name, text)) ?? "";
    }
  } catch (error) {
    if (error instanceof Bad) throw new ValueError(error.code, path, base.name);
    throw error;
  }
}

// --- invalidation (docs 7) ----------------------------------------------------------

export interface InvalidationEntry {
  readonly context: string;
  readonly params: Readonly<Record<string, string | null>>;
}

/** A normalized list of entries, or "*" (everything). */
export type Invalidation = readonly InvalidationEntry[] | "*";

export type InvalidationListener = (invalidation: Invalidation) => void;

export const INVALIDATE_HEADER = "X-Mizan-Invalidate";
export const HEADER_LIMIT = 4096;

function sortedPairs(entry: InvalidationEntry): [string, string | null][] {
  return Object.entries(entry.params).sort((a, b) => compareText(a[0], b[0]));
}

function compareEntries(a: InvalidationEntry, b: InvalidationEntry): number {
  const byContext = compareText(a.context, b.context);
  if (byContext !== 0) return byContext;
  const x = sortedPairs(a);
  const y = sortedPairs(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const [[xk, xv], [yk, yv]] = [x[i]!, y[i]!];
    const order =
      compareText(xk, yk) ||
      (xv === yv
        ? 0
        : xv === null
          ? -1
          : yv === null
            ? 1
            : compareText(xv, yv));
    if (order !== 0) return order;
  }
  return x.length - y.length; // a prefix comes first
}

/** Does `entry` cover the instance of `context` with these key params? */
export function coversParams(
  entry: InvalidationEntry,
  context: string,
  params: Readonly<Record<string, string | null>>,
): boolean {
  if (entry.context !== context) return false;
  return Object.entries(entry.params).every(
    ([key, value]) => hasOwn(params, key) && params[key] === value,
  );
}

/** Normalize a list (docs 7.2): no duplicates, nothing covered twice, sorted. */
export function normalizeInvalidation(
  entries: readonly InvalidationEntry[],
): InvalidationEntry[] {
  const sorted = entries
    .map((e) => ({
      context: e.context,
      params: Object.fromEntries(sortedPairs(e)),
    }))
    .sort(compareEntries);
  const unique = sorted.filter(
    (entry, i) => i === 0 || compareEntries(sorted[i - 1]!, entry) !== 0,
  );
  return unique.filter(
    (entry) =>
      !unique.some(
        (other) =>
          other !== entry && coversParams(other, entry.context, entry.params),
      ),
  );
}

export function keyParams(
  table: ClientTable,
  context: string,
  keyTexts: readonly (string | null)[],
): Record<string, string | null> {
  const keys = table.contexts[context]?.keys ?? [];
  return Object.fromEntries(
    keys.map((key, i) => [key.name, keyTexts[i] ?? null]),
  );
}

/** Does `entry` cover the instance whose key texts are in key order? */
export function covers(
  table: ClientTable,
  entry: InvalidationEntry,
  context: string,
  keyTexts: readonly (string | null)[],
): boolean {
  return coversParams(entry, context, keyParams(table, context, keyTexts));
}

/** Does an invalidation cover that instance? */
export function invalidationCovers(
  table: ClientTable,
  invalidation: Invalidation,
  context: string,
  keyTexts: readonly (string | null)[],
): boolean {
  if (invalidation === "*") return true;
  const params = keyParams(table, context, keyTexts);
  return invalidation.some((entry) => coversParams(entry, context, params));
}

/** The entries a mutation's call invalidates (what the server computes, 7.1). */
export function computeInvalidation(
  invalidates: readonly InvalidationSpec[],
  keyTypes: Readonly<Record<string, readonly FieldSpec[]>>,
  params: readonly ParamSpec[],
  wireArgs: Readonly<Record<string, unknown>>,
): InvalidationEntry[] {
  const args = (name: string): unknown => {
    if (hasOwn(wireArgs, name)) return wireArgs[name];
    return params.find((p) => p.name === name)?.default ?? null;
  };
  const entries = invalidates.map((scoping) => {
    const types = keyTypes[scoping.context] ?? [];
    const bound =
      scoping.tier === "global" ? [] : Object.entries(scoping.bindings);
    const entryParams = bound.map(([key, param]) => {
      const type = types.find((k) => k.name === key)?.type;
      if (type === undefined) throw new TypeError(`unknown key ${key}`);
      return [key, keyText(type, args(param))] as const;
    });
    return {
      context: scoping.context,
      params: Object.fromEntries(entryParams),
    };
  });
  return normalizeInvalidation(entries);
}

const UNRESERVED = /[A-Za-z0-9._-]/;
const HEADER_TOKEN = /^(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})*$/;

function escapeToken(text: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    const char = String.fromCharCode(byte);
    out += UNRESERVED.test(char)
      ? char
      : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function unescapeToken(token: string): string {
  if (!HEADER_TOKEN.test(token)) throw new SyntaxError(`bad token ${token}`);
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === "%") {
      bytes.push(parseInt(token.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(token.charCodeAt(i));
    }
  }
  return new TextDecoder("utf-8", { fatal: true }).decode(
    new Uint8Array(bytes),
  );
}

function entryText(entry: InvalidationEntry): string {
  const parts = [escapeToken(entry.context)];
  for (const [key, value] of sortedPairs(entry)) {
    parts.push(
      value === null
        ? escapeToken(key)
        : `${escapeToken(key)}=${escapeToken(value)}`,
    );
  }
  return parts.join(";");
}

/** The header value of a list (docs 7.3); null when no header is sent. */
export function formatInvalidateHeader(
  entries: readonly InvalidationEntry[],
  limit = HEADER_LIMIT,
): string | null {
  const list = normalizeInvalidation(entries);
  if (list.length === 0) return null;
  const text = list.map(entryText).join(",");
  if (text.length <= limit) return text;
  const coarse = normalizeInvalidation(
    list.map((e) => ({ context: e.context, params: {} })),
  );
  const coarseText = coarse.map(entryText).join(",");
  return coarseText.length <= limit ? coarseText : "*";
}

/** Read the header: the normalized list, "*", or null when malformed (act as "*"). */
export function parseInvalidateHeader(text: string): Invalidation | null {
  const value = text.replace(/^[ \t]+|[ \t]+$/g, "");
  if (value === "*") return "*";
  try {
    const entries = value.split(",").map((item) => {
      const parts = item.replace(/^[ \t]+|[ \t]+$/g, "").split(";");
      const context = unescapeToken(parts[0]!);
      const params: Record<string, string | null> = {};
      for (const part of parts.slice(1)) {
        const eq = part.indexOf("=");
        const name = unescapeToken(eq < 0 ? part : part.slice(0, eq));
        if (name === "" || hasOwn(params, name))
          throw new SyntaxError("bad key");
        params[name] = eq < 0 ? null : unescapeToken(part.slice(eq + 1));
      }
      if (context === "") throw new SyntaxError("empty context");
      return { context, params };
    });
    return normalizeInvalidation(entries);
  } catch {
    return null;
  }
}

/** Read a body's `invalidate` member; null when it is not a list of entries. */
export function bodyInvalidation(value: unknown): InvalidationEntry[] | null {
  if (!Array.isArray(value)) return null;
  const entries: InvalidationEntry[] = [];
  for (const item of value) {
    if (!isObject(item) || typeof item["context"] !== "string") return null;
    const params = item["params"];
    if (!isObject(params)) return null;
    for (const v of Object.values(params)) {
      if (v !== null && typeof v !== "string") return null;
    }
    entries.push({
      context: item["context"],
      params: params as Record<string, string | null>,
    });
  }
  return normalizeInvalidation(entries);
}

/** The TanStack Query key of a context instance. */
export function queryKey(
  context: string,
  keyTexts: readonly (string | null)[],
): readonly unknown[] {
  return ["mizan", context, ...keyTexts];
}

/** A predicate for queryClient.invalidateQueries over keys made by queryKey(). */
export function queryKeyPredicate(
  table: ClientTable,
  invalidation: Invalidation,
): (query: { queryKey: readonly unknown[] }) => boolean {
  return ({ queryKey: key }) => {
    if (key[0] !== "mizan" || typeof key[1] !== "string") return false;
    const texts = key.slice(2).map((t) => (typeof t === "string" ? t : null));
    return invalidationCovers(table, invalidation, key[1], texts);
  };
}
// --- forms (docs 13) ------------------------------------------------------------

export type FormResult =
  | { valid: true; data: Record<string, JsonValue> }
  | { valid: false; errors: Record<string, FieldError> };

const FORM_INVALID: Readonly<Record<string, string>> = {
  bool: "Enter true or false.",
  int: "Enter a whole number.",
  float: "Enter a number.",
  decimal: "Enter a number.",
  str: "Enter text.",
  date: "Enter a valid date.",
  datetime: "Enter a valid date and time.",
  uuid: "Enter a valid UUID.",
  email: "Enter a valid email address.",
  url: "Enter a valid URL.",
};

const FORM_MESSAGES: Readonly<Record<string, string>> = {
  required: "This field is required.",
  unknown: "This field is not expected.",
  invalid_choice: "Select a valid choice.",
  min_length: "Ensure this value has at least {limit} character{s}.",
  max_length: "Ensure this value has at most {limit} character{s}.",
  pattern: "Enter a value that matches the required pattern.",
  min_value: "Ensure this value is greater than or equal to {limit}.",
  max_value: "Ensure this value is less than or equal to {limit}.",
};

const ATEXT = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;
const LABEL = /^[A-Za-z0-9-]{1,63}$/;

function isHostname(text: string, minLabels = 1): boolean {
  const labels = text.split(".");
  if (text.length > 253 || labels.length < minLabels) return false;
  const fine = labels.every(
    (l) => LABEL.test(l) && !l.startsWith("-") && !l.endsWith("-"),
  );
  return fine && !/^[0-9]+$/.test(labels[labels.length - 1]!);
}

function isIpv4(text: string): boolean {
  const parts = text.split(".");
  return (
    parts.length === 4 &&
    parts.every((p) => /^(?:0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255)
  );
}

const ASCII = /^[\x00-\x7f]*$/;

function isEmail(text: string): boolean {
  if (!ASCII.test(text) || text.length > 254) return false;
  const parts = text.split("@");
  if (parts.length !== 2) return false;
  const [local, domain] = parts as [string, string];
  if (local.length < 1 || local.length > 64 || !ATEXT.test(local)) return false;
  if (local.startsWith(".") || local.endsWith(".") || local.includes(".."))
    return false;
  return isHostname(domain, 2);
}

function isUrl(text: string): boolean {
  if (!ASCII.test(text) || text.length > 2048 || /[\x00-\x20\x7f]/.test(text)) {
    return false;
  }
  const sep = text.indexOf("://");
  if (
    sep < 0 ||
    !["http", "https"].includes(text.slice(0, sep).toLowerCase())
  ) {
    return false;
  }
  const rest = text.slice(sep + 3);
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const colon = authority.indexOf(":");
  const host = colon < 0 ? authority : authority.slice(0, colon);
  if (colon >= 0) {
    const port = authority.slice(colon + 1);
    if (!/^[0-9]{1,5}$/.test(port) || +port < 1 || +port > 65535) return false;
  }
  return isIpv4(host) || isHostname(host);
}

const PATTERNS = new Map<string, RegExp>();

function fullMatch(pattern: string, text: string): boolean {
  let regex = PATTERNS.get(pattern);
  if (regex === undefined) {
    regex = new RegExp(`^(?:${pattern})$`, "u");
    PATTERNS.set(pattern, regex);
  }
  return regex.test(text);
}

class FormFault {
  constructor(
    readonly code: string,
    readonly limit: JsonValue = null,
  ) {}
}

/** One non-empty field -> its canonical wire value; throws FormFault. */
function cleanField(field: FormFieldSchema, value: unknown): JsonValue {
  if (field.choices !== null) {
    if (typeof value !== "string" || !field.choices.includes(value)) {
      throw new FormFault("invalid_choice");
    }
    return value;
  }
  const kind = field.type as PrimitiveName;
  let wire: JsonValue;
  try {
    wire = encodePrimitive(kind, decodePrimitive(kind, value));
  } catch (error) {
    if (error instanceof Bad) throw new FormFault("invalid");
    throw error;
  }
  if (kind === "str" || kind === "email" || kind === "url") {
    const text = wire as string;
    const length = [...text].length; // code points
    if (field.min_length !== null && length < field.min_length) {
      throw new FormFault("min_length", field.min_length);
    }
    if (field.max_length !== null && length > field.max_length) {
      throw new FormFault("max_length", field.max_length);
    }
    if (
      (kind === "email" && !isEmail(text)) ||
      (kind === "url" && !isUrl(text))
    ) {
      throw new FormFault("invalid");
    }
    if (field.pattern !== null && !fullMatch(field.pattern, text)) {
      throw new FormFault("pattern");
    }
  } else if (["int", "float", "decimal", "date", "datetime"].includes(kind)) {
    const compare = (bound: JsonValue): number => {
      const limit = encodePrimitive(kind, decodePrimitive(kind, bound));
      if (kind === "decimal")
        return compareDecimal(wire as string, limit as string);
      if (typeof wire === "number") return wire - (limit as number);
      return compareText(wire as string, limit as string); // fixed-width texts
    };
    if (field.min !== null && compare(field.min) < 0) {
      throw new FormFault("min_value", field.min);
    }
    if (field.max !== null && compare(field.max) > 0) {
      throw new FormFault("max_value", field.max);
    }
  }
  return wire;
}

function fieldError(field: FormFieldSchema, fault: FormFault): FieldError {
  if (fault.code === "invalid") {
    return {
      code: "invalid",
      message: FORM_INVALID[field.type] ?? "Enter a value.",
    };
  }
  const shown = String(fault.limit); // numbers in the ECMAScript form, as 1.1
  const message = (FORM_MESSAGES[fault.code] ?? "")
    .replace("{limit}", shown)
    .replace("{s}", fault.limit === 1 ? "" : "s");
  return { code: fault.code, message };
}

/** Validate form input (wire form; Date and bigint accepted) exactly as the server does. */
export function validateForm(
  schema: FormSchema,
  values: Readonly<Record<string, unknown>>,
): FormResult {
  const data: Record<string, JsonValue> = {};
  const errors: Record<string, FieldError> = {};
  const known = new Set<string>();
  for (const field of schema.fields) {
    known.add(field.name);
    let value = hasOwn(values, field.name) ? values[field.name] : undefined;
    if (value instanceof Date) value = datetimeText(value);
    if (typeof value === "bigint") value = Number(value);
    if (value === undefined || value === null || value === "") {
      if (field.required)
        errors[field.name] = fieldError(field, new FormFault("required"));
      continue;
    }
    try {
      data[field.name] = cleanField(field, value);
    } catch (error) {
      if (!(error instanceof FormFault)) throw error;
      errors[field.name] = fieldError(field, error);
    }
  }
  const unknown = Object.keys(values).filter((name) => !known.has(name));
  for (const name of unknown.sort(compareText)) {
    errors[name] = { code: "unknown", message: FORM_MESSAGES["unknown"]! };
  }
  return Object.keys(errors).length > 0
    ? { valid: false, errors }
    : { valid: true, data };
}

// --- tokens ------------------------------------------------------------------------

/** The claims of a JWT, read without verifying (the client only needs `exp`). */
export function jwtClaims(token: string): Record<string, unknown> | null {
  const part = token.split(".")[1];
  const bytes = part === undefined ? null : base64Decode(part, true);
  if (bytes === null) return null;
  try {
    const claims = parseJsonStrict(bytes);
    return isObject(claims) ? claims : null;
  } catch {
    return null;
  }
}
