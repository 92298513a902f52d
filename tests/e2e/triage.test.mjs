// End to end, the dashboard and triage in Debian's headless Chromium against a
// real gridfield-server (embedded SQLite) and headless gridfield devices: the
// rate chart of a grid with 1 of 8 hazards closed draws a bar an eighth of the
// track (measured on the page, at every width), chart text stays at 12 px or
// more with nothing clipped, and batch approval asks with the count before
// anything changes. Screenshots of the main pages at 1280, 768 and 390 px go to
// target/e2e-artifacts/.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { ROOT, ARTIFACTS, FIXTURES, CHROMIUM, SERVER_BIN, CLI_BIN, harness } from "./support.mjs";

// Passing answers: the inspections raise no hazards of their own.
const PASS_ANSWERS = path.join(ROOT, "core", "tests", "fixtures", "fire_safety_pass.json");
const SITE_PNG = path.join(ROOT, "core", "tests", "fixtures", "site.png");
const EBIKE_PNG = path.join(ROOT, "core", "tests", "fixtures", "ebike.png");

const TOWN = "320583001";
const GRID_A = "320583001003";
const GRID_A_NAME = "玉山镇第三网格";
const GRID_B_NAME = "玉山镇第四网格";
const ADDR_A = "320583-001-0012-03-02-0501";
const PASSWORD = "e2e-password-A1";
const WIDTHS = [1280, 768, 390];

const { tmp, DB, admin, device, deviceJson, startServer } = harness("triage", () => browser);
let browser = null;

/** A phone enrolled with a fresh code and synced once. */
function phone(url, user, role, grid) {
  const dir = fs.mkdtempSync(path.join(tmp, "dev-"));
  const code = admin(["enroll-code", "--user", user, "--role", role, "--grid", grid]).trim();
  device(dir, ["enroll", "--server", url, "--code", code]);
  device(dir, ["sync"]);
  return dir;
}

