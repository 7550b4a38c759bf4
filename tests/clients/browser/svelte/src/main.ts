import { mount } from "svelte";
import App from "./App.svelte";
import { createClient } from "./mizan/client.js";

mount(App, {
  target: document.getElementById("app")!,
  props: { client: createClient() },
});
