// End to end, cases (事件): a real gridfield-server (embedded SQLite), a device
// that reports a dispute over the real sync API, and the console in Debian's
// headless Chromium: the town's 受理台 accepts and dispatches the case to a
// department, the department's user handles it in its inbox, and the
// dashboard's settled-per-level chart counts it. The department and its user
// are made with the admin commands. Screenshots go to target/e2e-artifacts/.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { ARTIFACTS, FIXTURES, CHROMIUM, SERVER_BIN, harness } from "./support.mjs";


const TOWN = "320583001";
const GRID_A = "320583001003";
const GRID_A_PATH = "/320583/320583001/320583001003/";
const JUSTICE = "320583001-justice";
const PASSWORD = "e2e-password-A1";

const { tmp, DB, admin, device, deviceJson, startServer } = harness("cases", () => browser);
let browser = null;

async function postJson(url, body, token) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const r = await fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
  const json = await r.json();
  assert.equal(r.status, 200, JSON.stringify(json));
  return json;
}

test("cases: intake, department inbox, settled-per-level chart", { timeout: 300000 }, async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  for (const b of [SERVER_BIN, CHROMIUM]) assert.ok(fs.existsSync(b), `${b} missing`);

  admin(["import-grids", path.join(FIXTURES, "grids.csv")]);
  admin(["console-user", "--name", "镇综治", "--role", "supervisor", "--grid", TOWN], `${PASSWORD}\n`);
  admin(["department", "add", "--code", JUSTICE, "--kind", "justice", "--zh", "玉山镇司法所",
    "--en", "Yushan justice office", "--grid", TOWN]);
  admin(["console-user", "--name", "司法所李", "--role", "department", "--grid", TOWN,
    "--department", JUSTICE], `${PASSWORD}\n`);
  const code = admin(["enroll-code", "--user", "张伟", "--role", "worker", "--grid", GRID_A]).trim();
  const url = await startServer();

  // The worker's phone reports a property dispute (it routes to the town's queue).
  const dev = await postJson(`${url}/v1/enroll`, { code, device_name: "e2e phone" });
  const now = Date.now();
  const id = `case-${now}`;
  const pushed = await postJson(`${url}/v1/push`, {
    ops: [{
      op_id: `op-${now}`, entity_id: id, hlc: `${String(now).padStart(13, "0")}-000000-e2e`,
      op: {
        type: "case_create", handle_myself: false,
        case: {
          id, case_type: "dispute.property", severity: "low", source: "worker",
          grid_path: GRID_A_PATH, owner_path: GRID_A_PATH, description: "物业停水纠纷",
          status: "reported", reported_by: "张伟", created_at: now, updated_at: now, delivery: "local",
        },
      },
    }],
  }, dev.token);
  assert.equal(pushed.results[0].status, "applied", JSON.stringify(pushed));

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
  const violations = [];
  async function signIn(user) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
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

  // 受理台: the case is there with the town's queue; accept, then dispatch to the justice office.
  const town = await signIn("镇综治");
  await town.goto(`${url}/console/cases/intake`);
  assert.match(await town.textContent("h1"), /受理台/);
  await shot(town, "cases-intake");
  await town.click(`a[href="/console/cases/${id}"]`);
  await town.click("#act-accept button");
  assert.match(await town.textContent("h1"), /已受理/);
  await town.selectOption("#act-dispatch select[name=to]", `department:${JUSTICE}`);
  await town.click("#act-dispatch button");
  assert.match(await town.textContent("h1"), /已分派/);
  assert.equal((await town.textContent("#handler")).trim(), "玉山镇司法所");

  // The department user: only its inbox in the navigation; sign for it and finish it.
  const dept = await signIn("司法所李");
  assert.match(dept.url(), /\/console\/cases\/inbox$/);
  assert.deepEqual(await dept.locator("header nav a").allTextContents(), ["部门收件箱"]);
  await shot(dept, "cases-inbox");
  await dept.click(`a[href="/console/cases/${id}"]`);
  await dept.click("#act-receive button");
  assert.match(await dept.textContent("h1"), /处置中/);
  await dept.fill("#act-finish textarea[name=note]", "已协调物业恢复供水，双方和解");
  await dept.click("#act-finish button");
  assert.match(await dept.textContent("h1"), /已办结/);
  assert.match(await dept.textContent("ol.timeline"), /双方和解/);

  // The dashboard's settled-per-level chart counts it at the town.
  await town.goto(`${url}/console`);
  const chart = town.locator("figure.chart", { hasText: "矛盾纠纷化解层级" });
  assert.match(await chart.textContent(), /镇\(街道\).*100% \(1\/1\)，平均/s);
  assert.ok(await chart.locator("a[href*='/console/cases']").count() > 0, "bars link to the list");
  await shot(town, "cases-dashboard");
  assert.deepEqual(violations, []);
});
