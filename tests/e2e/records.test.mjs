// End to end, readable records: a real gridfield-server (embedded SQLite) and two
// headless `gridfield` devices with enrolled names make a conflicting edit; in
// Debian's headless Chromium the supervisor reads the address page by labels
// with the ID number masked, reads the audit trail as sentences naming the
// devices, and keeps the overwritten value of the conflict, which the losing
// device then shows after its next sync. Screenshots at 1280, 768 and 390 px go
// to target/e2e-artifacts/.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { ARTIFACTS, FIXTURES, CHROMIUM, SERVER_BIN, CLI_BIN, harness } from "./support.mjs";


const GRID_A = "320583001003";
const ADDR_A = "320583-001-0012-03-02-0501";
const PASSWORD = "e2e-password-A1";

const { tmp, DB, admin, device, deviceJson, startServer } = harness("records", () => browser);
let browser = null;

const WIDTHS = [1280, 768, 390];

/** Full-page screenshots of the current page at each width. */
async function shots(page, name) {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: path.join(ARTIFACTS, `records-${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

function phoneOn(dir, id) {
  return deviceJson(dir, ["entity", "show", "person", id]).fields.phone;
}

test("records: labels on the address page, audit sentences, keep the other value", { timeout: 300000 }, async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  for (const b of [SERVER_BIN, CLI_BIN, CHROMIUM]) assert.ok(fs.existsSync(b), `${b} missing`);

  admin(["import-grids", path.join(FIXTURES, "grids.csv")]);
  admin(["import-plates", "--no-progress", path.join(FIXTURES, "addresses.csv")]);
  admin(["console-user", "--name", "赵强", "--role", "supervisor", "--grid", GRID_A], `${PASSWORD}\n`);
  const url = await startServer();

  // Two phones, by the names they enrolled with.
  const phones = {};
  for (const [user, name] of [["张伟", "张伟的手机"], ["李娜", "李娜的手机"]]) {
    const code = admin(["enroll-code", "--user", user, "--role", "worker", "--grid", GRID_A]).trim();
    const dir = fs.mkdtempSync(path.join(tmp, "dev-"));
    device(dir, ["enroll", "--server", url, "--code", code, "--name", name]);
    device(dir, ["sync"]);
    phones[user] = dir;
  }
  const [a, b] = [phones["张伟"], phones["李娜"]];
  const person = deviceJson(a, ["entity", "put", "person", "--address", ADDR_A,
    "name=王秀英", "id_number=320583199006018820", "phone=13812341234", "residency=floating"]).id;
  device(a, ["sync"]);
  device(b, ["sync"]);
  // Both edit the phone without seeing each other; the later edit (李娜's) wins.
  device(a, ["entity", "put", "person", "--id", person, "phone=13912345678"]);
  device(b, ["entity", "put", "person", "--id", person, "phone=13700001111"]);
  device(a, ["sync"]);
  assert.equal(deviceJson(b, ["sync"]).conflicts, 1);
  device(a, ["sync"]);
  assert.equal(phoneOn(a, person), "137****1111");

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${url}/console/login`);
  await page.fill("input[name=user]", "赵强");
  await page.fill("input[name=password]", PASSWORD);
  await page.click("button.primary");
  await page.waitForLoadState();

  // The address page: Chinese labels, values by name, the ID number masked.
  await page.goto(`${url}/console/addresses/${ADDR_A}`);
  const row = page.locator(`tr[data-entity="${person}"]`);
  assert.equal((await row.locator("th").textContent()).trim(), "王秀英");
  const fields = await row.locator("span.field").allTextContents();
  const field = (label) => fields.find((f) => f.startsWith(`${label}：`));
  assert.match(field("身份证号"), /^身份证号：3205\*{10}8820/);
  assert.match(field("户籍类型"), /^户籍类型：流动人口/);
  const text = await page.textContent("main");
  for (const raw of ["320583199006018820", "floating", "residency", "id_number"]) {
    assert.ok(!text.includes(raw), `${raw} shown raw on the address page`);
  }
  await shots(page, "address");

  // The audit trail: each row a sentence naming the device, the record a link.
  await page.goto(`${url}/console/audit`);
  const said = page.locator("td.sentence", {
    hasText: "张伟 在 张伟的手机 上 将 人员 王秀英 的 联系电话 由 138****1234 改为 139****5678",
  });
  assert.equal(await said.count(), 1);
  assert.equal(await said.locator("a").getAttribute("href"), `/console/addresses/${ADDR_A}`);
  for (const s of await page.locator("td.sentence").allTextContents()) {
    assert.ok(s.trim().length > 0 && !/_|\bop\b/.test(s), `not a sentence: ${s}`);
  }
  await shots(page, "audit");

  // The conflict log: both values side by side, devices by name; keep the other.
  await page.goto(`${url}/console/conflicts`);
  const conflict = page.locator("tr[data-conflict]").first();
  assert.match(await conflict.textContent(), /人员 王秀英/);
  assert.match(await conflict.locator("td.kept").textContent(), /^137\*{4}1111李娜的手机$/);
  assert.match(await conflict.locator("td.lost").textContent(), /^139\*{4}5678张伟的手机$/);
  await shots(page, "conflicts");
  await conflict.getByRole("button", { name: "保留另一值" }).click();
  await page.waitForURL(/\/console\/conflicts\?ok=kept$/);
  assert.match(await page.textContent("p.flash.ok"), /已保留另一值/);
  assert.equal(await page.locator("form.keep-other").count(), 0);
  assert.match(await page.locator("tr[data-conflict] td.current").first().textContent(), /^139\*{4}5678$/);
  await shots(page, "conflicts-kept");

  // The losing phone shows its value again after its next sync, and so does the other.
  device(a, ["sync"]);
  device(b, ["sync"]);
  assert.equal(phoneOn(a, person), "139****5678");
  assert.equal(phoneOn(b, person), "139****5678");
  await page.goto(`${url}/console/audit`);
  assert.equal(await page.locator("td.sentence", { hasText: "赵强 在 控制台 上 将 人员 王秀英 的 联系电话 由 137****1111 改为 139****5678" }).count(), 1);
});
