#!/usr/bin/env node
// Entry point of the opspulse CLI. Checks the Node version before loading any TypeScript
// (Node 24 runs the .ts sources directly by stripping their types; no build step).
import "./check-node.js";

const { main } = await import("../functions/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
