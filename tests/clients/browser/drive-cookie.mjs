// Drives the cookie scenario (react-cookie/) in Debian's Chromium: "Sign in"
// logs in with cookies, the page shows the caller's name and the headline,
// "Rename me" changes the name with no reload. Then two forged POSTs from
// the page (plain fetch, the cookies ride along) without the CSRF header
// and with a wrong one, and a GET of ctx/me to read the name back. Prints
// one JSON line with what it saw and the server's request log.
//
// usage: node drive-cookie.mjs <base url> <screenshot path> <old name> <new name>
import { SETTLE_MS, openPage } from "./chromium.mjs";

const [base, screenshot, oldName, newName] = process.argv.slice(2);

async function fromServer(path) {
  const response = await fetch(`${base}${path}`);
  return await response.json();
}

const { browser, page, problems, state } = await openPage(
  // The forged POSTs below answer 403 on purpose; Chromium logs those.
  (text) => text.includes("403"),
);
try {
  await page.goto(`${base}/`);
  await page.getByRole("button", { name: "Sign in" }).click();
  const name = page.getByTestId("profile-name");
  const headline = page.getByTestId("headline");
  await name.filter({ hasText: oldName }).waitFor({ timeout: 15000 });
  await headline.filter({ hasText: /\S/ }).waitFor({ timeout: 15000 });
  await page.waitForTimeout(SETTLE_MS);
  const before = await fromServer("/_test/requests");
  // httpOnly: the page's script sees none of the auth or CSRF cookies.
  const documentCookie = await page.evaluate(() => document.cookie);

  await page.getByRole("button", { name: "Rename me" }).click();
  await name.filter({ hasText: newName }).waitFor({ timeout: 15000 });
  await page.waitForTimeout(SETTLE_MS);
  const after = await fromServer("/_test/requests");
  await page.screenshot({ path: screenshot });

  const forged = await page.evaluate(async () => {
    const post = async (headers) => {
      const response = await fetch("/api/mizan/call/", {
        method: "POST",
        headers: { "Content-Type": "application/json", ...headers },
        body: JSON.stringify({ fn: "set_my_name", args: { name: "Mallory" } }),
      });
      return { status: response.status, body: await response.json() };
    };
    const missing = await post({});
    const mismatch = await post({ "X-Mizan-CSRF": "not-the-session-token" });
    // Read the name back after both (a GET: no CSRF check applies).
    const me = await (await fetch("/api/mizan/ctx/me/")).json();
    return { missing, mismatch, me };
  });

  console.log(
    JSON.stringify({
      before,
      after,
      loads: state.loads,
      problems,
      documentCookie,
      forged,
      name: await name.textContent(),
      headline: await headline.textContent(),
      log: await fromServer("/_test/log"),
    }),
  );
} finally {
  await browser.close();
}
