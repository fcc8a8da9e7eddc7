// After tsc: make the CLI entries executable.
import { chmodSync, existsSync } from 'node:fs';
for (const bin of ['dist/src/cli/main.js', 'dist/src/host/cli/main.js']) if (existsSync(bin)) chmodSync(bin, 0o755);
