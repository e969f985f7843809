/**
 * embed under faults a user meets: Ctrl-C while several ONNX workers run, a full disk while the
 * journal or the output is written, and the rates of a resumed run.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNativeModel } from '../../src/devkit/native-model/index.js';
import { CLI, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
let data: string;
let model: string;
let rows: number;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const sample = await runCli(['sample', '--rows', '1500', '--seed', '9', '--out', join(dir, 'sample.jsonl'), '-q']);
  expect(sample.code, sample.stderr).toBe(0);
  data = join(dir, 'ingested');
  const ingest = await runCli(['ingest', join(dir, 'sample.jsonl'), '--out', data, '--json', '-q']);
  expect(ingest.code, ingest.stderr).toBe(0);
  rows = (JSON.parse(await readFile(join(data, 'manifest.json'), 'utf8')) as { outputs: { rows: number }[] }).outputs[0]!.rows;
  model = join(dir, 'mini-bert');
  await writeNativeModel(model);
}, 120_000);
afterAll(async () => cleanup());

const PARTS = '.embed-parts';

/** Finished windows in a journal (a window counts once its statistics file is in place). */
async function finishedWindows(out: string): Promise<string[]> {
  const names = await readdir(join(out, PARTS)).catch(() => []);
  return names.filter((name) => /^part-\d{6}\.json$/.test(name)).sort();
}

/** Rows and tokens of the windows journaled so far. */
async function journaled(out: string): Promise<{ rows: number; tokens: number }> {
  const total = { rows: 0, tokens: 0 };
  for (const name of await finishedWindows(out)) {
    const stats = JSON.parse(await readFile(join(out, PARTS, name), 'utf8')) as { rows: number; tokens: number };
    total.rows += stats.rows;
    total.tokens += stats.tokens;
  }
  return total;
}

/** What an interrupted run reported. */
interface Interrupted {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** Finished windows when the signal was sent, and when the process had exited. */
  windowsAtSignal: number;
  windowsAtExit: number;
}

/**
 * Runs `tidepool ...args` (not quiet) and sends SIGINT `delayMs` after the run has named its device (its
 * Ctrl-C handler is in place by then) and its journal holds at least `windows` finished windows; a
 * second SIGINT `againAfterMs` later when given.
 */
async function interruptAt(args: readonly string[], out: string, windows: number, delayMs: number, againAfterMs?: number): Promise<Interrupted> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (code, signal) => { resolve([code, signal]); }));
  let windowsAtSignal = -1;
  let armed = false;
  const watcher = setInterval(() => {
    if (armed) return;
    void finishedWindows(out).then((names) => {
      if (armed || !stderr.includes('embed: device') || names.length < windows) return;
      armed = true;
      setTimeout(() => {
        void finishedWindows(out).then((now) => {
          windowsAtSignal = now.length;
          child.kill('SIGINT');
          if (againAfterMs !== undefined) setTimeout(() => child.kill('SIGINT'), againAfterMs);
        });
      }, delayMs);
    });
  }, 5);
  const [code, signal] = await closed;
  clearInterval(watcher);
  return { code, signal, stderr, windowsAtSignal, windowsAtExit: (await finishedWindows(out)).length };
}

