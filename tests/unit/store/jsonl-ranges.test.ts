// Byte ranges of one jsonl file (`ingest --shard` splitting a large file): for random files (CRLF,
// blank lines, a last line without a newline, multi-byte UTF-8 and a byte order mark around the cut
// points) and any number of ranges up to the line count, every line is read by exactly one range, in
// order, under its true line number once each range's line count is added; checked against the file
// split on "\n" by hand. Ranges cut at multiples of the block size give exactly the blocks of a read of
// the whole file, which is what makes a merged sharded ingest byte-identical to an unsharded one.
import fc from 'fast-check';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonlBlocks, type ByteRange, type JsonlPiece } from '../../../src/store/jsonl.js';
import { tempDir } from '../../helpers/files.js';

let dir: string;
let cleanup: () => Promise<void>;
let fileCount = 0;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(async () => cleanup());

/** A read item: a line of a block (its number and bytes) or a reject. */
type Item = [line: number, what: string];

/** Reads `range` (or the file) and returns its items with `offset` added to the line numbers, its line count and blocks. */
async function read(path: string, range: ByteRange | undefined, offset: number, options: { maxLineBytes?: number; blockBytes?: number } = {}): Promise<{ items: Item[]; lines: number; blocks: [number, string][] }> {
  const items: Item[] = [];
  const blocks: [number, string][] = [];
  let lines = -1;
  const pieces: JsonlPiece[] = [];
  for await (const out of readJsonlBlocks(path, options.maxLineBytes ?? 1 << 20, {}, (d) => (lines = d.lines), options.blockBytes ?? 64, undefined, range)) pieces.push(...out);
  for (const piece of pieces) {
    if (piece.kind === 'reject') {
      items.push([piece.line + offset, `reject:${piece.reason}`]);
      continue;
    }
    blocks.push([piece.firstLine + offset, piece.bytes.toString('latin1')]);
    const text = piece.bytes.toString('latin1');
    const parts = text.split('\n');
    if (parts.at(-1) === '') parts.pop();
    parts.forEach((part, at) => items.push([piece.firstLine + offset + at, part]));
  }
  return { items, lines, blocks };
}

/** Reads the ranges between `cuts` in order, numbering each range's lines after the previous ranges'. */
async function readRanges(path: string, size: number, cuts: number[], options: { maxLineBytes?: number; blockBytes?: number } = {}): Promise<{ items: Item[]; blocks: [number, string][] }> {
  const bounds = [0, ...cuts, size];
  const items: Item[] = [];
  const blocks: [number, string][] = [];
  let offset = 0;
  for (let at = 0; at + 1 < bounds.length; at++) {
    const range = await read(path, { start: bounds[at]!, end: bounds[at + 1]! }, offset, options);
    items.push(...range.items);
    blocks.push(...range.blocks);
    offset += range.lines;
  }
  return { items, blocks };
}

const lineText = fc.array(fc.constantFrom('{', '}', '"a"', ':', '1', ' ', '\r', 'é', '€', '😀', 'x'), { maxLength: 8 }).map((parts) => parts.join(''));
const fileText = fc.record({
  lines: fc.array(lineText, { minLength: 1, maxLength: 30 }),
  finalNewline: fc.boolean(),
  bom: fc.boolean(),
});

function fileBytes(spec: { lines: string[]; finalNewline: boolean; bom: boolean }): Buffer {
  return Buffer.concat([spec.bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(spec.lines.join('\n') + (spec.finalNewline ? '\n' : ''))]);
}

/** The lines of the file by hand: split on "\n", no line after a final newline, the mark dropped. */
function expectedItems(spec: { lines: string[]; finalNewline: boolean }): Item[] {
  const lines = [...spec.lines];
  if (!spec.finalNewline && lines.at(-1) === '') lines.pop(); // an empty last line without a newline is no line
  return lines.map((line, at) => [at + 1, Buffer.from(line).toString('latin1')]);
}

describe('readJsonlBlocks over byte ranges', () => {
  it('reads every line in exactly one range, in order, under its true line number, wherever the cuts fall (property)', async () => {
    await fc.assert(fc.asyncProperty(fileText, fc.array(fc.nat(), { maxLength: 40 }), fc.integer({ min: 1, max: 200 }), async (spec, rawCuts, blockBytes) => {
      const bytes = fileBytes(spec);
      const path = join(dir, `f${fileCount++}.jsonl`);
      await writeFile(path, bytes);
      const expected = expectedItems(spec);
      // Any N up to the line count: N - 1 cuts anywhere in the file, inside multi-byte characters and CRLFs too.
      const cuts = rawCuts.slice(0, Math.max(0, expected.length - 1)).map((cut) => cut % (bytes.length + 1)).sort((a, b) => a - b);
      const whole = await read(path, undefined, 0, { blockBytes });
      expect(whole.items).toEqual(expected);
      const ranges = await readRanges(path, bytes.length, cuts, { blockBytes });
      expect(ranges.items).toEqual(expected);
    }), { numRuns: 150 });
  });

  it('gives the blocks and rejects of a whole read when cut at multiples of the block size, over-long lines included (property)', async () => {
    await fc.assert(fc.asyncProperty(fileText, fc.array(fc.nat({ max: 20 }), { maxLength: 10 }), fc.integer({ min: 4, max: 40 }), async (spec, rawCuts, blockBytes) => {
      const bytes = fileBytes(spec);
      const path = join(dir, `f${fileCount++}.jsonl`);
      await writeFile(path, bytes);
      const cuts = [...new Set(rawCuts.map((cut) => cut * blockBytes).filter((cut) => cut < bytes.length))].sort((a, b) => a - b);
      const options = { blockBytes, maxLineBytes: 12 };
      const whole = await read(path, undefined, 0, options);
      const ranges = await readRanges(path, bytes.length, cuts, options);
      expect(ranges.blocks).toEqual(whole.blocks);
      expect(ranges.items).toEqual(whole.items);
    }), { numRuns: 150 });
  });

  it('owns nothing in an empty range or one that holds no line start', async () => {
    const path = join(dir, 'one-line.jsonl');
    await writeFile(path, '{"a": 1}\n{"b": 2}\n');
    expect((await read(path, { start: 3, end: 3 }, 0)).lines).toBe(0);
    expect((await read(path, { start: 2, end: 8 }, 0)).items).toEqual([]);
    expect((await read(path, { start: 2, end: 10 }, 0)).items).toEqual([[1, '{"b": 2}']]);
  });
});
