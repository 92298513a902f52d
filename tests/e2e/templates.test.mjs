// End to end, checklist templates: a real gridfield-server (embedded SQLite), an
// administrator in Debian's headless Chromium who authors a small template with
// a veto item (一票否决) in the console, previews its score with sample answers
// and publishes it to the town; a headless `gridfield` device syncs it, inspects
// a shop with it, and the supervisor's review queue shows the score.
// Screenshots go to target/e2e-artifacts/.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { ARTIFACTS, FIXTURES, CHROMIUM, SERVER_BIN, CLI_BIN, harness } from "./support.mjs";


const CITY = "320583";
const TOWN = "320583001";
const GRID_A = "320583001003";
const ADDR_A = "320583-001-0012-03-02-0501";
const PASSWORD = "e2e-password-A1";

const { tmp, DB, admin, device, deviceJson, startServer } = harness("templates", () => browser);
let browser = null;

test("templates: author with a veto item, preview, publish, inspect, review queue", { timeout: 300000 }, async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  for (const b of [SERVER_BIN, CLI_BIN, CHROMIUM]) assert.ok(fs.existsSync(b), `${b} missing`);

  admin(["import-grids", path.join(FIXTURES, "grids.csv")]);
  admin(["import-plates", "--no-progress", path.join(FIXTURES, "addresses.csv")]);
  admin(["console-user", "--name", "市管理员", "--role", "admin", "--grid", CITY], `${PASSWORD}\n`);
  admin(["console-user", "--name", "赵强", "--role", "supervisor", "--grid", TOWN], `${PASSWORD}\n`);
  const code = admin(["enroll-code", "--user", "张伟", "--role", "worker", "--grid", GRID_A]).trim();
  const url = await startServer();

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
  const violations = [];
  async function signIn(user) {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) =>
        console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
    });
    const page = await context.newPage();
    page.on("console", (m) => {
      if (/CSP violation|Content Security Policy/i.test(m.text())) violations.push(`${page.url()}: ${m.text()}`);
    });
    await page.goto(`${url}/console/login`);
    await page.fill("input[name=user]", user);
    await page.fill("input[name=password]", PASSWORD);
    await page.click("button.primary");
    await page.waitForLoadState();
    return page;
  }
  const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

  // The administrator starts a new checklist and writes two items.
  const adm = await signIn("市管理员");
  await adm.click("header nav a[href='/console/templates']");
  assert.match(await adm.textContent("h1"), /检查表模板/);
  await adm.fill("#new-template input[name=id]", "e2e_shop");
  await adm.click("#new-template button");
  assert.match(adm.url(), /\/console\/templates\/e2e_shop\/edit$/);
  await adm.fill("input[name=title_zh]", "小超市消防检查");
  await adm.fill("input[name=title_en]", "Corner shop fire check");
  await adm.fill("input[name=i0_id]", "exit_clear");
  await adm.fill("input[name=i0_zh]", "安全出口畅通");
  await adm.fill("input[name=i0_en]", "Exit clear");
  await adm.fill("input[name=i0_fail]", "no");
  await adm.fill("input[name=i0_deduction]", "40");
  await adm.check("input[name=i0_veto]");
  await adm.selectOption("select[name=i0_hazard]", "fire.escape_blocked");
  await adm.click("button[name=action][value=add_item_0]");
  await adm.fill("input[name=i1_id]", "extinguisher");
  await adm.fill("input[name=i1_zh]", "灭火器在有效期内");
  await adm.fill("input[name=i1_en]", "Extinguisher in date");
  await adm.fill("input[name=i1_fail]", "no");
  await adm.fill("input[name=i1_deduction]", "20");

  // Preview: the failed veto item scores 0; then a failed extinguisher only loses 20.
  await adm.fill("input[name=i0_answer]", "no");
  await adm.fill("input[name=i1_answer]", "yes");
  await adm.click("button[name=action][value=preview]");
  assert.equal((await adm.textContent("#preview")).trim(), "预览得分：0 / 100 · 一票否决");
  assert.equal(await adm.locator("tr.item.failed").count(), 1);
  await adm.fill("input[name=i0_answer]", "yes");
  await adm.fill("input[name=i1_answer]", "no");
  await adm.click("button[name=action][value=preview]");
  assert.equal((await adm.textContent("#preview")).trim(), "预览得分：80 / 100 · 合格");
  await shot(adm, "templates-preview");

  // A veto on an item that can never fail is shown on that item, and nothing is published.
  await adm.fill("input[name=i1_fail]", "");
  await adm.fill("input[name=i1_deduction]", "");
  await adm.check("input[name=i1_veto]");
  await adm.fill("input[name=grid]", TOWN);
  await adm.click("button[name=action][value=publish]");
  assert.match(await adm.textContent("tr[data-item=extinguisher] .item-error"), /一票否决项没有判定不合格的规则/);
  await shot(adm, "templates-item-error");
  await adm.uncheck("input[name=i1_veto]");
  await adm.fill("input[name=i1_fail]", "no");
  await adm.fill("input[name=i1_deduction]", "20");
  await adm.fill("input[name=grid]", TOWN);
  await adm.click("button[name=action][value=publish]");
  assert.match(await adm.textContent("p.flash.ok"), /已发布 e2e_shop 第 1 版到网格 320583001/);
  const row = adm.locator("#published tr[data-template=e2e_shop]");
  assert.match(await row.textContent(), /\/320583\/320583001\/.*使用中/s);
  await shot(adm, "templates-published");

  // The worker's device syncs it and inspects a shop: the exit is blocked.
  const dev = fs.mkdtempSync(path.join(tmp, "dev-"));
  device(dev, ["enroll", "--server", url, "--code", code]);
  device(dev, ["sync"]);
  assert.ok(deviceJson(dev, ["template", "list"]).some((t) => t.id === "e2e_shop" && t.version === 1));
  const answers = path.join(tmp, "answers.json");
  fs.writeFileSync(answers, JSON.stringify({ answers: { exit_clear: "no", extinguisher: "yes" } }));
  const done = deviceJson(dev, ["inspect", "--template", "e2e_shop", "--address", ADDR_A, "--answers", answers]);
  assert.equal(done.evaluation.score, 0, JSON.stringify(done));
  assert.equal(done.evaluation.vetoed, true);
  const synced = deviceJson(dev, ["sync"]);
  assert.equal(synced.rejected.length, 0, JSON.stringify(synced));

  // The supervisor's review queue shows it with the template's score.
  const sup = await signIn("赵强");
  assert.equal(await sup.locator("header nav a[href='/console/templates']").count(), 0);
  await sup.goto(`${url}/console/inspections`);
  const queued = sup.locator(`tr[data-href="/console/inspections/${done.inspection_id}"]`);
  assert.equal(await queued.count(), 1);
  // Columns: select, started, address, checklist, inspector, score, duration, result, …
  assert.equal((await queued.locator("td").nth(5).textContent()).trim(), "0");
  assert.match(await queued.textContent(), /一票否决/);
  await sup.goto(`${url}/console/inspections/${done.inspection_id}`);
  assert.match(await sup.textContent("main"), /安全出口畅通/);
  await shot(sup, "templates-review");
  assert.deepEqual(violations, []);
});
