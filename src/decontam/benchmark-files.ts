/**
 * Reads the benchmark files the user passes with `--bench`: JSON Lines, plain or gzip (by magic bytes),
 * one problem per line, layout detected from the first line (see layouts.ts). A benchmark must be read
 * whole (a skipped problem would let its copies through), so every bad line is an error naming the
 * file and line, never a skip.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { TidepoolError } from '../errors.js';
import { describeFile, type ManifestFile } from '../store/manifest.js';
import { benchmarkItem, detectLayout, unknownLayoutError, type BenchmarkItem, type BenchmarkLayout } from './layouts.js';

/** One benchmark file as read. */
export interface BenchmarkFile {
  path: string;
  /** File name without `.jsonl`/`.json`/`.gz`: the first part of every item id. */
  stem: string;
  layout: BenchmarkLayout;
  /** Problems read. */
  items: number;
  /** Size and checksum, for the manifest. */
  file: ManifestFile;
}

/** Every benchmark item, in file then line order. */
export interface BenchmarkSet {
  files: BenchmarkFile[];
  items: BenchmarkItem[];
}

/** The stem of a benchmark file: `HumanEval.jsonl.gz` -> `HumanEval`. */
export function benchmarkStem(path: string): string {
  return basename(path).replace(/\.gz$/i, '').replace(/\.(jsonl|json|ndjson)$/i, '');
}

/** The file's lines, gunzipped when it starts with the gzip magic bytes. */
async function lines(path: string): Promise<AsyncIterable<string>> {
  const handle = await open(path, 'r');
  const head = Buffer.alloc(2);
  try {
    await handle.read(head, 0, 2, 0);
  } finally {
    await handle.close();
  }
  let stream: Readable = createReadStream(path);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    stream.on('error', (error) => gunzip.destroy(error));
    stream = stream.pipe(gunzip);
  }
  return createInterface({ input: stream, crlfDelay: Infinity });
}

/** Reads one benchmark file. */
export async function readBenchmarkFile(path: string, maxSolutions: number): Promise<{ file: BenchmarkFile; items: BenchmarkItem[] }> {
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new TidepoolError('E_INPUT_MISSING', `benchmark file ${path} not found: pass --bench with .jsonl or .jsonl.gz files (HumanEval, MBPP, DS-1000, APPS or LiveCodeBench layout)`, { path });
  }
  const stem = benchmarkStem(path);
  const items: BenchmarkItem[] = [];
  const seen = new Map<string, number>();
  let layout: BenchmarkLayout | undefined;
  let line = 0;
  try {
    for await (const raw of await lines(path)) {
      line++;
      if (raw.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (error) {
        throw new TidepoolError('E_BAD_RECORD', `${path}:${line}: not valid JSON (${(error as Error).message}). Benchmark files are JSON Lines: one JSON object per line.`, { path, line });
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new TidepoolError('E_BAD_RECORD', `${path}:${line}: expected a JSON object, found ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`, { path, line });
      }
      const record = value as Record<string, unknown>;
      if (layout === undefined) {
        layout = detectLayout(Object.keys(record));
        if (layout === undefined) throw unknownLayoutError(path, line, Object.keys(record));
      }
      const item = benchmarkItem(layout, record, { benchmark: stem, path, line, maxSolutions });
      const earlier = seen.get(item.id);
      if (earlier !== undefined) {
        throw new TidepoolError('E_BAD_RECORD', `${path}:${line}: problem ${item.id} already appeared on line ${earlier}; every problem needs its own id`, { path, line });
      }
      seen.set(item.id, line);
      items.push(item);
    }
  } catch (error) {
    if (error instanceof TidepoolError) throw error;
    throw new TidepoolError('E_FORMAT_INVALID', `${path}: cannot read line ${line + 1}: ${(error as Error).message}. Is it a complete .jsonl or .jsonl.gz file?`, { path, line: line + 1 }, { cause: error });
  }
  if (layout === undefined) throw new TidepoolError('E_INPUT_EMPTY', `benchmark file ${path} holds no problems`, { path });
  return { file: { path, stem, layout, items: items.length, file: await describeFile(path, items.length) }, items };
}

/** Reads every benchmark file; two files with the same stem are an error (their ids would clash). */
export async function readBenchmarks(paths: readonly string[], maxSolutions: number): Promise<BenchmarkSet> {
  if (paths.length === 0) throw new TidepoolError('E_USAGE', 'no benchmark files: pass --bench FILE... (.jsonl or .jsonl.gz)');
  const stems = new Map<string, string>();
  for (const path of paths) {
    const stem = benchmarkStem(path);
    const other = stems.get(stem);
    if (other !== undefined) throw new TidepoolError('E_USAGE', `benchmark files ${other} and ${path} have the same name stem "${stem}", so their problem ids would clash; rename one`, { paths: [other, path] });
    stems.set(stem, path);
  }
  const files: BenchmarkFile[] = [];
  const items: BenchmarkItem[] = [];
  for (const path of paths) {
    const read = await readBenchmarkFile(path, maxSolutions);
    files.push(read.file);
    items.push(...read.items);
  }
  return { files, items };
}
