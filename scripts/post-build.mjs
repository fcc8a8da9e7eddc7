// After tsc: make the CLI entry executable and copy non-TS assets (the dashboard, later).
import { chmodSync, existsSync } from 'node:fs';
const bin = 'dist/src/cli/main.js';
if (existsSync(bin)) chmodSync(bin, 0o755);
