// @mizan-lang/runtime/server: what only a server computes (docs/protocol.md):
// decoding call arguments and context key params with the exact error
// details, upload checks, the error envelope, origin cache keys, CSRF tokens,
// MWT, JWT minting and verification, guards and the edge manifest.
// Everything shared is re-exported from here. HMACs use node:crypto (also
// provided by Bun, Deno and edge runtimes with Node.js compatibility).

import {
  KeyObject,
  createHmac,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign as signBytes,
  timingSafeEqual,
  verify as verifyBytes,
} from "node:crypto";

import {
  ERROR_MESSAGES,
  ERROR_STATUS,
  type DecodeOptions,
  type ErrorCode,
  type ErrorDetailsMap,
  type JsonValue,
  MizanError,
  type ParamSpec,
  type SchemaTable,
  type TypeRef,
  ValueError,
  type ValueProblem,
  base64Decode,
  base64Encode,
  canonicalJson,
  compareText,
  decodeAt,
  decodeValue,
  hasOwn,
  isObject,
  parseJsonStrict,
  parseKeyText,
  pointer,
} from "./index.js";

export * from "./index.js";

// --- the error envelope (docs 3) ------------------------------------------------

/** An error a server answers with: status from the code table, fixed message. */
export function serverError<C extends ErrorCode>(
  code: C,
  details: ErrorDetailsMap[C],
): MizanError<C> {
  return new MizanError(code, ERROR_STATUS[code], details);
}

/** `{"error": {"code", "message", "details"}}`: the message is fixed per code. */
export function errorBody(code: ErrorCode, details: unknown = null): JsonValue {
  return {
    error: {
      code,
      message: ERROR_MESSAGES[code],
      details: (details ?? null) as JsonValue,
    },
  };
}

// --- arguments and key params (docs 4, 5) -----------------------------------------

const REJECT_UNKNOWN: DecodeOptions = { unknownEnum: "reject" };

function missing(schema: SchemaTable, param: ParamSpec): unknown {
  if (param.default !== undefined) {
    return decodeValue(schema, param.type, param.default, {
      unknownEnum: "reject",
    });
  }
  if (param.type.kind === "nullable") return null;
  throw new ValueError("required", pointer("", param.name));
}

function invalidArguments(
  problems: Record<string, ValueProblem>,
): MizanError<"invalid_arguments"> {
  const sorted = Object.keys(problems).sort(compareText);
  return serverError(
    "invalid_arguments",
    Object.fromEntries(sorted.map((name) => [name, problems[name]!])),
  );
}

/** Decoded arguments of a JSON call; throws `invalid_arguments` with one
 * problem per argument. Upload params are not read here (file parts). */
export function decodeArgs(
  schema: SchemaTable,
  params: readonly ParamSpec[],
  args: Record<string, unknown>,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  const problems: Record<string, ValueProblem> = {};
  for (const param of params) {
    try {
      if (hasOwn(args, param.name)) {
        values[param.name] = decodeAt(
          schema,
          param.type,
          args[param.name],
          pointer("", param.name),
          REJECT_UNKNOWN,
        );
      } else if (param.type.kind !== "upload") {
        values[param.name] = missing(schema, param);
      }
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      problems[param.name] = error.problem;
    }
  }
  for (const name of Object.keys(args)) {
    if (!params.some((param) => param.name === name)) {
      problems[name] = new ValueError("unknown", pointer("", name)).problem;
    }
  }
  if (Object.keys(problems).length > 0) throw invalidArguments(problems);
  return values;
}

/** The value a key text stands for (what the service receives). */
export function keyValue(
  schema: SchemaTable,
  type: TypeRef,
  text: string,
): unknown {
  let base = type;
  while (base.kind === "nullable") base = base.inner;
  if (base.kind === "primitive") {
    if (base.name === "int" || base.name === "float") return Number(text);
    if (base.name === "bool") return text === "true";
  }
  return decodeValue(schema, base, text, { unknownEnum: "reject" });
}

/** Decoded key params of `GET ctx/<name>/?...` from the query's pairs, and
 * their key texts (null for null); throws `invalid_arguments`. */
