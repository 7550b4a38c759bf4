// Built by tests/clients/test_browser.py from .cache/clients/browser-vue/.
import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vite";

export default defineConfig({ plugins: [vue()], build: { outDir: "dist" } });
