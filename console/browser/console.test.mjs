// Drives the therapist console in Debian's Chromium (headless) as a therapist would, and
// checks what a browser must refuse. Run by cli/tests/console_browser.rs, which starts a real
// `solace server`, sets up a therapist and a client with the CLI, starts `solace console`
// and passes:
//   CONSOLE_URL        the one-time link `solace console` printed
//   CONSOLE_PASSPHRASE the therapist's passphrase
//   CLIENT_NAME        the client's name, CLIENT_MESSAGE a message they sent
//   SHARED_TITLE       the title of an item they shared, SHARED_TEXT a journal entry's text,
//   THOUGHT            the balanced thought of a thought record they shared
//   REPLY              what to reply, NOTE a private note to write
//   SECOND_CLIENT      a client whose link request waits, to accept in the console
//   SCREENSHOTS        where to write one PNG per screen
//   SOLACE_BIN, CLIENT_DIR, CLIENT_KEYS, SOLACE_PASSPHRASE, LIVE_MESSAGE: to send one more
//                      message as the client while the page is open
//   CHROMIUM           the browser binary (default /usr/bin/chromium)
// Prints one JSON line with what it measured; exits non-zero on the first failed check.

import { chromium } from "playwright-core";
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { execFileSync } from "node:child_process";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const url = env("CONSOLE_URL");
const base = url.slice(0, url.indexOf("/?"));
const shots = env("SCREENSHOTS");
mkdirSync(shots, { recursive: true });

function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
}

