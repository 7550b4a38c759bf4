// The browser proof's page: the `profile` and `news` bundles through the
// generated hooks, and a button that runs the `rename` mutation. The new
// name appears because the call's invalidation refetches `profile` only.
import { useNewsContext, useProfileContext, useRename } from "./mizan/react.js";

const USER_ID = 1n;
export const NEW_NAME = "Ada King";

export function App() {
  const profile = useProfileContext({ user_id: USER_ID });
  const news = useNewsContext();
  const rename = useRename();
  return (
    <main>
      <h1>Profile</h1>
      <p data-testid="profile-name">
        {profile.data?.profile_card.name ?? "loading"}
      </p>
      <p data-testid="headline">{news.data?.top_headline.title ?? ""}</p>
      <button
        type="button"
        disabled={rename.isPending}
        onClick={() => rename.mutate({ user_id: USER_ID, name: NEW_NAME })}
      >
        Rename
      </button>
      {profile.error && <p role="alert">{profile.error.message}</p>}
    </main>
  );
}
