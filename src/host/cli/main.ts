#!/usr/bin/env node
/** The `tandem-host` executable (exit codes: see program.ts). */
import { runHostCli } from './program.js';
import { upCommand } from './up.js';

const code = await runHostCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
  env: process.env,
  up: upCommand,
});
process.exitCode = code;
