/** The append-only journal of answered remote batches: records read back, a torn or damaged tail ignored. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EndpointJournal, SYNC_EVERY_MS, decodeRecords, encodeRecord } from '../../../src/embed/endpoint-journal.js';

const dim = 3;
const first = encodeRecord(Uint32Array.from([2, 0]), Float32Array.from([1, 2, 3, 4, 5, 6]), 11);
const second = encodeRecord(Uint32Array.from([1]), Float32Array.from([7, 8, 9]), 5);

describe('endpoint journal', () => {
  it('reads every complete record into its rows', () => {
    const read = decodeRecords(Buffer.concat([first, second]), 4, dim);
    expect(Array.from(read.vectors)).toEqual([4, 5, 6, 7, 8, 9, 1, 2, 3, 0, 0, 0]);
    expect(Array.from(read.answered)).toEqual([1, 1, 1, 0]);
    expect(read).toMatchObject({ tokens: 16, count: 3, bytes: first.length + second.length });
  });

  it('ignores a torn tail and a damaged record', () => {
    const torn = decodeRecords(Buffer.concat([first, second.subarray(0, second.length - 3)]), 4, dim);
    expect(torn).toMatchObject({ count: 2, tokens: 11, bytes: first.length });
    const damaged = Buffer.concat([first, second]);
    damaged.writeUInt8(damaged.readUInt8(first.length + 12) ^ 0xff, first.length + 12);
    expect(decodeRecords(damaged, 4, dim)).toMatchObject({ count: 2, bytes: first.length });
  });

  it('appends after the complete records, cutting a torn tail off', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tidepool-journal-'));
    try {
      await writeFile(EndpointJournal.pathOf(dir, 7), Buffer.concat([first, second.subarray(0, 5)]));
      const saved = await EndpointJournal.read(dir, 7, 4, dim);
      const journal = await EndpointJournal.open(dir, 7, saved.bytes);
      await journal.append(Uint32Array.from([3]), Float32Array.from([0.5, 0.25, 0.125]), 2);
      await journal.close();
      const read = decodeRecords(await readFile(EndpointJournal.pathOf(dir, 7)), 4, dim);
      expect(Array.from(read.answered)).toEqual([1, 0, 1, 1]);
      expect(read.tokens).toBe(13);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('endpoint journal group commit', () => {
  it('appends made together all reach the file, whole and in call order, each resolved once written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tidepool-journal-'));
    try {
      const journal = await EndpointJournal.open(dir, 0, 0);
      const records = Array.from({ length: 40 }, (_, i) => ({ indexes: Uint32Array.from([i]), vectors: Float32Array.from([i, i + 0.5, -i]), tokens: i + 1 }));
      const settled: number[] = [];
      // Not awaited one by one: as request slots do, so several land in one write + sync.
      await Promise.all(records.map(async (record, i) => {
        await journal.append(record.indexes, record.vectors, record.tokens);
        settled.push(i);
      }));
      await journal.close();
      const bytes = await readFile(EndpointJournal.pathOf(dir, 0));
      // The file is exactly the records in call order, encoded one by one.
      expect(bytes.equals(Buffer.concat(records.map((record) => encodeRecord(record.indexes, record.vectors, record.tokens))))).toBe(true);
      expect(settled.sort((a, b) => a - b)).toEqual(records.map((_, i) => i));
      expect(decodeRecords(bytes, 40, dim)).toMatchObject({ count: 40, tokens: (40 * 41) / 2 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an append is in the file when it resolves (a kill -9 then loses nothing), before any close or sync', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tidepool-journal-'));
    try {
      const journal = await EndpointJournal.open(dir, 3, 0);
      await journal.append(Uint32Array.from([1]), Float32Array.from([1, 2, 3]), 4);
      // Another reader (a rerun after kill -9) sees the record while this journal is still open.
      expect(decodeRecords(await readFile(EndpointJournal.pathOf(dir, 3)), 2, dim)).toMatchObject({ count: 1, tokens: 4 });
      await journal.append(Uint32Array.from([0]), Float32Array.from([4, 5, 6]), 1);
      expect(decodeRecords(await readFile(EndpointJournal.pathOf(dir, 3)), 2, dim)).toMatchObject({ count: 2, tokens: 5 });
      await journal.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps taking appends after its timed sync (an answer after a quiet second is written and read back)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tidepool-journal-'));
    try {
      const journal = await EndpointJournal.open(dir, 4, 0);
      await journal.append(Uint32Array.from([0]), Float32Array.from([1, 2, 3]), 1);
      // Past the sync interval: the timed sync runs with nothing pending.
      await new Promise((resolve) => setTimeout(resolve, SYNC_EVERY_MS + 100));
      await journal.append(Uint32Array.from([1]), Float32Array.from([4, 5, 6]), 2);
      await journal.append(Uint32Array.from([2]), Float32Array.from([7, 8, 9]), 3);
      await journal.close();
      expect(decodeRecords(await readFile(EndpointJournal.pathOf(dir, 4)), 3, dim)).toMatchObject({ count: 3, tokens: 6 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

