// End to end: the public page behind a compact door plate, on a 390 px phone
// screen in headless Chromium, against a real gridfield-server (embedded
// SQLite): a resident reads the address, sends a 随手拍 report with a photo, and
// the supervisor finds it in the console's report inbox marked 居民随手拍.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { ROOT, ARTIFACTS, FIXTURES, CHROMIUM, SERVER_BIN, harness } from "./support.mjs";

const SITE_PNG = path.join(ROOT, "core", "tests", "fixtures", "site.png");
const GRID_A = "320583001003";
const ADDR_A = "320583-001-0012-03-02-0501";
const PASSWORD = "e2e-password-A1";

const { tmp, DB, admin, device, deviceJson, startServer } = harness("plate", () => browser);
let browser = null;

test("a resident's report from the public plate page reaches the inbox", { timeout: 180000 }, async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  for (const b of [SERVER_BIN, CHROMIUM]) assert.ok(fs.existsSync(b), `${b} missing`);
  admin(["import-grids", path.join(FIXTURES, "grids.csv")]);
  admin(["import-plates", "--no-progress", path.join(FIXTURES, "addresses.csv")]);
  admin(["console-user", "--name", "赵强", "--role", "supervisor", "--grid", GRID_A], `${PASSWORD}\n`);
  const signed = admin(["sign-plates", "--grid", GRID_A, "--base-url", "https://gf.example.cn"])
    .split("\n").filter(Boolean).map((l) => l.split("\t"));
  const plate = signed.find(([code]) => code === ADDR_A)[2];
  assert.match(plate, /^HTTPS:\/\/GF\.EXAMPLE\.CN\/P\/[0-9A-Z$*+\-:]+$/);
  const url = await startServer();
  const plateUrl = `${url}${plate.slice(plate.indexOf("/P/"))}`;

  browser = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(tmp, "chromium-")), {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 3,
    isMobile: true,
    hasTouch: true,
  });
  const context = browser;
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  const violations = [];
  page.on("console", (m) => {
    if (/CSP violation|Content Security Policy/i.test(m.text())) violations.push(`${page.url()}: ${m.text()}`);
  });
  const shot = (name) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

  // The resident's scan opens the page: Chinese, the address from the register, one column.
  await page.goto(plateUrl);
  assert.equal(await page.textContent("h1"), "数字门牌");
  assert.equal(await page.textContent(".verdict"), "门牌真实有效");
  assert.match(await page.textContent(".address .text"), /建设路12号3栋2单元501室/);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no sideways scrolling at 390 px (page is ${width} px wide)`);
  const button = await page.locator("button[type=submit]").boundingBox();
  assert.ok(button.width > 300, "the send button spans the screen");
  await shot("plate-page-390");

  // A wrong phone number: a clear message, the description kept.
  await page.fill("#text", "三楼楼道有电动车在充电");
  await page.fill("#phone", "12345");
  await page.click("button[type=submit]");
  assert.match(await page.textContent(".error"), /手机号码格式不正确/);
  assert.equal(await page.inputValue("#text"), "三楼楼道有电动车在充电");

  // The report with a photo and a phone.
  await page.fill("#phone", "13912345678");
  await page.setInputFiles("#photo", SITE_PNG);
  await page.click("button[type=submit]");
  await page.waitForURL(/sent=1/);
  assert.match(await page.textContent(".notice"), /已收到您的反映/);
  await shot("plate-page-sent");

  // The supervisor's inbox has it, as a resident's report, the phone masked.
  await page.goto(`${url}/console/login`);
  await page.fill("input[name=user]", "赵强");
  await page.fill("input[name=password]", PASSWORD);
  await page.click("button.primary");
  await page.waitForURL(`${url}/console`);
  await page.goto(`${url}/console/reports`);
  const row = page.locator("tr", { hasText: "三楼楼道有电动车在充电" });
  assert.equal(await row.count(), 1);
  assert.match(await row.textContent(), /居民随手拍/);
  await row.locator("a").first().click();
  const body = await page.textContent("body");
  assert.ok(body.includes("139****5678") && !body.includes("13912345678"), "phone masked");
  assert.ok((await page.locator("img").count()) > 0, "the photo is shown");
  await shot("plate-report-inbox");
  assert.deepEqual(violations, []);
});