// axe runs through the DevTools protocol (page.evaluate), which the page's CSP does not
// govern, so the console's own policy stays strict during the check.
async function accessibility(page, screen) {
  const result = await page.evaluate(
    `${axeSource}; axe.run(document, { resultTypes: ["violations"] })`,
  );
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  check(bad.length === 0, `${screen}: axe found ${bad.map((v) => v.id).join(", ")}`);
  return result.violations.length;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox"],
});
const measured = { screens: 0, minor_axe: 0 };
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  const scriptErrors = [];
  page.on("pageerror", (e) => scriptErrors.push(String(e)));

  // The link signs in once, and the token leaves the address bar.
  await page.goto(url);
  check(page.url() === `${base}/`, `token dropped from the address bar (at ${page.url()})`);
  await page.getByLabel("Passphrase").waitFor();
  await page.screenshot({ path: join(shots, "1-unlock.png"), fullPage: true });
  measured.minor_axe += await accessibility(page, "unlock");
  const html = await page.content();
  check(!/<script(?![^>]*\bsrc=)[^>]*>/.test(html), "no inline script");

  // A wrong passphrase is refused plainly; the right one opens the caseload.
  await page.getByLabel("Passphrase").fill("not the passphrase at all");
  await page.getByRole("button", { name: "Unlock" }).click();
  await page.getByRole("alert").filter({ hasText: "does not open this store" }).waitFor();
  await page.getByLabel("Passphrase").fill(env("CONSOLE_PASSPHRASE"));
  await page.getByRole("button", { name: "Unlock" }).click();
  await page.getByRole("heading", { name: "Caseload" }).waitFor();
  // The therapist's sign-in expired while they were away (the test aged it on the server):
  // the console works on the local store and asks to sign in again; after that it syncs.
  const signIn = page.getByRole("button", { name: "Sign in again" });
  for (let i = 0; i < 40 && (await signIn.count()) === 0; i++) {
    await page.waitForTimeout(500);
    await page.reload();
  }
  check((await page.locator("main").innerText()).includes(env("CLIENT_NAME")), "local data shown while signed out");
  await page.screenshot({ path: join(shots, "7-signed-out.png"), fullPage: true });
  measured.minor_axe += await accessibility(page, "signed out");
  await page.getByLabel("Passphrase").fill(env("CONSOLE_PASSPHRASE"));
  await signIn.click();
  await page.getByRole("heading", { name: "Caseload" }).waitFor();
  // The risk alert (sent while the console was closed) is listed before everything else.
  const alerts = page.getByRole("region", { name: "Risk alerts to acknowledge" });
  await alerts.waitFor();
  const alertText = await alerts.innerText();
  check(alertText.includes(env("CLIENT_NAME")) && alertText.includes("Risk alert: PHQ-9 4"), `the alert (${alertText})`);
  check(alertText.includes("You promised to respond within 24 hours"), `the therapist's promise (${alertText})`);
  const firstRow = page.locator("table.caseload tbody tr").first();
  check((await firstRow.getAttribute("class")) === "risk", "the client at risk is listed first");
  const rowText = await firstRow.innerText();
  check(rowText.includes(env("CLIENT_NAME")), "the first row is the client");
  check(rowText.includes("risk alert to acknowledge"), `the flag says why (${rowText})`);
  await page.screenshot({ path: join(shots, "2-caseload.png"), fullPage: true });
  measured.minor_axe += await accessibility(page, "caseload");
  // A second client's link request (found by the console's background sync): accepted here.
  const requests = page.getByRole("region", { name: "Link requests" });
  for (let i = 0; i < 40 && (await requests.count()) === 0; i++) {
    await page.waitForTimeout(500);
    await page.reload();
  }
  await page.getByRole("button", { name: `Accept ${env("SECOND_CLIENT")}` }).click();
  await page.getByRole("heading", { name: "Caseload" }).waitFor();
  check((await page.getByRole("region", { name: "Link requests" }).count()) === 0, "the request was answered");
  await alerts.getByRole("button", { name: "Acknowledge" }).click();
  await page.getByRole("heading", { name: "Caseload" }).waitFor();
  check((await page.getByRole("region", { name: "Risk alerts to acknowledge" }).count()) === 0, "acknowledged");
  const after = await page.locator("table.caseload tbody tr").first().innerText();
  check(after.includes("PHQ-9 item 9"), `after acknowledging, the score still flags (${after})`);

  // The client's page: their message and what they shared; a reply goes out.
  await page.getByRole("link", { name: env("CLIENT_NAME") }).click();
  await page.getByRole("heading", { name: "Messages" }).waitFor();
  const body = await page.locator("main").innerText();
  check(body.includes(env("CLIENT_MESSAGE")), "the client's message is shown");
  check(body.includes(env("SHARED_TITLE")), "the shared item is listed");
  check(body.includes(env("SHARED_TEXT")), "the shared journal entry is readable");
  check(body.includes("Balanced thought") && body.includes(env("THOUGHT")), "the thought record is readable");
  const chart = page.getByRole("img", { name: "PHQ-9 over time" });
  await chart.waitFor();
  check((await page.locator("circle.rc-better").count()) === 1, "one reliable improvement ringed");
  check(body.includes("reliable improvement"), "the table names the reliable change");
  await chart.screenshot({ path: join(shots, "5-measures.png") });
  // The mood trend the client chose to share: one day, averaging 4 and 7.
  const mood = page.getByRole("img", { name: "Mood over time" });
  await mood.waitFor();
  check(body.includes("Mood, daily average (1–10)") && body.includes(": 5.5 over 2 check-ins"), "the shared mood trend is summarised");
  check(!body.includes("slept badly"), "check-in notes are not part of the mood trend");
  await page.screenshot({ path: join(shots, "3-client.png"), fullPage: true });
  measured.minor_axe += await accessibility(page, "client");
  // The client's call request: accepted from the thread.
  await page.getByRole("button", { name: "Accept session" }).click();
  await page.locator("ol.thread li.in").filter({ hasText: "accepted" }).waitFor();
  // A draft is kept (encrypted) across page loads.
  await page.getByLabel("Reply").fill("half a thought");
  await page.getByRole("button", { name: "Save draft" }).click();
  await page.getByRole("heading", { name: "Messages" }).waitFor();
  check((await page.getByLabel("Reply").inputValue()) === "half a thought", "the draft is kept");
  await page.getByLabel("Reply").fill(env("REPLY"));
  await page.getByRole("button", { name: "Send" }).click();
  await page.locator("ol.thread li.out").filter({ hasText: env("REPLY") }).waitFor();
  await page.screenshot({ path: join(shots, "4-replied.png"), fullPage: true });

  // A new message from the client appears without a reload (the console syncs in the
  // background; the page fetches its thread again).
  await page.evaluate(() => { window.__stillHere = true; });
  execFileSync(env("SOLACE_BIN"), ["message", "send", "Dr. Lee", env("LIVE_MESSAGE")], {
    env: { ...process.env, SOLACE_DATA_DIR: env("CLIENT_DIR"), SOLACE_KEY_DIR: env("CLIENT_KEYS") },
    stdio: "ignore",
  });
  await page.locator("ol.thread li.in").filter({ hasText: env("LIVE_MESSAGE") }).waitFor({ timeout: 45000 });
  check(await page.evaluate(() => window.__stillHere === true), "no reload happened");

  // A private note, then the summary as a printable page and as Markdown.
  await page.getByLabel("New note").fill(env("NOTE"));
  await page.getByRole("button", { name: "Save note" }).click();
  await page.locator("ul.notes li").filter({ hasText: env("NOTE") }).waitFor();
  await page.getByRole("link", { name: "Printable summary" }).click();
  await page.getByRole("heading", { name: /client summary/ }).waitFor();
  check((await page.locator("main").innerText()).includes(env("NOTE")), "the summary has the note");
  await page.screenshot({ path: join(shots, "6-summary.png"), fullPage: true });
  measured.minor_axe += await accessibility(page, "summary");
  const md = await page.request.get(`${page.url()}.md`);
  check(md.status() === 200 && (await md.text()).includes(env("NOTE")), "the Markdown summary has the note");
  await page.goBack();

  // What must be refused: the spent link, no session, a foreign Origin, a missing CSRF token.
  const stranger = await browser.newContext();
  const other = await stranger.newPage();
  const again = await other.goto(url);
  check(again.status() === 403, `the link works once (got ${again.status()})`);
  const anonymous = await stranger.request.get(`${base}/`);
  check(anonymous.status() === 401, `no session: 401 (got ${anonymous.status()})`);
  check(!(await anonymous.text()).includes(env("CLIENT_NAME")), "no data without a session");
  const foreign = await page.request.post(`${base}/lock`, {
    headers: { Origin: "http://evil.example" },
    form: { csrf: "x" },
  });
  check(foreign.status() === 403, `a foreign Origin: 403 (got ${foreign.status()})`);
  const noCsrf = await page.request.post(`${base}/lock`, {
    headers: { Origin: base },
    form: { csrf: "0".repeat(64) },
  });
  check(noCsrf.status() === 403, `a wrong CSRF token: 403 (got ${noCsrf.status()})`);
  const headers = (await page.request.get(`${base}/`)).headers();
  check(headers["content-security-policy"].includes("default-src 'none'"), "CSP");
  check(headers["cache-control"] === "no-store", "no-store");
  check(headers["referrer-policy"] === "no-referrer", "no-referrer");

  // Locking asks for the passphrase again.
  await page.getByRole("button", { name: "Lock" }).click();
  await page.getByLabel("Passphrase").waitFor();
  check(scriptErrors.length === 0, `no script errors (${scriptErrors.join("; ")})`);
  measured.screens = 6;
  await stranger.close();
  await context.close();
  console.log(JSON.stringify({ ok: true, ...measured }));
} catch (error) {
  // Say what the page showed, for whoever reads the failure.
  for (const ctx of browser.contexts()) {
    for (const p of ctx.pages()) {
      const text = await p.locator("body").innerText().catch(() => "(no page)");
      console.error(`page ${p.url()} showed:\n${text.slice(0, 2000)}`);
    }
  }
  throw error;
} finally {
  await browser.close();
}