export function decodeQuery(
  schema: SchemaTable,
  params: readonly ParamSpec[],
  pairs: readonly (readonly [string, string])[],
): { values: Record<string, unknown>; texts: Record<string, string | null> } {
  const given = new Map<string, string[]>();
  for (const [name, value] of pairs) {
    const list = given.get(name);
    if (list) list.push(value);
    else given.set(name, [value]);
  }
  const values: Record<string, unknown> = {};
  const texts: Record<string, string | null> = {};
  const problems: Record<string, ValueProblem> = {};
  for (const param of params) {
    const found = given.get(param.name);
    try {
      if (found === undefined) {
        const value = missing(schema, param);
        values[param.name] = value;
        texts[param.name] =
          param.default === undefined || param.default === null
            ? null
            : parseKeyText(
                schema,
                param.type,
                keyDefault(param.default),
                param.name,
              );
      } else if (found.length > 1) {
        throw new ValueError("duplicate", pointer("", param.name));
      } else {
        const text = parseKeyText(schema, param.type, found[0]!, param.name);
        texts[param.name] = text;
        values[param.name] = keyValue(schema, param.type, text);
      }
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      problems[param.name] = error.problem;
    }
  }
  const known = new Set(params.map((param) => param.name));
  for (const name of given.keys()) {
    if (!known.has(name)) {
      problems[name] = new ValueError("unknown", pointer("", name)).problem;
    }
  }
  if (Object.keys(problems).length > 0) throw invalidArguments(problems);
  return { values, texts };
}

function keyDefault(value: JsonValue): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

// --- uploads ----------------------------------------------------------------------

export const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/** `Image/PNG; q=1` -> `image/png`: parameters dropped, lowercase. */
export function mediaType(contentType: string | null | undefined): string {
  if (!contentType) return DEFAULT_CONTENT_TYPE;
  return contentType.split(";", 1)[0]!.trim().toLowerCase();
}

/** Does a declared `content-types` list (empty: anything) accept this type? */
export function acceptsMediaType(
  accepted: readonly string[],
  contentType: string | null | undefined,
): boolean {
  if (accepted.length === 0) return true;
  const kind = mediaType(contentType);
  const major = kind.split("/", 1)[0];
  return accepted.some((a) => {
    const lower = a.toLowerCase();
    return lower === kind || lower === `${major}/*`;
  });
}

/** Size before type; throws `payload_too_large` (413) or `unsupported_media_type` (415). */
export function checkUpload(
  name: string,
  maxSize: number | null,
  accepted: readonly string[],
  size: number,
  contentType: string | null | undefined,
): void {
  if (maxSize !== null && size > maxSize) {
    throw serverError("payload_too_large", { limit: maxSize, param: name });
  }
  if (!acceptsMediaType(accepted, contentType)) {
    throw serverError("unsupported_media_type", {
      content_type: mediaType(contentType),
      param: name,
    });
  }
}

// --- HMAC helpers -----------------------------------------------------------------

export type Secret = string | Uint8Array;

const UTF8 = new TextEncoder();
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

function hmac(
  hash: "sha256" | "sha384" | "sha512",
  secret: Secret,
  ...parts: (string | Uint8Array)[]
): Uint8Array {
  const mac = createHmac(hash, secret);
  for (const part of parts) mac.update(part);
  return new Uint8Array(mac.digest());
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const b64url = (bytes: Uint8Array): string => base64Encode(bytes, true);
const b64urlDecode = (text: string): Uint8Array | null =>
  base64Decode(text, true);
const isAscii = (text: string): boolean => /^[\x00-\x7f]*$/.test(text);

function utf8Text(bytes: Uint8Array): string | null {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return null;
  }
}

// --- origin cache keys (docs 8) ---------------------------------------------------

export const CACHE_KEY_TAG = "mizan-cache-key-v1\u0000";

/** The identity a bundle is cached for: `public`, `anon` or `user:<sub>`. */
export function cacheIdentity(vary: string, subject: string | null): string {
  if (vary === "public") return "public";
  return subject === null ? "anon" : `user:${subject}`;
}

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

function textField(value: string): Uint8Array[] {
  const bytes = UTF8.encode(value);
  return [u32(bytes.length), bytes];
}

