// The cookie scenario's page: "Sign in" runs client.runtime.login (the
// server answers with httpOnly cookies), then the page shows the caller's
// own name (context `me`, auth=user) and the public headline (`news`).
// "Rename me" runs `set_my_name` (affects=me); the new name appears because
// the call's invalidation refetches `me` only.
import { useState } from "react";
import {
  useMeContext,
  useMizanClient,
  useNewsContext,
  useSetMyName,
} from "./mizan/react.js";

export const CREDENTIALS = { username: "ada", password: "ada-password" };
export const NEW_NAME = "Ada King";

function SignedIn() {
  const me = useMeContext();
  const news = useNewsContext();
  const rename = useSetMyName();
  return (
    <section>
      <p data-testid="profile-name">{me.data?.my_name ?? "loading"}</p>
      <p data-testid="headline">{news.data?.top_headline.title ?? ""}</p>
      <button
        type="button"
        disabled={rename.isPending}
        onClick={() => rename.mutate({ name: NEW_NAME })}
      >
        Rename me
      </button>
      {me.error && <p role="alert">{me.error.message}</p>}
      {rename.error && <p role="alert">{rename.error.message}</p>}
    </section>
  );
}

export function App() {
  const client = useMizanClient();
  const [state, setState] = useState("out");
  const signIn = () => {
    setState("pending");
    client.runtime.login(CREDENTIALS).then(
      () => setState("in"),
      (error: Error) => setState(`failed: ${error.message}`),
    );
  };
  return (
    <main>
      <h1>My name</h1>
      {state === "in" ? (
        <SignedIn />
      ) : (
        <button type="button" disabled={state === "pending"} onClick={signIn}>
          Sign in
        </button>
      )}
      {state.startsWith("failed") && <p role="alert">{state}</p>}
    </main>
  );
}
