import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { readPairs, record, tempDir, writeJsonl } from '../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

describe('tidepool CLI', () => {
  it('runs as `npx tidepool` from the project folder, as users and scripts call it', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const root = new URL('../..', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)('npx', ['--no-install', 'tidepool', '--version'], { cwd: root });
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(stdout.trim()).toBe(pkg.version);
  });

  it('`npm run demo` runs the main job on the bundled defaults', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const root = new URL('../..', import.meta.url).pathname;
    const out = join(dir, 'demo');
    const { stderr } = await promisify(execFile)('npm', ['run', 'demo'], { cwd: root, env: { ...process.env, TIDEPOOL_DEMO_OUT: out } });
    expect(stderr).toMatch(/demo done/);
    const manifest = JSON.parse(await readFile(join(out, 'ingest', 'manifest.json'), 'utf8')) as { counts: { read: number; rejected: number } };
    expect(manifest.counts).toMatchObject({ read: 20_000, rejected: 40 });
    // The generate stage ran against the scripted stand-in, and said so; the report is there.
    expect(stderr).toMatch(/SCRIPTED/);
    expect(stderr).toMatch(/report\.html/);
    const report = await readFile(join(out, 'report', 'report.html'), 'utf8');
    expect(report).toContain('data-figure="coverage"');
    const generated = JSON.parse(await readFile(join(out, 'generate', 'manifest.json'), 'utf8')) as { counts: { units: number; accepted: number; complete: boolean } };
    expect(generated.counts).toMatchObject({ units: 400, complete: true });
    expect(generated.counts.accepted).toBeGreaterThan(200);
  });

  it('--help lists the commands and exits 0', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ingest/);
    expect(result.stdout).toMatch(/sample/);
    const ingestHelp = await runCli(['ingest', '--help']);
    expect(ingestHelp.code).toBe(0);
    expect(ingestHelp.stdout).toMatch(/--languages <list>/);
  });

  it('sample -> ingest with --json prints the summary as the last stdout line and progress on stderr', async () => {
    const input = join(dir, 'pairs.jsonl.gz');
    const sample = await runCli(['sample', '--rows', '3000', '--out', input, '--bad-line-rate', '0.01', '--json']);
    expect(sample.code, sample.stderr).toBe(0);
    expect(sample.json).toMatchObject({ rows: 3000 });
    const out = join(dir, 'out');
    const ingest = await runCli(['ingest', input, '--out', out, '--json']);
    expect(ingest.code, ingest.stderr).toBe(0);
    const summary = ingest.json as Record<string, unknown>;
    expect(Object.keys(summary).sort()).toEqual(['duplicates', 'filtered', 'filteredByReason', 'kept', 'read', 'rejected', 'rejectedByReason', 'rejectedFiles', 'seconds'].sort());
    const counts = summary as { read: number; kept: number; duplicates: number; rejected: number; filtered: number };
    expect(counts.read).toBe(3000);
    expect(counts.rejected).toBe(30);
    expect(counts.duplicates).toBeGreaterThan(0);
    expect(counts.kept + counts.duplicates + counts.rejected + counts.filtered).toBe(counts.read);
    expect(ingest.stderr).toMatch(/ingest: .*rows\/s/);
    expect((await readPairs(join(out, 'pairs.arrow'))).length).toBe(counts.kept);
  });

  it('the worker-pool path and the main-thread path write identical files', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => (i % 501 === 0 ? '{oops' : JSON.stringify(record(i % 15_000))));
    const input = await writeJsonl(join(dir, 'in.jsonl.gz'), lines, true);
    const a = await runCli(['ingest', input, '--out', join(dir, 'a'), '--threads', '2', '--json', '-q']);
    const b = await runCli(['ingest', input, '--out', join(dir, 'b'), '--threads', '0', '--json', '-q']);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    for (const file of ['pairs.arrow', 'rejects.jsonl']) {
      expect((await readFile(join(dir, 'a', file))).equals(await readFile(join(dir, 'b', file))), file).toBe(true);
    }
    const distinct = new Set(lines.filter((line) => line !== '{oops'));
    expect(a.json).toMatchObject({ read: 20_000, kept: distinct.size, rejected: lines.length - lines.filter((line) => line !== '{oops').length });
  });

  it.each([
    [['ingest', '/definitely/not/here.jsonl', '--out', 'x'], 1, /error \[E_INPUT_MISSING\]: input not found/],
    [['ingest', 'a.jsonl'], 1, /required option '-o, --out <dir>' not specified/],
    [['sample', '--rows', 'many', '--out', 'x.jsonl'], 1, /expected a non-negative integer, got "many"/],
    [['frobnicate'], 1, /unknown command 'frobnicate'/],
  ])('user error %# exits 1 with a clear message', async (args, code, message) => {
    const result = await runCli(args, { cwd: dir });
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/internal error/);
  });
});

describe('tidepool ingest interrupted', () => {
  it('stops on SIGINT with exit 130 and leaves no output files', async () => {
    const { spawn } = await import('node:child_process');
    const { readdir } = await import('node:fs/promises');
    const { CLI } = await import('../helpers/cli.js');
    const lines = Array.from({ length: 400_000 }, (_, i) => JSON.stringify(record(i)));
    const input = await writeJsonl(join(dir, 'big.jsonl'), lines);
    const out = join(dir, 'out');
    const child = spawn(process.execPath, [CLI, 'ingest', input, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('rows/s') && !child.killed) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(stderr).toMatch(/SIGINT received/);
    expect(stderr).toMatch(/E_INTERRUPTED/);
    expect(await readdir(out)).toEqual([]);
  });
});
