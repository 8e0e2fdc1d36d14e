// Times the console in Debian's Chromium: navigation → rendered for the caseload and for one
// client's page (charts included), after unlocking. Run by `cargo xtask bench-console`.
// Prints one JSON line: {"caseload":{"p50":…,"max":…,"n":…},"client":{…}}.
import { chromium } from "playwright-core";

const url = process.env.CONSOLE_URL;
const base = url.slice(0, url.indexOf("/?"));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox"],
});
const summary = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: s[Math.floor((s.length - 1) / 2)], max: s[s.length - 1], n: s.length };
};
try {
  const page = await (await browser.newContext()).newPage();
  await page.goto(url);
  await page.getByLabel("Passphrase").fill(process.env.CONSOLE_PASSPHRASE);
  await page.getByRole("button", { name: "Unlock" }).click();
  await page.getByRole("heading", { name: "Caseload" }).waitFor({ timeout: 120000 });
  const time = async (path, ready) => {
    const out = [];
    for (let i = 0; i < 8; i++) {
      const t0 = performance.now();
      await page.goto(`${base}${path}`, { timeout: 120000 });
      await ready();
      out.push(performance.now() - t0);
    }
    return summary(out.slice(1)); // the first load warms caches
  };
  const caseload = await time("/", () =>
    page.locator("table.caseload tbody tr").nth(199).waitFor({ timeout: 120000 }));
  const client = await time(process.env.CLIENT_PATH, () =>
    page.getByRole("img", { name: "GAD-7 over time" }).waitFor({ timeout: 120000 }));
  console.log(JSON.stringify({ caseload, client }));
} finally {
  await browser.close();
}
