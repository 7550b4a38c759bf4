// What both browser drivers share: Debian's Chromium through playwright-core
// (no bundled browser), a page that records its errors and loads.
import { chromium } from "playwright-core";

// Long enough for a stray refetch (a too-wide invalidation) to be counted.
export const SETTLE_MS = 750;

/** Launches Chromium and opens a page. `ignoreConsole(text)` says which
 * console errors are expected (they are not recorded as problems). */
export async function openPage(ignoreConsole = () => false) {
  const browser = await chromium.launch({
    executablePath: process.env.MIZAN_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
  const problems = [];
  const state = { loads: 0 };
  const page = await browser.newPage({ viewport: { width: 640, height: 360 } });
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && !ignoreConsole(message.text()))
      problems.push(`console: ${message.text()}`);
  });
  page.on("load", () => (state.loads += 1));
  return { browser, page, problems, state };
}