/** The canonical message a cache key signs. */
export function cacheKeyMessage(
  context: string,
  params: Readonly<Record<string, string | null>>,
  identity: string,
): Uint8Array {
  const parts: Uint8Array[] = [
    UTF8.encode(CACHE_KEY_TAG),
    ...textField(context),
  ];
  const names = Object.keys(params).sort(compareText);
  parts.push(u32(names.length));
  for (const name of names) {
    const value = params[name] ?? null;
    parts.push(...textField(name));
    if (value === null) parts.push(Uint8Array.of(0));
    else parts.push(Uint8Array.of(1), ...textField(value));
  }
  parts.push(...textField(identity));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Lowercase hex of HMAC-SHA256(secret, message). */
export function cacheKey(
  secret: Secret,
  context: string,
  params: Readonly<Record<string, string | null>>,
  identity: string,
): string {
  const mac = hmac(
    "sha256",
    secret,
    cacheKeyMessage(context, params, identity),
  );
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

// --- CSRF (docs 9) ----------------------------------------------------------------

export const CSRF_COOKIE = "mizan_csrf";
export const CSRF_HEADER = "X-Mizan-CSRF";
const CSRF_TAG = "mizan-csrf-v1\u0000";
const NONCE_BYTES = 32;

/** A signed double-submit token; the nonce is random unless given. */
export function makeCsrfToken(secret: Secret, nonce?: Uint8Array): string {
  const nonceText = b64url(nonce ?? new Uint8Array(randomBytes(NONCE_BYTES)));
  return `${nonceText}.${b64url(hmac("sha256", secret, CSRF_TAG, nonceText))}`;
}

/** A token this server made (whatever the cookie says). */
export function isValidCsrfToken(secret: Secret, token: string): boolean {
  const dot = token.indexOf(".");
  if (dot < 0 || !isAscii(token)) return false;
  const nonceText = token.slice(0, dot);
  const nonce = b64urlDecode(nonceText);
  const mac = b64urlDecode(token.slice(dot + 1));
  if (nonce === null || mac === null || nonce.length !== NONCE_BYTES)
    return false;
  return sameBytes(hmac("sha256", secret, CSRF_TAG, nonceText), mac);
}

/** null when the request passes; else `missing`, `mismatch` or `invalid`. */
export function checkCsrf(
  secret: Secret,
  cookie: string | null | undefined,
  header: string | null | undefined,
): "missing" | "mismatch" | "invalid" | null {
  if (!cookie || !header) return "missing";
  if (!sameBytes(UTF8.encode(cookie), UTF8.encode(header))) return "mismatch";
  return isValidCsrfToken(secret, cookie) ? null : "invalid";
}

// --- MWT (docs 8.4) ----------------------------------------------------------------

export const MWT_COOKIE = "mizan_mwt";
export const MWT_HEADER = "X-Mizan-MWT";
export const MWT_TTL = 300;
const MWT_TAG = "mizan-mwt-v1\u0000";
const MWT_EXP = /^(?:0|[1-9][0-9]{0,15})$/;

/** Refused: `reason` is `malformed`, `signature` or `expired`. */
export class MwtError extends Error {
  constructor(readonly reason: "malformed" | "signature" | "expired") {
    super(reason);
    this.name = "MwtError";
  }
}

export function mintMwt(secret: Secret, identity: string, exp: number): string {
  if (!identity) throw new TypeError("an MWT needs an identity");
  const signed = `v1.${b64url(UTF8.encode(identity))}.${exp}`;
  return `${signed}.${b64url(hmac("sha256", secret, MWT_TAG, signed))}`;
}

/** The identity an MWT carries; throws MwtError (shape, MAC, expiry). */
export function verifyMwt(secret: Secret, token: string, now: number): string {
  const parts = token.split(".");
  if (parts.length !== 4 || parts[0] !== "v1" || !isAscii(token)) {
    throw new MwtError("malformed");
  }
  const [, idText, expText, macText] = parts as [
    string,
    string,
    string,
    string,
  ];
  if (!MWT_EXP.test(expText)) throw new MwtError("malformed");
  const idBytes = b64urlDecode(idText);
  const mac = b64urlDecode(macText);
  const identity = idBytes === null ? null : utf8Text(idBytes);
  if (!identity || mac === null) throw new MwtError("malformed");
  const signed = parts.slice(0, 3).join(".");
  if (!sameBytes(hmac("sha256", secret, MWT_TAG, signed), mac)) {
    throw new MwtError("signature");
  }
  if (now >= Number(expText)) throw new MwtError("expired");
  return identity;
}

// --- JWT (docs 9) ------------------------------------------------------------------

export interface JwtConfig {
  readonly algorithm: string;
  readonly issuer: string | null;
  readonly audience: string | null;
  readonly access_ttl: number;
  readonly refresh_ttl: number;
}

export type TokenType = "access" | "refresh";
export type Claims = Record<string, JsonValue>;

const HMAC_HASHES: Readonly<Record<string, "sha256" | "sha384" | "sha512">> = {
  HS256: "sha256",
  HS384: "sha384",
  HS512: "sha512",
};
const RESERVED_CLAIMS = [
  "aud",
  "exp",
  "iat",
  "iss",
  "jti",
  "nbf",
  "sub",
  "typ",
];

/** A refused token; `reason` is the `details.reason` of the 401. */
export class TokenError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "TokenError";
  }
}

