/** The I/O shell of `tidepool sample`: streams {@link generateSample} into a .jsonl or .jsonl.gz file. */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { TidepoolError } from '../../errors.js';
import { generateSample, resolveSampleOptions, type SampleLine, type SampleOptions } from './generate.js';

/** Arguments of {@link runSample}: the {@link SampleOptions} plus where and how to write. */
export interface SampleRun extends SampleOptions {
  /** Output file; gzip-compressed when it ends with `.gz`. Its folder is created if needed. */
  out: string;
  /** zlib level 0-9 for `.gz` output. @default 6 */
  gzipLevel?: number;
}

/** What {@link runSample} wrote. */
export interface SampleSummary {
  out: string;
  /** Lines written. */
  rows: number;
  /** Size of the written file (compressed size for .gz). */
  bytes: number;
  seconds: number;
  /** Lines of each kind. */
  counts: Record<SampleLine['kind'], number>;
}

/** Lines are written into buffers of this size, one write per buffer. */
const CHUNK_BYTES = 1 << 20;

/**
 * Encodes lines (each followed by a newline) into large buffers, tallying kinds as they pass. Writing
 * each line straight into a buffer measured faster than gathering a chunk-sized string first: V8 then
 * flattens one huge rope instead of one small one per line.
 */
function* chunks(lines: Iterable<SampleLine>, counts: Record<SampleLine['kind'], number>): Generator<Buffer> {
  let buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  for (const line of lines) {
    counts[line.kind]++;
    const { bytes } = line;
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    const worst = (typeof bytes === 'string' ? bytes.length * 3 : bytes.length) + 1;
    if (used + worst > buffer.length) {
      if (used > 0) yield buffer.subarray(0, used);
      buffer = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, worst));
      used = 0;
    }
    // Raw bytes (deliberately invalid UTF-8) are copied as they are, never through a string.
    used += typeof bytes === 'string' ? buffer.write(bytes, used) : bytes.copy(buffer, used);
    buffer[used++] = 0x0a;
  }
  if (used > 0) yield buffer.subarray(0, used);
}

function resolveRun(run: SampleRun): { options: SampleOptions; gzipLevel: number } {
  const { out, gzipLevel = 6, ...options } = run;
  const problems: string[] = [];
  if (typeof out !== 'string' || out === '') problems.push(`out must be a file path, got ${JSON.stringify(out)}`);
  if (typeof gzipLevel !== 'number' || !Number.isInteger(gzipLevel) || gzipLevel < 0 || gzipLevel > 9) {
    problems.push(`options.gzipLevel must be an integer from 0 to 9, got ${String(gzipLevel)}`);
  }
  try {
    resolveSampleOptions(options);
  } catch (error) {
    if (!(error instanceof TidepoolError) || error.code !== 'E_USAGE') throw error;
    problems.unshift(...(error.details.problems as string[]));
  }
  if (problems.length > 0) {
    throw new TidepoolError('E_USAGE', `invalid sample options:\n  - ${problems.join('\n  - ')}`, { problems });
  }
  return { options, gzipLevel };
}

/**
 * Writes the sample to `run.out`, streaming with backpressure (memory stays flat whatever `rows` is):
 * first to `out + '.partial'`, renamed into place when complete, so a crash never leaves a file that
 * looks finished.
 * @throws TidepoolError `E_USAGE` for invalid options, `E_OUTPUT` when the file cannot be written.
 */
export async function runSample(run: SampleRun): Promise<SampleSummary> {
  const started = performance.now();
  const { options, gzipLevel } = resolveRun(run);
  const { out } = run;
  const partial = `${out}.partial`;
  const counts: Record<SampleLine['kind'], number> = { good: 0, duplicate: 0, near_duplicate: 0, invalid_json: 0, missing_field: 0, mistyped_field: 0, invalid_utf8: 0 };
  const fail = (what: string, error: unknown): TidepoolError =>
    new TidepoolError('E_OUTPUT', `cannot ${what} ${out}: ${(error as Error).message}; check that the folder exists and is writable, or choose another --out`, { path: out }, { cause: error });
  try {
    await mkdir(dirname(out), { recursive: true });
  } catch (error) {
    throw fail('create the folder of', error);
  }
  // Buffers of a few chunks between stages let generation go on while zlib and the disk work (in
  // libuv's threads); with the 16 KiB defaults every 1 MiB chunk waited for the one before to be written.
  const highWaterMark = 4 * CHUNK_BYTES;
  const source = Readable.from(chunks(generateSample(options), counts), { objectMode: false, highWaterMark });
  try {
    const file = createWriteStream(partial, { highWaterMark });
    if (out.endsWith('.gz')) await pipeline(source, createGzip({ level: gzipLevel, chunkSize: 1 << 16 }), file);
    else await pipeline(source, file);
    await rename(partial, out);
  } catch (error) {
    await rm(partial, { force: true }).catch(() => undefined);
    if (error instanceof TidepoolError) throw error;
    throw fail('write', error);
  }
  const { size } = await stat(out);
  const rows = Object.values(counts).reduce((sum, count) => sum + count, 0);
  return { out, rows, bytes: size, seconds: (performance.now() - started) / 1000, counts };
}
