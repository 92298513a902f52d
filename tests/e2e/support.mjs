// What every console spec shares: where the binaries and fixtures are, a clean
// environment for them, a throwaway folder with the server's database, the admin
// command and a headless device, the server started on a free loopback port, and
// the promise that everything a spec started is stopped and removed afterwards.
import { after } from "node:test";
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const TARGET = process.env.CARGO_TARGET_DIR || path.join(ROOT, "target");
export const SERVER_BIN = path.join(TARGET, "debug", "gridfield-server");
export const CLI_BIN = path.join(TARGET, "debug", "gridfield");
export const ARTIFACTS = path.join(TARGET, "e2e-artifacts");
export const FIXTURES = path.join(ROOT, "tests", "fixtures");
export const CHROMIUM = process.env.GRIDFIELD_CHROMIUM || "/usr/bin/chromium";

/** The environment for our binaries: quiet logs, none of a developer's settings. */
export function cleanEnv() {
  const env = { ...process.env, RUST_LOG: "warn" };
  for (const k of ["GRIDFIELD_DB_KEY", "GRIDFIELD_LANG", "GRIDFIELD_DATA", "GRIDFIELD_DB", "GRIDFIELD_MAP_TILES"]) {
    delete env[k];
  }
  return env;
}

/**
 * A spec's throwaway world: `tmp` (removed afterwards), the server database `DB`,
 * `admin(args, input)`, `device(dir, args)` and `deviceJson(dir, args)`, and
 * `startServer()` resolving to the server's URL. `browser()` returns the spec's
 * browser (or null), closed after the spec like the server is stopped.
 */
export function harness(name, browser) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `gridfield-e2e-${name}-`));
  const DB = path.join(tmp, "server.db");
  let server = null;

  after(async () => {
    const b = browser();
    if (b) await b.close().catch(() => {});
    if (server && server.exitCode === null) {
      server.kill("SIGTERM");
      await new Promise((r) => {
        const t = setTimeout(() => {
          server.kill("SIGKILL");
          r();
        }, 10000);
        server.once("exit", () => {
          clearTimeout(t);
          r();
        });
      });
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const admin = (args, input) =>
    execFileSync(SERVER_BIN, ["--db", DB, "admin", ...args], {
      env: cleanEnv(),
      input: input ?? "",
      encoding: "utf8",
    });
  const device = (dir, args) =>
    execFileSync(CLI_BIN, ["--data", dir, ...args], { env: cleanEnv(), encoding: "utf8" });
  const deviceJson = (dir, args) => JSON.parse(device(dir, ["--json", ...args]));

  async function startServer() {
    const child = spawn(SERVER_BIN, ["--db", DB, "serve", "--listen", "127.0.0.1:0"], {
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "inherit"],
    });
    server = child;
    const lines = readline.createInterface({ input: child.stdout });
    return await new Promise((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`server exited early (${code})`)));
      lines.on("line", (line) => {
        const m = line.match(/^gridfield-server listening on (\S+)/);
        if (m) resolve(m[1]);
      });
    });
  }

  return { tmp, DB, admin, device, deviceJson, startServer };
}