// Key-pair algorithms: RSASSA-PKCS1-v1_5 and ECDSA (signatures as JWS wants
// them: r || s, not DER), as PyJWT signs and checks them for the Python targets.
const KEY_PAIR: Readonly<
  Record<string, { readonly hash: string; readonly curve: string | null }>
> = {
  RS256: { hash: "sha256", curve: null },
  ES256: { hash: "sha256", curve: "prime256v1" },
};

/** A JWT key: the shared secret of HS256/384/512; for RS256 and ES256 a
 * private key (signing) or public key (verifying), as a KeyObject or PEM. */
export type JwtKey = Secret | KeyObject;

/** The keys a server signs and verifies tokens with, checked once. */
export interface JwtKeys {
  /** null: this server only verifies tokens (a public key alone). */
  readonly sign: JwtKey | null;
  readonly verify: JwtKey;
}

function keyPairPart(
  algorithm: string,
  key: JwtKey,
  part: "private" | "public",
): KeyObject {
  const spec = KEY_PAIR[algorithm]!;
  const kind = spec.curve === null ? "rsa" : "ec";
  const refused = (): TypeError =>
    new TypeError(
      `${algorithm} needs ${kind === "rsa" ? "an RSA" : "a P-256"} ${part} key`,
    );
  let object: KeyObject;
  if (key instanceof KeyObject) {
    object =
      part === "public" && key.type === "private" ? createPublicKey(key) : key;
  } else {
    const pem = typeof key === "string" ? key : Buffer.from(key);
    try {
      object =
        part === "private" ? createPrivateKey(pem) : createPublicKey(pem);
    } catch {
      throw refused();
    }
  }
  const curve = object.asymmetricKeyDetails?.namedCurve ?? null;
  if (
    object.type !== part ||
    object.asymmetricKeyType !== kind ||
    (spec.curve !== null && curve !== spec.curve)
  ) {
    throw refused();
  }
  return object;
}

/** The signing and verifying keys of `algorithm`: a secret for HS*, else a
 * private key and its public key (taken from the private one when not given). */
export function jwtKeys(
  algorithm: string,
  key: JwtKey | null,
  verifyKey: JwtKey | null = null,
): JwtKeys {
  const verifying = verifyKey ?? key;
  if (verifying === null) throw new TypeError(`${algorithm} needs a key`);
  if (HMAC_HASHES[algorithm] !== undefined) {
    if (key instanceof KeyObject || verifying instanceof KeyObject) {
      throw new TypeError(`${algorithm} needs a shared secret, not a key`);
    }
    return { sign: key, verify: verifying };
  }
  if (KEY_PAIR[algorithm] === undefined) {
    throw new TypeError(`unsupported JWT algorithm ${algorithm}`);
  }
  return {
    sign: key === null ? null : keyPairPart(algorithm, key, "private"),
    verify: keyPairPart(algorithm, verifying, "public"),
  };
}

/** Whether `algorithm` signs with a key pair (RS256, ES256). */
export function usesKeyPair(algorithm: string): boolean {
  return KEY_PAIR[algorithm] !== undefined;
}

