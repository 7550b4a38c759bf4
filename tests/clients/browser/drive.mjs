// Drives the built app in Debian's Chromium (playwright-core, no bundled
// browser): the page shows the profile and the headline, a click renames
// the profile, and the new name appears with no reload. Prints one JSON
// line with what it saw; the Python test asserts on it.
//
// usage: node drive.mjs <base url> <screenshot path> <old name> <new name>
import { chromium } from "playwright-core";

const [base, screenshot, oldName, newName] = process.argv.slice(2);
const COUNTS = `${base}/_test/requests`;
// Long enough for a stray refetch (a too-wide invalidation) to be counted.
const SETTLE_MS = 750;

async function counts() {
  const response = await fetch(COUNTS);
  return await response.json();
}

const browser = await chromium.launch({
  executablePath: process.env.MIZAN_CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox"],
});
const problems = [];
try {
  const page = await browser.newPage({ viewport: { width: 640, height: 360 } });
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  let loads = 0;
  page.on("load", () => (loads += 1));

  await page.goto(`${base}/`);
  const name = page.getByTestId("profile-name");
  const headline = page.getByTestId("headline");
  await name.filter({ hasText: oldName }).waitFor({ timeout: 15000 });
  await headline.filter({ hasText: /\S/ }).waitFor({ timeout: 15000 });
  await page.waitForTimeout(SETTLE_MS);
  const before = await counts();

  await page.getByRole("button", { name: "Rename" }).click();
  await name.filter({ hasText: newName }).waitFor({ timeout: 15000 });
  await page.waitForTimeout(SETTLE_MS);
  const after = await counts();

  await page.screenshot({ path: screenshot });
  console.log(
    JSON.stringify({
      before,
      after,
      loads,
      problems,
      name: await name.textContent(),
      headline: await headline.textContent(),
    }),
  );
} finally {
  await browser.close();
}