test("dashboard and triage", { timeout: 300000 }, async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  for (const b of [SERVER_BIN, CLI_BIN, CHROMIUM]) assert.ok(fs.existsSync(b), `${b} missing`);

  admin(["import-grids", path.join(FIXTURES, "grids.csv")]);
  admin(["import-plates", "--no-progress", path.join(FIXTURES, "addresses.csv")]);
  admin(["console-user", "--name", "陈镇长", "--role", "supervisor", "--grid", TOWN], `${PASSWORD}\n`);
  const url = await startServer();

  // Grid A: eight hazards reported, one taken through to closed; three inspections.
  const worker = phone(url, "张伟", "worker", GRID_A);
  const ids = [];
  for (let i = 0; i < 8; i++) {
    ids.push(deviceJson(worker, ["hazard", "new", "--address", ADDR_A, "--category", "fire.escape_blocked",
      "--description", `楼道堆物 ${i}`, "--deadline", "2099-12-31"]).id);
  }
  for (let i = 0; i < 3; i++) {
    device(worker, ["inspect", "--template", "rental_fire_safety", "--address", ADDR_A, "--answers", PASS_ANSWERS]);
  }
  assert.equal(deviceJson(worker, ["sync"]).rejected.length, 0);
  const lead = phone(url, "钱组长", "supervisor", GRID_A);
  for (const step of [
    ["assign", "--assignee", "张伟", "--deadline", "2099-12-31"],
    ["start_rectification"],
    ["mark_rectified", "--note", "已清理"],
    ["verify", "--note", "现场复核合格"],
    ["close"],
  ]) device(lead, ["hazard", "move", ids[0], ...step]);
  assert.equal(deviceJson(lead, ["sync"]).rejected.length, 0);

  browser = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(tmp, "chromium-")), {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 900 },
  });
  await browser.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await browser.newPage();
  const violations = [];
  page.on("console", (m) => {
    if (/CSP violation|Content Security Policy/i.test(m.text())) violations.push(`${page.url()}: ${m.text()}`);
  });
  await page.goto(`${url}/console/login`);
  await page.fill("input[name=user]", "陈镇长");
  await page.fill("input[name=password]", PASSWORD);
  await page.click("button.primary");
  await page.waitForURL(`${url}/console`);

  /** The rate chart's row of a grid: widths of its pieces and of the track, its text. */
  const rateRow = (name) => page.evaluate((name) => {
    const chart = document.querySelector(".chart.hbars");
    const li = [...chart.querySelectorAll(".bars li")].find((l) => l.querySelector(".label").textContent === name);
    const w = (sel) => { const e = li.querySelector(sel); return e ? e.getBoundingClientRect().width : 0; };
    return { full: w("rect.full"), closed: w("rect.closed"), value: li.querySelector(".val").textContent };
  }, name);

  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${url}/console`);
    // One of eight closed: an eighth of the full width, whatever the width.
    const a = await rateRow(GRID_A_NAME);
    assert.ok(a.full > 40, `track drawn at ${width}px: ${JSON.stringify(a)}`);
    assert.ok(Math.abs(a.closed / a.full - 0.125) < 0.01, `1/8 at ${width}px: ${JSON.stringify(a)}`);
    assert.equal(a.value, "12% (1/8)");
    // No hazards at all: no rate, not 0%.
    const b = await rateRow(GRID_B_NAME);
    assert.equal(b.value, "—");
    assert.equal(b.closed, 0);
    // Chart text at 12 px or more, nothing clipped or pushed off the page.
    const text = await page.evaluate(() => {
      const small = [];
      const clipped = [];
      for (const e of document.querySelectorAll(".chart figcaption, .chart .label, .chart .val, .chart .axis span, .chart .legend li, .chart .ymax")) {
        if (!e.textContent.trim()) continue;
        if (parseFloat(getComputedStyle(e).fontSize) < 12) small.push(e.textContent);
        const r = e.getBoundingClientRect();
        if (e.scrollWidth > e.clientWidth + 1 || r.right > window.innerWidth + 0.5 || r.left < -0.5) clipped.push(e.textContent);
      }
      return { small, clipped, overflow: document.documentElement.scrollWidth - window.innerWidth };
    });
    assert.deepEqual(text.small, [], `chart text under 12px at ${width}px`);
    assert.deepEqual(text.clipped, [], `clipped chart text at ${width}px`);
    assert.ok(text.overflow <= 0, `the dashboard scrolls sideways at ${width}px by ${text.overflow}px`);

    const shot = (name) => page.screenshot({ path: path.join(ARTIFACTS, `triage-${name}-${width}.png`), fullPage: true });
    await shot("dashboard");
    await page.goto(`${url}/console/inspections`);
    await shot("review-queue");
    await page.goto(`${url}/console/hazards`);
    await shot("hazard-board");
    await page.goto(`${url}/console/hazards/${ids[1]}`);
    await shot("hazard");
    await page.goto(`${url}/console/cases`);
    await shot("cases");
    await page.goto(`${url}/console/coverage`);
    await shot("coverage");
  }
  await page.setViewportSize({ width: 1280, height: 900 });

  // The range moves every figure: a month with nothing in it.
  await page.goto(`${url}/console`);
  await page.fill("form.period input[name=from]", "2020-01-01");
  await page.fill("form.period input[name=to]", "2020-01-31");
  await page.click("form.period button");
  await page.waitForURL(/from=2020-01-01/);
  assert.equal((await rateRow(GRID_A_NAME)).value, "—");
  const tileHref = await page.getAttribute(".tile >> nth=1", "href");
  assert.match(tileHref, /from=2020-01-01&to=2020-01-31/);

  // Batch approval asks with the count; cancelled, nothing changes.
  await page.goto(`${url}/console/inspections`);
  const boxes = page.locator("#batch input[name=id]");
  assert.equal(await boxes.count(), 3);
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  let asked = null;
  page.once("dialog", (d) => { asked = d.message(); d.dismiss(); });
  await page.click("#batch button[data-key=A]");
  assert.equal(asked, "确认通过 2 条记录？");
  await page.goto(`${url}/console/inspections`);
  assert.equal(await page.locator("#batch input[name=id]").count(), 3, "nothing approved");
  // Accepted, the two are approved and the third still waits.
  await page.locator("#batch input[name=id]").nth(0).check();
  await page.locator("#batch input[name=id]").nth(1).check();
  page.once("dialog", (d) => { asked = d.message(); d.accept(); });
  await page.click("#batch button[data-key=A]");
  await page.waitForURL(/ok=batch/);
  assert.equal(asked, "确认通过 2 条记录？");
  assert.equal(await page.locator("#batch input[name=id]").count(), 1);
  device(worker, ["sync"]);
  const statuses = deviceJson(worker, ["inspections"]).map((i) => i.review_status).sort();
  assert.deepEqual(statuses, ["approved", "approved", "submitted"]);

  // Verifying a rectification: the photo as reported beside the photo of the fix.
  const fixedId = deviceJson(worker, ["hazard", "new", "--address", ADDR_A, "--category", "fire.ebike_charging",
    "--description", "楼道充电", "--photo", SITE_PNG]).id;
  device(worker, ["hazard", "move", fixedId, "assign", "--assignee", "张伟", "--deadline", "2099-12-31"]);
  device(worker, ["hazard", "move", fixedId, "mark_rectified", "--note", "已移出", "--photo", EBIKE_PNG]);
  assert.equal(deviceJson(worker, ["sync"]).rejected.length, 0);
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${url}/console/hazards/${fixedId}`);
    const [before, after] = await Promise.all(
      [".before-after .before img", ".before-after .after img"].map((sel) =>
        page.locator(sel).evaluate((e) => { const r = e.getBoundingClientRect(); return { top: r.top, left: r.left, right: r.right }; })));
    assert.ok(Math.abs(before.top - after.top) < 2 && after.left >= before.right, `side by side at ${width}px`);
    assert.notEqual(await page.getAttribute(".before-after .before img", "src"),
      await page.getAttribute(".before-after .after img", "src"));
    await page.screenshot({ path: path.join(ARTIFACTS, `triage-hazard-verify-${width}.png`), fullPage: true });
  }

  assert.deepEqual(violations, [], "no CSP violations");
});
