// `vite build --config examples/shop/tauri/ui/vite.config.mjs` writes the
// page into ../dist, which tauri.conf.json embeds (frontendDist).
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [react()],
  build: { outDir: "../dist", emptyOutDir: true },
});
