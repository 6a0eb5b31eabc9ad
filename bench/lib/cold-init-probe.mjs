// Cold start probe (spawned by bench/lib/lambdas.ts, one fresh process per measurement):
// imports a Lambda bundle as the Node.js runtime does, then reads the files its first
// invocation loads (compiled templates, config), and prints the times as one JSON line.
// Plain JavaScript so that no type stripping is part of the measurement.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const bootMs = performance.now();
const bundle = process.argv[2];
const module = await import(pathToFileURL(bundle).href);
if (typeof module.handler !== "function") {
  throw new Error(`${bundle} exports no handler function`);
}
const imported = performance.now();
for (const variable of ["OPSPULSE_TEMPLATES_DIR", "OPSPULSE_CONFIG_DIR"]) {
  const dir = process.env[variable];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) readFileSync(join(entry.parentPath, entry.name), "utf8");
  }
}
const done = performance.now();
const cpu = process.cpuUsage();
process.stdout.write(
  `${JSON.stringify({
    totalMs: done,
    bootMs,
    importMs: imported - bootMs,
    filesMs: done - imported,
    cpuMs: (cpu.user + cpu.system) / 1000,
  })}\n`,
);
