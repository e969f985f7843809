import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Progress, type ProgressSink } from '../../../src/util/progress.js';
import { ingestInline, record, tempDir, writeJsonl, writeParquet } from '../../helpers/files.js';

/** A sink that keeps what is written, and a clock the test moves. */
function capture(isTTY: boolean): { sink: ProgressSink; written: string[] } {
  const written: string[] = [];
  return { sink: { isTTY, write: (text) => written.push(text) }, written };
}

const percent = (text: string): number | undefined => {
  const match = /\] (\d+\.\d)%/.exec(text);
  return match === null ? undefined : Number(match[1]);
};

describe('Progress', () => {
  it('shows 100% and a full bar only once finished, however far the measure got before', () => {
    let now = 0;
    const { sink, written } = capture(true);
    const progress = new Progress({ label: 'test', unit: 'rows', total: 1000, sink, now: () => now, intervalMs: 10 });
    for (const done of [500, 999.9, 1000, 1200]) {
      now += 100;
      progress.update(done, done);
    }
    expect(written.map(percent)).toEqual([50, 99.9, 99.9, 99.9]);
    expect(written.every((text) => !text.includes('#'.repeat(20)))).toBe(true);
    progress.finish();
    expect(percent(written.at(-1)!)).toBe(100);
    expect(written.at(-1)).toContain(`[${'#'.repeat(20)}]`);
  });

  it('finishing short of the total says how far it got', () => {
    const { sink, written } = capture(false);
    const progress = new Progress({ label: 'test', unit: 'rows', total: 1000, sink, now: () => 0 });
    progress.update(250, 250);
    progress.finish();
    expect(written.map(percent)).toEqual([25, 25]);
  });

  it('clear() erases a drawn TTY line so a message starts on a line of its own, and the next update draws again', () => {
    let now = 0;
    const { sink, written } = capture(true);
    const progress = new Progress({ label: 'test', unit: 'rows', total: 10, sink, now: () => now, intervalMs: 1000 });
    progress.clear(); // nothing drawn yet: nothing to erase
    expect(written).toEqual([]);
    progress.update(1, 1);
    progress.clear();
    expect(written.at(-1)).toBe('\r\x1b[2K');
    now += 1; // well inside the redraw interval
    progress.update(2, 2);
    expect(percent(written.at(-1)!)).toBe(20);
    const { sink: logSink, written: logged } = capture(false);
    const plain = new Progress({ label: 'test', unit: 'rows', total: 10, sink: logSink, now: () => 0 });
    plain.update(1, 1);
    plain.clear(); // log lines end with a newline already
    expect(logged).toHaveLength(1);
  });
});

describe('ingest progress', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => cleanup());

  // One small file is read whole before its rows are settled: the first line drawn used to say 100%.
  it.each([
    { format: 'jsonl', isTTY: true }, { format: 'jsonl', isTTY: false },
    { format: 'parquet', isTTY: true }, { format: 'parquet', isTTY: false },
  ])('never shows 100% before the run is done ($format, TTY: $isTTY)', async ({ format, isTTY }) => {
    const rows = Array.from({ length: 300 }, (_, i) => record(i));
    const input = format === 'jsonl'
      ? await writeJsonl(join(dir, 'a.jsonl'), rows.map((r) => JSON.stringify(r)))
      : await writeParquet(join(dir, 'a.parquet'), rows); // one row group
    const { sink, written } = capture(isTTY);
    await ingestInline({ inputs: [input], out: join(dir, 'out'), progress: sink });
    const shown = written.map(percent).filter((p) => p !== undefined);
    expect(shown.length).toBeGreaterThanOrEqual(2);
    expect(shown.slice(0, -1).every((p) => p < 100)).toBe(true);
    expect(shown.at(-1)).toBe(100);
    expect(written.at(-1)).toMatch(/kept 300/);
  });

  it('puts a warning about a rejected file on a line of its own', async () => {
    const { writeFile } = await import('node:fs/promises');
    const bad = join(dir, 'a-bad.parquet');
    await writeFile(bad, 'not parquet at all');
    const goodFile = await writeJsonl(join(dir, 'b.jsonl'), [JSON.stringify(record(1))]);
    const { sink, written } = capture(true);
    await ingestInline({ inputs: [goodFile, bad], out: join(dir, 'out'), progress: sink });
    const text = written.join('');
    // Erased progress line, then the warning as a whole line (the default warning goes to the progress sink).
    const warning = text.indexOf('warning: input file ');
    expect(text.slice(warning - 5, warning)).toBe('\r\x1b[2K');
    expect(text.slice(warning)).toMatch(/^warning: input file .*a-bad\.parquet rejected: .*not a readable Parquet file[^\n]*\n/);
    expect(text).toMatch(/kept 1 \| 1 file rejected\n$/);
  });
});
