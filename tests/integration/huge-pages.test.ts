/**
 * When a select runs again under glibc's huge pages, and how the relaunch behaves: the child gets the
 * tunable and its exit status becomes the command's; a relaunched child whose parent is gone kills
 * itself; the whole CLI gives the same coreset either way.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

  it('the `tidepool` command (bin/tidepool) sets the tunable for select before Node starts, through npm\'s symlink, unless told not to', () => {
    // bin/tidepool beside a stand-in tidepool.js that reports what it got, run through a symlink as npm links it.
    const bin = join(folder, 'package', 'bin');
    mkdirSync(bin, { recursive: true });
    copyFileSync(resolve('bin/tidepool'), join(bin, 'tidepool'));
    const report = join(folder, 'launched.json');
    writeFileSync(join(bin, 'tidepool.js'), `require('fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify({ tunables: process.env.GLIBC_TUNABLES ?? null, args: process.argv.slice(2) }));\n`);
    const link = join(folder, 'node_modules-bin-tidepool');
    symlinkSync(join(bin, 'tidepool'), link);
    const launch = (args: string[], env: Record<string, string> = {}): { tunables: string | null; args: string[] } => {
      const base: Record<string, string | undefined> = { ...process.env, ...env };
      if (env['GLIBC_TUNABLES'] === undefined) delete base['GLIBC_TUNABLES'];
      const child = spawnSync(link, args, { encoding: 'utf8', env: base });
      expect(child.status, child.stderr).toBe(0);
      return JSON.parse(readFileSync(report, 'utf8')) as { tunables: string | null; args: string[] };
    };
    expect(launch(['select', '--embeddings', 'a b.npy', '--k', '3'])).toEqual({ tunables: HUGE_PAGES_TUNABLE, args: ['select', '--embeddings', 'a b.npy', '--k', '3'] });
    expect(launch(['select', '--k', '3'], { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }).tunables).toBe('glibc.malloc.arena_max=2');
    expect(launch(['select', '--k', '3'], { TIDEPOOL_HUGE_PAGES: 'never' }).tunables).toBeNull();
    expect(launch(['embed', '--data', 'x']).tunables).toBeNull();
  });

  it('the `tidepool` command runs the real CLI in the process the shell started (exec, not a child)', async () => {
    const out = join(folder, 'via-command');
    const child = spawn(resolve('bin/tidepool'), ['select', '--embeddings', 'examples/embeddings.npy', '--k', '5', '--first', '0', '--out', out, '--json', '-q'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid!;
    // While it runs, the launcher's process is Node running bin/tidepool.js with the tunable, and has no Node child.
    let seen: { cmdline: string; environ: string; children: string } | null = null;
    const looking = setInterval(() => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        if (!cmdline.includes('tidepool.js')) return;
        seen ??= { cmdline, environ: readFileSync(`/proc/${pid}/environ`, 'utf8'), children: readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim() };
      } catch {
        // not started yet, or gone
      }
    }, 5);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on('exit', (exitCode) => { done(exitCode); }));
    clearInterval(looking);
    expect(code).toBe(0);
    expect((JSON.parse(stdout.trim().split('\n').at(-1)!) as { k: number }).k).toBe(5);
    expect(seen, 'the launcher never became Node').not.toBeNull();
    expect(seen!.cmdline.split('\0')[0]).toMatch(/node$/);
    expect(seen!.environ.split('\0')).toContain(`GLIBC_TUNABLES=${HUGE_PAGES_TUNABLE}`);
    expect(seen!.children).toBe('');
  });
});
