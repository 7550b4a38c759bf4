// The page's stores through the generated bindings (typed, so tsc --strict
// checks it; App.svelte only places them). Runs during App's initialisation.
import type { Client } from "./mizan/client.js";
import {
  setMizanClient,
  useNewsContext,
  useProfileContext,
  useRename,
} from "./mizan/svelte.js";

const USER_ID = 1n;
export const NEW_NAME = "Ada King";

export function createPage(client: Client) {
  setMizanClient(client);
  const rename = useRename();
  return {
    profile: useProfileContext({ user_id: USER_ID }),
    news: useNewsContext(),
    rename,
    run: () => rename.mutate({ user_id: USER_ID, name: NEW_NAME }),
  };
}
