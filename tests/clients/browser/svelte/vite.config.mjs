// Built by tests/clients/test_browser.py from .cache/clients/browser-svelte/.
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vite";

export default defineConfig({ plugins: [svelte()], build: { outDir: "dist" } });