describe('tidepool embed under faults', () => {
  it('Ctrl-C with several ONNX workers exits 130 after the window in flight (never an abort), at any moment, and the rerun ends with the uninterrupted file', async () => {
    const args = ['embed', '--data', data, '--model', model, '--device', 'cpu', '--window-rows', '128', '--threads', '2'];
    const whole = await runCli([...args, '--out', join(dir, 'whole-onnx'), '-q']);
    expect(whole.code, whole.stderr).toBe(0);
    const out = join(dir, 'interrupted');
    await mkdir(out, { recursive: true });
    // Three moments: just after a window was journaled, while the workers load the model and start
    // their first window, and deeper into a window.
    const moments = [{ after: 1, delayMs: 60 }, { after: 0, delayMs: 250 }, { after: 2, delayMs: 350 }];
    let before = 0;
    for (const [trial, { after, delayMs }] of moments.entries()) {
      const run = await interruptAt([...args, '--out', out], out, before + after, delayMs);
      const what = `trial ${trial} (SIGINT ${delayMs} ms after ${before + after} windows):\n${run.stderr}`;
      expect(run.signal, what).toBeNull();
      expect(run.stderr, what).not.toMatch(/terminate called|Napi::Error|internal error/);
      expect(run.code, what).toBe(130);
      expect(run.stderr, what).toMatch(/interrupted after \d+ rows; finished windows are kept in .*Rerun the same command to resume/s);
      // The window in flight when the signal came was finished and journaled, not thrown away (a
      // signal during start-up may come before the first window begins: then none is started).
      expect(run.windowsAtSignal, what).toBeGreaterThanOrEqual(0);
      if (after > 0) expect(run.windowsAtExit, what).toBeGreaterThan(run.windowsAtSignal);
      else expect(run.windowsAtExit, what).toBeGreaterThanOrEqual(run.windowsAtSignal);
      before = run.windowsAtExit;
    }
    // A second Ctrl-C quits at once, by the signal (shells show 130), and never by an abort either.
    const twice = await interruptAt([...args, '--out', out], out, before + 1, 60, 40);
    expect(twice.stderr, twice.stderr).not.toMatch(/terminate called|Napi::Error|internal error/);
    expect(twice.signal === 'SIGINT' || twice.code === 130, `${twice.code} ${twice.signal}: ${twice.stderr}`).toBe(true);
    const resumed = await runCli([...args, '--out', out, '--json', '-q']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.json).toMatchObject({ rows, resumedRows: twice.windowsAtExit * 128 });
    expect((await readFile(join(out, 'embeddings.arrow'))).equals(await readFile(join(dir, 'whole-onnx', 'embeddings.arrow')))).toBe(true);
    expect(existsSync(join(out, PARTS))).toBe(false);
  }, 300_000);

  it('after a resume, tokens per second counts only the tokens this run embedded, as rows per second counts its rows', async () => {
    const args = ['embed', '--data', data, '--model', model, '--device', 'cpu', '--window-rows', '128', '--threads', '2'];
    const out = join(dir, 'rates');
    await mkdir(out, { recursive: true });
    const child = spawn(process.execPath, [CLI, ...args, '--out', out, '-q'], { stdio: 'ignore' });
    const watcher = setInterval(() => {
      void finishedWindows(out).then((names) => {
        if (names.length >= 3) child.kill('SIGKILL');
      });
    }, 5);
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, sig) => { resolve(sig); }));
    clearInterval(watcher);
    expect(signal).toBe('SIGKILL');
    const earlier = await journaled(out);
    expect(earlier.rows).toBeGreaterThan(0);
    const resumed = await runCli([...args, '--out', out, '--json', '-q']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = resumed.json as { rows: number; tokens: number; resumedRows: number; rowsPerSecond: number; tokensPerSecond: number };
    expect(summary.resumedRows).toBe(earlier.rows);
    // Both rates divide by the same embedding seconds, so their ratio is this run's tokens per row.
    const thisRunTokensPerRow = (summary.tokens - earlier.tokens) / (summary.rows - earlier.rows);
    expect(summary.tokensPerSecond / summary.rowsPerSecond / thisRunTokensPerRow).toBeCloseTo(1, 9);
  }, 180_000);

  it('a full disk while the journal or the output is written is E_NO_SPACE naming the file (exit 1), and reruns after freeing space resume to the uninterrupted file', async () => {
    const args = ['embed', '--data', data, '--model', 'hashing', '--dim', '32', '--buckets', '4096', '--window-rows', '300', '--threads', '2', '-q'];
    const whole = await runCli([...args, '--out', join(dir, 'whole-hashing')]);
    expect(whole.code, whole.stderr).toBe(0);
    const out = join(dir, 'full-disk');
    await mkdir(join(out, PARTS), { recursive: true });
    // A file whose partial name links to /dev/full fails every write with ENOSPC, as a full disk does.
    const full = async (path: string): Promise<void> => symlink('/dev/full', `${path}.partial`);
    const free = async (path: string): Promise<void> => rm(`${path}.partial`, { force: true });
    const failing = [join(out, PARTS, 'hashing-df.bin'), join(out, PARTS, 'part-000002.arrow'), join(out, 'embeddings.arrow')];
    const journals: string[][] = [];
    for (const path of failing) {
      await full(path);
      const result = await runCli([...args, '--out', out]);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/error \[E_NO_SPACE\]: cannot write \S+ the disk is full \(ENOSPC\)\. Nothing written so far is lost: free space/);
      expect(result.stderr).toContain(path);
      await free(path);
      journals.push(await finishedWindows(out));
    }
    // Nothing written before the failure was lost: windows 0-1 stayed, and then every window did.
    expect(journals[1]).toEqual(['part-000000.json', 'part-000001.json']);
    expect(journals[2]).toHaveLength(Math.ceil(rows / 300));
    expect(existsSync(join(out, 'embeddings.arrow'))).toBe(false);
    const resumed = await runCli([...args, '--out', out, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.json).toMatchObject({ rows, resumedRows: rows });
    expect((await readFile(join(out, 'embeddings.arrow'))).equals(await readFile(join(dir, 'whole-hashing', 'embeddings.arrow')))).toBe(true);
  }, 120_000);
});
