#!/usr/bin/env node
/** The `tandem` executable. Exit codes: see lib/exit-codes.ts. */
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
  env: process.env,
});
process.exitCode = code;
