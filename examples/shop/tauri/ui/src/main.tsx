// The shop's desktop page, in each window of the app: the generated React
// client (stubs/shop_ts, TanStack Query hooks) over the IPC transport. It
// shows Ada's cart (the `cart` context) and adds a knife to it.
//
// Driven (SHOP_DESKTOP_E2E=1, see src/main.rs) the windows play the test
// scenario alone: both render the cart, window `a` then clicks its button
// once window `b` has rendered, and `b` refetches what `a`'s add_to_cart
// made stale when the subscription channel pushes the invalidation. Every
// rendered state is reported through `e2e_report`, as read from the page.

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { Channel, invoke } from "@tauri-apps/api/core";
import { getCurrentWebviewWindow } from "@tauri-apps/api/webviewWindow";
import { tauriTransport, type IpcTransport } from "@mizan-lang/runtime/ipc";
import { StrictMode, useEffect, useRef, useState } from "react";
import { createRoot } from "react-dom/client";
import { createClient } from "../../../../../stubs/shop_ts/client.js";
import {
  MizanProvider,
  useAddToCart,
  useCartContext,
} from "../../../../../stubs/shop_ts/react.js";

const CART = "4f6b1c2e-8d3a-4e5f-9a7b-0c1d2e3f4a5b";
const KNIFE = 1n;
const ADA = { email: "ada@example.com", password: "pw-ada" };

const label = getCurrentWebviewWindow().label;
const other = label === "a" ? "b" : "a";

/** What this window's client sent (paths) and was pushed (invalidations). */
const sent: string[] = [];
const pushed: unknown[] = [];

const ipc = tauriTransport({ invoke, Channel });
const recording: IpcTransport = {
  request(method, path, headers, body) {
    sent.push(path.split("?")[0] ?? path);
    return ipc.request(method, path, headers, body);
  },
  subscribe(listener) {
    return ipc.subscribe((invalidate) => {
      pushed.push(invalidate);
      listener(invalidate);
    });
  },
};

const client = createClient({ ipc: recording });
// The subscription channel keeps every window's data fresh: refetching on
// focus would only repeat requests.
const queryClient = new QueryClient({
  defaultOptions: { queries: { refetchOnWindowFocus: false } },
});

function report(step: string, detail: unknown): Promise<void> {
  return invoke("e2e_report", { step, detail });
}

async function seen(window: string, step: string): Promise<void> {
  while (!(await invoke<boolean>("e2e_seen", { window, step }))) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The cart as this page shows it, read back from the DOM. */
function shown(): { items: number; lines: string[] } {
  const count = document.querySelector("[data-items]")?.textContent ?? "";
  const lines = [...document.querySelectorAll("[data-line]")].map(
    (line) => line.textContent ?? "",
  );
  return { items: Number.parseInt(count, 10), lines };
}

function CartView({ driven }: { driven: boolean }) {
  const cart = useCartContext({ cart_id: CART });
  const add = useAddToCart({
    onSuccess: (result) =>
      driven
        ? void report("mutated", {
            item_count: result.item_count,
            lines: result.lines.map(
              (line) => `${line.product.name} × ${line.quantity}`,
            ),
          })
        : undefined,
  });
  const renders = useRef(0);
  const contents = cart.data?.cart_contents;

  useEffect(() => {
    if (!driven || contents === undefined) return;
    renders.current += 1;
    const render = renders.current;
    void report(`render ${render}`, {
      ...shown(),
      fetches: sent.filter((path) => path.startsWith("ctx/cart")).length,
      calls: sent.filter((path) => path.startsWith("call/")),
      pushed,
    }).then(async () => {
      if (label === "a" && render === 1) {
        await seen(other, "render 1");
        document.querySelector<HTMLButtonElement>("button")?.click();
      }
    });
    // Once per new bundle: the data's timestamp changes on every fetch.
  }, [cart.dataUpdatedAt]);

  if (cart.error) return <p role="alert">{cart.error.message}</p>;
  if (contents === undefined) return <p>Loading the cart…</p>;
  return (
    <section>
      <p>
        <strong data-items>{contents.item_count}</strong> items,{" "}
        {contents.subtotal.amount} {contents.subtotal.currency}
      </p>
      <ul>
        {contents.lines.map((line) => (
          <li key={String(line.product.id)} data-line>
            {line.product.name} × {line.quantity}
          </li>
        ))}
      </ul>
      <button
        disabled={add.isPending}
        onClick={() =>
          add.mutate({ cart_id: CART, product_id: KNIFE, quantity: 1 })
        }
      >
        Add a chef's knife
      </button>
      <p>
        Bundles fetched: {sent.filter((p) => p.startsWith("ctx/cart")).length}
        {" · "}pushed by the other window: {JSON.stringify(pushed)}
      </p>
    </section>
  );
}

function App() {
  const [state, setState] = useState("out");
  const [driven, setDriven] = useState(false);
  useEffect(() => {
    (async () => {
      setDriven(await invoke<boolean>("e2e_driven"));
      // Subscribed before anything renders: no push can be missed.
      await client.runtime.subscribed;
      await client.runtime.login(ADA);
      setState("in");
    })().catch((error: unknown) => {
      setState(String(error));
      void report("error", String(error));
    });
  }, []);
  return (
    <main style={{ fontFamily: "sans-serif", padding: "1em" }}>
      <h1>Window {label}: Ada's cart</h1>
      {state === "in" ? (
        <CartView driven={driven} />
      ) : state === "out" ? (
        <p>Signing in…</p>
      ) : (
        <p role="alert">{state}</p>
      )}
    </main>
  );
}

const root = document.getElementById("root");
if (root !== null) {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <MizanProvider client={client}>
          <App />
        </MizanProvider>
      </QueryClientProvider>
    </StrictMode>,
  );
}
