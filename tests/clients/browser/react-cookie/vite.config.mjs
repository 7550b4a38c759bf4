// Built by tests/clients/test_browser.py from .cache/clients/browser-react-cookie/.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({ plugins: [react()], build: { outDir: "dist" } });