function sign(algorithm: string, key: JwtKey, input: string): Uint8Array {
  const hash = HMAC_HASHES[algorithm];
  if (hash !== undefined) {
    if (key instanceof KeyObject) throw new TypeError("HS* needs a secret");
    return hmac(hash, key, input);
  }
  const pair = KEY_PAIR[algorithm];
  if (pair === undefined) {
    throw new TypeError(`unsupported JWT algorithm ${algorithm}`);
  }
  const signing = keyPairPart(algorithm, key, "private");
  return new Uint8Array(
    signBytes(pair.hash, UTF8.encode(input), {
      key: signing,
      dsaEncoding: "ieee-p1363",
    }),
  );
}

function signatureValid(
  algorithm: string,
  key: JwtKey,
  input: string,
  signature: Uint8Array,
): boolean {
  const pair = KEY_PAIR[algorithm];
  if (pair === undefined) {
    return sameBytes(sign(algorithm, key, input), signature);
  }
  const verifying = keyPairPart(algorithm, key, "public");
  try {
    return verifyBytes(
      pair.hash,
      UTF8.encode(input),
      { key: verifying, dsaEncoding: "ieee-p1363" },
      signature,
    );
  } catch {
    return false;
  }
}

/** The claims of a new token: access tokens carry `extra`, refresh tokens a `jti`. */
export function claimsFor(
  jwt: JwtConfig,
  typ: TokenType,
  sub: string,
  iat: number,
  extra: Claims | null = null,
  jti: string | null = null,
): Claims {
  const ttl = typ === "access" ? jwt.access_ttl : jwt.refresh_ttl;
  const claims: Claims = { exp: iat + ttl, iat, sub, typ };
  if (jwt.issuer !== null) claims["iss"] = jwt.issuer;
  if (jwt.audience !== null) claims["aud"] = jwt.audience;
  if (typ === "refresh") {
    if (!jti) throw new TypeError("a refresh token needs a jti");
    claims["jti"] = jti;
  }
  const clash = RESERVED_CLAIMS.filter(
    (name) => extra !== null && hasOwn(extra, name),
  );
  if (clash.length > 0) {
    throw new TypeError(`extra claims may not set ${clash.join(", ")}`);
  }
  return { ...claims, ...(extra ?? {}) };
}

/** header.payload.signature, header and claims in canonical JSON. */
export function encodeJwt(
  algorithm: string,
  secret: JwtKey,
  claims: Claims,
): string {
  const header = b64url(
    UTF8.encode(canonicalJson({ alg: algorithm, typ: "JWT" })),
  );
  const payload = b64url(UTF8.encode(canonicalJson(claims)));
  const input = `${header}.${payload}`;
  return `${input}.${b64url(sign(algorithm, secret, input))}`;
}

export function mintJwt(
  jwt: JwtConfig,
  secret: JwtKey,
  typ: TokenType,
  sub: string,
  iat: number,
  extra: Claims | null = null,
  jti: string | null = null,
): string {
  return encodeJwt(
    jwt.algorithm,
    secret,
    claimsFor(jwt, typ, sub, iat, extra, jti),
  );
}

function splitJwt(token: string): [Claims, Claims, string, Uint8Array] {
  const parts = token.split(".");
  if (parts.length !== 3 || !isAscii(token)) throw new TokenError("malformed");
  const [headerText, payloadText, signatureText] = parts as [
    string,
    string,
    string,
  ];
  const read = (text: string): unknown => {
    const bytes = b64urlDecode(text);
    if (bytes === null) throw new TokenError("malformed");
    try {
      return parseJsonStrict(bytes);
    } catch {
      throw new TokenError("malformed");
    }
  };
  const header = read(headerText);
  const claims = read(payloadText);
  const signature = b64urlDecode(signatureText);
  if (!isObject(header) || !isObject(claims) || signature === null) {
    throw new TokenError("malformed");
  }
  if (hasOwn(header, "crit") || typeof header["alg"] !== "string") {
    throw new TokenError("malformed");
  }
  return [
    header as Claims,
    claims as Claims,
    `${headerText}.${payloadText}`,
    signature,
  ];
}

const isInt = (value: unknown): boolean =>
  typeof value === "number" && Number.isInteger(value);
