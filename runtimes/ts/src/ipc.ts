// The IPC transport: the client inside a Tauri 2 app calls the generated
// Tauri commands (`mizan-lang gen --target tauri`) instead of HTTP.
//
//   import { invoke, Channel } from "@tauri-apps/api/core";
//   import { tauriTransport } from "@mizan-lang/runtime/ipc";
//   const api = createClient({ ipc: tauriTransport({ invoke, Channel }) });
//
// Each request is the one HTTP would send: the path's family picks the
// command (`call/` -> `mizan_call`, `ctx/` -> `mizan_bundle`, ...), the path,
// method, media type and bearer token travel as headers and the body as its
// bytes (a multipart upload too), so the Rust side answers exactly what the
// HTTP endpoint answers: `{status, headers, body}`. No cookies, CSRF session
// or WebSocket: the subscription channel pushes what other windows' calls
// made stale.

/** `invoke` of `@tauri-apps/api/core` (only what the transport uses). */
export type Invoke = (
  cmd: string,
  args?: Record<string, unknown> | number[] | ArrayBuffer | Uint8Array,
  options?: { headers: Record<string, string> },
) => Promise<unknown>;

/** `Channel` of `@tauri-apps/api/core` (only what the transport uses). */
export interface ChannelLike<T> {
  onmessage: (message: T) => void;
}
export type ChannelFactory = new () => ChannelLike<unknown>;

/** What the transport answers the client: status, parsed body, no header. */
export interface IpcReply {
  status: number;
  body: unknown;
  header: string | null;
}

/** A transport the client sends through when created with `ipc`. */
export interface IpcTransport {
  request(
    method: "GET" | "POST",
    path: string,
    headers: Record<string, string>,
    body: BodyInit | null,
  ): Promise<IpcReply>;
  /** Calls `listener` with each `invalidate` list another window caused. */
  subscribe(listener: (invalidate: unknown) => void): Promise<void>;
}

const FAMILIES: Record<string, string> = {
  call: "mizan_call",
  ctx: "mizan_bundle",
  render: "mizan_render",
  form: "mizan_form",
  auth: "mizan_auth",
  ir: "mizan_ir",
};

/** The Tauri command that serves a path (under the prefix). */
export function ipcCommand(path: string): string {
  return FAMILIES[path.split("/")[0] ?? ""] ?? "mizan_call";
}

/** The body's bytes and media type, as `fetch` would send them. */
async function bodyBytes(
  body: BodyInit | null,
  headers: Record<string, string>,
): Promise<{ bytes: Uint8Array; type: string | null }> {
  if (body === null) return { bytes: new Uint8Array(), type: null };
  const encoded = new Response(body);
  const type =
    headers["Content-Type"] ?? encoded.headers.get("content-type") ?? null;
  return { bytes: new Uint8Array(await encoded.arrayBuffer()), type };
}

function isEnvelope(
  value: unknown,
): value is { status: number; headers: unknown; body: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { status?: unknown }).status === "number" &&
    "body" in value
  );
}

/** The transport over Tauri's `invoke` and `Channel`. */
export function tauriTransport(core: {
  invoke: Invoke;
  Channel: ChannelFactory;
}): IpcTransport {
  return {
    async request(method, path, headers, body) {
      const { bytes, type } = await bodyBytes(body, headers);
      const sent: Record<string, string> = {
        "mizan-path": path,
        "mizan-method": method,
      };
      if (type !== null) sent["mizan-content-type"] = type;
      const authorization = headers["Authorization"];
      if (authorization !== undefined) sent["authorization"] = authorization;
      let answer: unknown;
      try {
        answer = await core.invoke(ipcCommand(path), bytes, { headers: sent });
      } catch (error) {
        // A rejected invoke: the command is not registered (or IPC failed).
        return { status: 0, body: { error: String(error) }, header: null };
      }
      if (!isEnvelope(answer)) return { status: 0, body: null, header: null };
      return { status: answer.status, body: answer.body, header: null };
    },
    async subscribe(listener) {
      const channel = new core.Channel();
      channel.onmessage = (message: unknown) => {
        if (typeof message === "object" && message !== null) {
          listener((message as { invalidate?: unknown }).invalidate ?? "*");
        }
      };
      await core.invoke("mizan_subscribe", { channel });
    },
  };
}
