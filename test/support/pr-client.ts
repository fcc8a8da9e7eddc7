// The libiscsi reservation client of test/peers/pr-client.c as the tests drive it:
// built once per test process with `cc` into a temporary directory, then run as one
// fixed I_T nexus (initiator name + ISID) per call, with its JSON lines parsed.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './run.js';
import { repoRoot } from './tandem.js';

export const PR_CLIENT_SOURCE = join(repoRoot, 'test/peers/pr-client.c');

/** One operation's result, as pr-client prints it. */
export interface PrOpResult {
  op: string;
  status: string;
  /** Unit attentions the command got first, "asc/ascq" hex. */
  uas: string[];
  sense?: string;
  generation?: number;
  keys?: string[];
  key?: string | null;
  type?: number | null;
  wce?: number;
  error?: string;
}

let built: Promise<string> | undefined;

/** Compiles pr-client (once); resolves to the executable. */
export function buildPrClient(): Promise<string> {
  built ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-pr-client-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const out = join(dir, 'pr-client');
    const r = await run('cc', ['-Wall', '-Wextra', '-Werror', '-O1', '-o', out, PR_CLIENT_SOURCE, '-liscsi'], { timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`cc ${PR_CLIENT_SOURCE} failed:\n${r.stdout}${r.stderr}`);
    return out;
  })();
  return built;
}

/** An initiator the client plays: its name and the ISID that makes it one I_T nexus per port. */
export interface PrHost {
  name: string;
  isid: number;
}

function parse(stdout: string): PrOpResult[] {
  return stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as PrOpResult);
}

/**
 * Runs `ops` as `host` against `url`. A refused login (the address moving between
 * controllers) is tried again for up to `loginWithinMs`.
 */
export async function prClient(url: string, host: PrHost, ops: string[], o: { loginWithinMs?: number } = {}): Promise<PrOpResult[]> {
  const exe = await buildPrClient();
  const deadline = Date.now() + (o.loginWithinMs ?? 20_000);
  for (;;) {
    const r = await run(exe, ['-s', String(host.isid), url, host.name, ...ops], { timeoutMs: 120_000 });
    const res = parse(r.stdout);
    if (r.code === 2 && Date.now() < deadline) {
      await new Promise((res2) => setTimeout(res2, 300));
      continue;
    }
    if (r.code !== 0) throw new Error(`pr-client ${ops.join(' ')} on ${url} as ${host.name} exited ${r.code}:\n${r.stdout}${r.stderr}`);
    return res;
  }
}

/** Starts `ops` in the background (e.g. one that holds a session with wait:MS); resolves with the results when it ends. */
export async function prClientInBackground(url: string, host: PrHost, ops: string[]): Promise<{ done: Promise<PrOpResult[]>; firstLine: Promise<void> }> {
  const exe = await buildPrClient();
  const child = spawn(exe, ['-s', String(host.isid), url, host.name, ...ops], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let first: () => void = () => undefined;
  const firstLine = new Promise<void>((r) => { first = r; });
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('\n')) first();
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<PrOpResult[]>((resolve, reject) => {
    child.once('exit', (code) => {
      first();
      if (code === 0) resolve(parse(out));
      else reject(new Error(`pr-client ${ops.join(' ')} exited ${code}:\n${out}${err}`));
    });
  });
  done.catch(() => undefined); // the caller may await it late (a run that dies with its controller)
  return { done, firstLine };
}
