// Drives the built app in Debian's Chromium (playwright-core, no bundled
// browser): the page shows the profile and the headline, a click renames
// the profile, and the new name appears with no reload. Prints one JSON
// line with what it saw; the Python test asserts on it.
//
// usage: node drive.mjs <base url> <screenshot path> <old name> <new name>
import { SETTLE_MS, openPage } from "./chromium.mjs";

const [base, screenshot, oldName, newName] = process.argv.slice(2);
const COUNTS = `${base}/_test/requests`;

async function counts() {
  const response = await fetch(COUNTS);
  return await response.json();
}

const { browser, page, problems, state } = await openPage();
try {
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
      loads: state.loads,
      problems,
      name: await name.textContent(),
      headline: await headline.textContent(),
    }),
  );
} finally {
  await browser.close();
}
