#!/usr/bin/env node
// Fails fast, in one line, when opspulse is started on a Node older than 24.
// Plain JavaScript on purpose: it must parse on any Node that might run it.
const required = 24;
const major = Number(process.versions.node.split(".")[0]);
if (major < required) {
  process.stderr.write(
    `opspulse needs Node ${required} or newer but this is Node ${process.versions.node}: run it through npm (npm run …, npx opspulse …), which uses the pinned node@24 devDependency, or install Node ${required}.\n`,
  );
  process.exit(1);
}
