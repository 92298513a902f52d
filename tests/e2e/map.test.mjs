// End to end, the map (地图): a real gridfield-server (embedded SQLite) with grid
// boundaries imported by `admin grid-boundaries import`, a headless `gridfield`
// device that reports a hazard with its position and syncs, and the console in
// Debian's headless Chromium: the map draws the town's grid polygons and the
// hazard's marker (Leaflet, served by the server itself, no base map), a click on
// the marker opens the hazard; the dashboard's panel and the address page draw the
// polygons too. Screenshots at 1280, 768 and 390 px go to target/e2e-artifacts/.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { ARTIFACTS, FIXTURES, CHROMIUM, SERVER_BIN, CLI_BIN, harness } from "./support.mjs";


const TOWN = "320583001";
const GRID_A = "320583001003";
const GRID_B = "320583001004";
const ADDR_A = "320583-001-0012-03-02-0501";
const PASSWORD = "e2e-password-A1";

const { tmp, DB, admin, device, deviceJson, startServer } = harness("map", () => browser);
let browser = null;

/** A rectangle feature for `grid` (a closed ring of five positions). */
function box(grid, [lat0, lon0, lat1, lon1]) {
  return {
    type: "Feature",
    properties: { grid },
    geometry: {
      type: "Polygon",
      coordinates: [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]],
    },
  };
}

test("map: grid polygons and a synced hazard's marker that opens the hazard", { timeout: 300000 }, async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  for (const b of [SERVER_BIN, CLI_BIN, CHROMIUM]) assert.ok(fs.existsSync(b), `${b} missing`);

  admin(["import-grids", path.join(FIXTURES, "grids.csv")]);
  admin(["import-plates", "--no-progress", path.join(FIXTURES, "addresses.csv")]);
  // The town and its two grids, side by side; the fixture addresses lie in grid A.
  const boundaries = path.join(tmp, "boundaries.geojson");
  fs.writeFileSync(boundaries, JSON.stringify({
    type: "FeatureCollection",
    features: [
      box(TOWN, [31.37, 120.96, 31.40, 121.02]),
      box(GRID_A, [31.375, 120.965, 31.395, 120.99]),
      box(GRID_B, [31.375, 120.992, 31.395, 121.015]),
    ],
  }));
  assert.match(admin(["grid-boundaries", "import", boundaries]), /已导入3个网格边界/);
  admin(["console-user", "--name", "赵强", "--role", "supervisor", "--grid", TOWN], `${PASSWORD}\n`);
  const code = admin(["enroll-code", "--user", "张伟", "--role", "worker", "--grid", GRID_A]).trim();
  const url = await startServer();

  // The worker's phone reports a hazard where it stands, and syncs.
  const dev = fs.mkdtempSync(path.join(tmp, "dev-"));
  device(dev, ["enroll", "--server", url, "--code", code]);
  device(dev, ["sync"]);
  device(dev, ["hazard", "new", "--address", ADDR_A, "--category", "fire.ebike_charging", "--severity", "high",
    "--description", "楼道内电动车充电", "--lat", "31.3856", "--lon", "120.9812"]);
  device(dev, ["sync"]);
  const hazard = deviceJson(dev, ["hazard", "list"]).find((h) => h.description === "楼道内电动车充电");
  assert.ok(hazard, "the device holds its hazard");

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
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error" && !/Failed to load resource/.test(m.text())) problems.push(`${page.url()}: ${m.text()}`);
  });
  // Every response fine but the browser's own favicon probe.
  page.on("response", (r) => {
    if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) problems.push(`${r.status()} ${r.url()}`);
  });
  page.on("pageerror", (e) => problems.push(`${page.url()}: ${e.message}`));
  // Nothing is fetched from another origin: the map library and its data are ours.
  page.on("request", (r) => {
    if (!r.url().startsWith(url) && !r.url().startsWith("data:")) problems.push(`foreign request ${r.url()}`);
  });

  await page.goto(`${url}/console/login`);
  await page.fill("input[name=user]", "赵强");
  await page.fill("input[name=password]", PASSWORD);
  await page.click("button.primary");
  await page.waitForURL(`${url}/console`);

  // The map page: three polygons (town, grid A, grid B) and the hazard's marker.
  await page.goto(`${url}/console/map`);
  await page.waitForSelector("#map[data-ready]");
  assert.equal(await page.getAttribute("#map", "data-ready"), "1");
  assert.equal(await page.locator("#map path.grid-poly.leaflet-interactive").count(), 3);
  const marker = page.locator("#map path.mk-hazard");
  assert.equal(await marker.count(), 1);
  assert.match(await marker.getAttribute("class"), /sev-high/);
  assert.equal(await page.locator("[data-map-note=no-grids]").isHidden(), true);
  for (const [w, h] of [[1280, 900], [768, 1024], [390, 844]]) {
    await page.setViewportSize({ width: w, height: h });
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(ARTIFACTS, `map-${w}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  // The map refits its grids after a resize (debounced): wait until the marker is back inside.
  await page.waitForFunction(() => {
    const r = document.querySelector("#map path.mk-hazard")?.getBoundingClientRect();
    const m = document.querySelector("#map").getBoundingClientRect();
    return r && m.width > 900 && r.left >= m.left && r.right <= m.right && r.top >= m.top && r.bottom <= m.bottom;
  });

  // Switching the hazard layer off removes its marker; on again brings it back.
  await page.uncheck("input[data-layer=hazard]");
  assert.equal(await page.locator("#map path.mk-hazard").count(), 0);
  await page.check("input[data-layer=hazard]");
  assert.equal(await page.locator("#map path.mk-hazard").count(), 1);

  // A click on the marker opens the hazard's page.
  await page.locator("#map path.mk-hazard").click();
  await page.waitForURL(`${url}/console/hazards/${encodeURIComponent(hazard.id)}`);
  assert.match(await page.textContent("main"), /楼道内电动车充电/);

  // The filters are the lists': a category without hazards leaves no marker.
  await page.goto(`${url}/console/map?category=gas.safety`);
  await page.waitForSelector("#map[data-ready]");
  assert.equal(await page.locator("#map path.mk-hazard").count(), 0);
  assert.equal(await page.locator("#map path.grid-poly").count(), 3);

  // The dashboard's panel and the address page's grid.
  await page.goto(`${url}/console`);
  await page.waitForSelector(".map-panel .gf-map[data-ready]");
  assert.equal(await page.locator(".map-panel path.grid-poly").count(), 3);
  assert.equal(await page.locator(".map-panel path.mk-hazard").count(), 1);
  await page.screenshot({ path: path.join(ARTIFACTS, "dashboard-map-1280.png"), fullPage: true });
  await page.goto(`${url}/console/addresses/${ADDR_A}`);
  await page.waitForSelector(".map-panel .gf-map[data-ready]");
  assert.equal(await page.locator(".map-panel path.grid-poly").count(), 1, "the address's own grid only");
  assert.equal(await page.locator(".map-panel path.mk-hazard").count(), 1);
  await page.screenshot({ path: path.join(ARTIFACTS, "address-map-1280.png"), fullPage: true });

  // In English, the page and its legend are English alone.
  await page.goto(`${url}/console/map?lang=en`);
  await page.waitForSelector("#map[data-ready]");
  const legend = await page.textContent(".map-side");
  assert.match(legend, /Layers[\s\S]*Open hazards · High/);
  assert.doesNotMatch(legend, /[\u4e00-\u9fff]/);

  assert.deepEqual(problems, []);
});
