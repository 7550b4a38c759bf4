// The page's state through the generated composables (typed, so tsc --strict
// checks it; App.vue only places it).
import { computed } from "vue";
import { useNewsContext, useProfileContext, useRename } from "./mizan/vue.js";

const USER_ID = 1n;
export const NEW_NAME = "Ada King";

export function usePage() {
  const profile = useProfileContext(() => ({ user_id: USER_ID }));
  const news = useNewsContext();
  const rename = useRename();
  return {
    name: computed(() => profile.data.value?.profile_card.name ?? "loading"),
    headline: computed(() => news.data.value?.top_headline.title ?? ""),
    error: computed(() => profile.error.value?.message ?? null),
    busy: rename.loading,
    rename: () => rename.mutate({ user_id: USER_ID, name: NEW_NAME }),
  };
}
