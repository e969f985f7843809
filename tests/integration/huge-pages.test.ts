/**
 * When a select runs again under glibc's huge pages, and how the relaunch behaves: the child gets the
 * tunable and its exit status becomes the command's; a relaunched child whose parent is gone kills
 * itself; the whole CLI gives the same coreset either way.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddingsArgument, HUGE_PAGES_MIN_INPUT_BYTES, HUGE_PAGES_TUNABLE, relaunchWithHugePages, wantsHugePages, type HugePagesFacts } from '../../src/cli/huge-pages.js';

const folder = mkdtempSync(join(tmpdir(), 'tidepool-huge-pages-'));
afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

const linux: HugePagesFacts = { platform: 'linux', glibc: '2.36', env: {}, transparentHugePages: 'always [madvise] never\n', inputBytes: 6 * 1024 ** 3 };
const select = ['select', '--embeddings', 'big.npy', '--k', '20000'];

describe('huge pages for large selections', () => {
  it('relaunches a large select on glibc >= 2.35 with transparent huge pages, and nothing else', () => {
    expect(wantsHugePages(select, linux)).toBe(true);
    expect(wantsHugePages(select, { ...linux, inputBytes: HUGE_PAGES_MIN_INPUT_BYTES - 1 })).toBe(false);
    expect(wantsHugePages(select, { ...linux, inputBytes: null })).toBe(false);
    expect(wantsHugePages(['embed', '--embeddings', 'big.npy'], linux)).toBe(false);
    expect(wantsHugePages(select, { ...linux, glibc: '2.34' })).toBe(false);
    expect(wantsHugePages(select, { ...linux, glibc: null })).toBe(false);
    expect(wantsHugePages(select, { ...linux, platform: 'darwin' })).toBe(false);
    expect(wantsHugePages(select, { ...linux, transparentHugePages: 'always madvise [never]\n' })).toBe(false);
    expect(wantsHugePages(select, { ...linux, transparentHugePages: '[always] madvise never\n' })).toBe(true);
    expect(wantsHugePages(select, { ...linux, transparentHugePages: null })).toBe(false);
    // The user's own tunables, an already relaunched child, and the switch.
    expect(wantsHugePages(select, { ...linux, env: { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' } })).toBe(false);
    expect(wantsHugePages(select, { ...linux, env: { TIDEPOOL_PARENT_PID: '42' } })).toBe(false);
    expect(wantsHugePages(select, { ...linux, env: { TIDEPOOL_HUGE_PAGES: 'never' } })).toBe(false);
    expect(wantsHugePages(select, { ...linux, inputBytes: 10, env: { TIDEPOOL_HUGE_PAGES: 'always' } })).toBe(true);
  });

  it('finds --embeddings in both spellings', () => {
    expect(embeddingsArgument(['select', '--k', '5', '--embeddings', 'a.npy'])).toBe('a.npy');
    expect(embeddingsArgument(['select', '--embeddings=b.arrow'])).toBe('b.arrow');
    expect(embeddingsArgument(['select', '--k', '5'])).toBeNull();
  });

  it('the relaunched child runs with the tunable, and its exit status is the command\'s', async () => {
    if (process.platform !== 'linux') throw new Error('this test needs Linux (the relaunch is Linux-only)');
    const report = join(folder, 'child-env.txt');
    const entry = join(folder, 'entry.mjs');
    writeFileSync(entry, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(report)}, JSON.stringify({ tunables: process.env.GLIBC_TUNABLES, parent: process.env.TIDEPOOL_PARENT_PID, args: process.argv.slice(2) }));\nprocess.exit(7);\n`);
    process.env['TIDEPOOL_HUGE_PAGES'] = 'always';
    try {
      const status = await relaunchWithHugePages(['select', '--embeddings', entry, '--k', '3'], entry);
      expect(status).toBe(7);
    } finally {
      delete process.env['TIDEPOOL_HUGE_PAGES'];
    }
    expect(JSON.parse(readFileSync(report, 'utf8'))).toEqual({ tunables: HUGE_PAGES_TUNABLE, parent: String(process.pid), args: ['select', '--embeddings', entry, '--k', '3'] });
  });

  it('a relaunched child whose parent is gone kills itself', async () => {
    const script = `const m = await import(${JSON.stringify(pathToFileURL(resolve('dist', 'cli', 'huge-pages.js')).href)});\nm.watchParent();\nsetTimeout(() => process.exit(0), 30000);`;
    const started = performance.now();
    // Its recorded parent (pid 1's child it never was) is not its parent: as after a kill -9 of the real one.
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, TIDEPOOL_PARENT_PID: '1' }, stdio: 'ignore' });
    const ending = await new Promise<{ code: number | null; signal: string | null }>((done) => child.on('exit', (code, signal) => { done({ code, signal }); }));
    expect(ending).toEqual({ code: null, signal: 'SIGKILL' });
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it('the CLI picks the same coreset with and without the relaunch', () => {
    const cli = resolve('bin/tidepool.js');
    const run = (mode: string, out: string): string => {
      const result = spawnSync(process.execPath, [cli, 'select', '--embeddings', 'examples/embeddings.npy', '--k', '20', '--first', '0', '--out', join(folder, out), '--json', '-q'], { encoding: 'utf8', env: { ...process.env, TIDEPOOL_HUGE_PAGES: mode } });
      expect(result.status, result.stderr).toBe(0);
      return readFileSync(join(folder, out, 'coreset.arrow')).toString('base64');
    };
    expect(run('always', 'on')).toBe(run('never', 'off'));
  });
});