const isText = (value: unknown): boolean =>
  typeof value === "string" && value !== "";

/** The claims of a valid token of type `typ`; throws TokenError. Checks, in
 * order: malformed, algorithm, signature, malformed (claims), wrong_type,
 * issuer, audience, expired. */
export function verifyJwt(
  jwt: JwtConfig,
  secret: JwtKey,
  token: string,
  typ: TokenType,
  now: number,
): Claims {
  const [header, claims, input, signature] = splitJwt(token);
  if (header["alg"] !== jwt.algorithm) throw new TokenError("algorithm");
  if (!signatureValid(jwt.algorithm, secret, input, signature)) {
    throw new TokenError("signature");
  }
  let ok =
    isText(claims["sub"]) &&
    isInt(claims["iat"]) &&
    isInt(claims["exp"]) &&
    typeof claims["typ"] === "string";
  if (ok && typ === "refresh" && claims["typ"] === "refresh")
    ok = isText(claims["jti"]);
  if (!ok) throw new TokenError("malformed");
  if (claims["typ"] !== typ) throw new TokenError("wrong_type");
  if ((claims["iss"] ?? null) !== jwt.issuer) throw new TokenError("issuer");
  if ((claims["aud"] ?? null) !== jwt.audience)
    throw new TokenError("audience");
  if (now >= (claims["exp"] as number)) throw new TokenError("expired");
  return claims;
}

// --- guards -------------------------------------------------------------------------

export interface GuardRule {
  readonly claim: string;
  readonly value?: JsonValue | null;
}

/** JSON truthiness: false for null, false, 0, "", [] and {}. */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

/** Equality of JSON values: numbers by value, a boolean never equals a number. */
export function jsonEqual(left: unknown, right: unknown): boolean {
  if (Array.isArray(left) || Array.isArray(right)) {
    return (
      Array.isArray(left) &&
      Array.isArray(right) &&
      left.length === right.length &&
      left.every((item, i) => jsonEqual(item, right[i]))
    );
  }
  if (isObject(left) && isObject(right)) {
    const keys = Object.keys(left);
    return (
      keys.length === Object.keys(right).length &&
      keys.every(
        (key) => hasOwn(right, key) && jsonEqual(left[key], right[key]),
      )
    );
  }
  return left === right;
}

/** A guard without `value` wants its claim truthy; with one, equal to it. */
export function guardAllows(
  guard: GuardRule,
  claims: Readonly<Record<string, unknown>>,
): boolean {
  if (!hasOwn(claims, guard.claim)) return false;
  const claim = claims[guard.claim];
  if (guard.value === undefined || guard.value === null) return truthy(claim);
  return jsonEqual(claim, guard.value);
}

// --- the edge manifest (docs 8.5) ---------------------------------------------------

export const PROTOCOL_VERSION = 1;
export const DEFAULT_PREFIX = "/api/mizan/";

export interface ManifestContext {
  readonly affected_by: readonly string[];
  readonly auth: string;
  readonly cache: { readonly ttl: number; readonly vary: string };
  readonly members: readonly string[];
  readonly params: readonly { readonly name: string; readonly type: string }[];
  readonly render_strategy: string;
}

/** The manifest for a mount prefix: context paths follow the prefix. */
export function edgeManifest(
  contexts: Readonly<Record<string, ManifestContext>>,
  prefix: string = DEFAULT_PREFIX,
): JsonValue {
  const out: Record<string, JsonValue> = {};
  for (const name of Object.keys(contexts)) {
    const context = contexts[name]!;
    out[name] = {
      affected_by: [...context.affected_by],
      auth: context.auth,
      cache: { ttl: context.cache.ttl, vary: context.cache.vary },
      members: [...context.members],
      params: context.params.map((p) => ({ name: p.name, type: p.type })),
      path: `${prefix}ctx/${name}/`,
      render_strategy: context.render_strategy,
    };
  }
  return {
    contexts: out,
    identity: { cookie: MWT_COOKIE, header: MWT_HEADER, ttl: MWT_TTL },
    invalidation_header: "X-Mizan-Invalidate",
    prefix,
    protocol: PROTOCOL_VERSION,
  };
}
export * from "./dispatch.js";
export * from "./redis.js";
