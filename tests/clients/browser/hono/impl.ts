// The browser proof's service (tests/clients/browser/app.mizan) for the
// generated Hono server: the same deterministic data as ../impl.py.

import {
  MizanError,
  type Caller,
  type Identity,
  type JsonValue,
  type Service,
} from "./api/index.js";
import type * as T from "./api/types.js";

const HEADLINE = "Mizan clients reach the browser";
const ACCOUNT = { username: "ada", password: "ada-password" };

function subject(caller: Caller): string {
  if (caller.subject === null) {
    throw new MizanError("unauthenticated", 401, { reason: "missing" });
  }
  return caller.subject;
}

export class BrowserApp implements Service {
  private names = new Map<bigint, string>([
    [1n, "Ada Lovelace"],
    [2n, "Grace Hopper"],
  ]);
  private myNames = new Map<string, string>([
    [ACCOUNT.username, "Ada Lovelace"],
  ]);

  authenticate(credentials: JsonValue): Identity | null {
    const given = JSON.stringify(credentials);
    return given === JSON.stringify(ACCOUNT)
      ? { subject: ACCOUNT.username }
      : null;
  }

  identityOf(subject: string): Identity | null {
    return this.myNames.has(subject) ? { subject } : null;
  }

  my_name(caller: Caller): string {
    return this.myNames.get(subject(caller))!;
  }

  set_my_name(caller: Caller, name: string): string {
    this.myNames.set(subject(caller), name);
    return name;
  }

  profile_card(_caller: Caller, user_id: bigint): T.Profile {
    const name = this.names.get(user_id);
    if (name === undefined) throw new MizanError("not_found", 404, null);
    return { user_id, name };
  }

  rename(_caller: Caller, user_id: bigint, name: string): T.Profile {
    if (!this.names.has(user_id)) throw new MizanError("not_found", 404, null);
    this.names.set(user_id, name);
    return { user_id, name };
  }

  top_headline(_caller: Caller): T.Headline {
    return { title: HEADLINE };
  }
}
