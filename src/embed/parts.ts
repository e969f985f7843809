/**
 * The journal of a resumable embed run: every finished window of rows is its own small Arrow file in
 * `DIR/.embed-parts/` (written to `.partial`, then renamed), with a JSON sidecar of its statistics
 * written last, so a window counts as done only when both are complete. `key.json` records what the
 * parts were computed from; a rerun with other parameters is refused rather than mixed in.
 * {@link EmbedParts.assemble} streams the parts, in order, into `embeddings.arrow`.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RecordBatch, type Schema } from '../store/arrow.js';
import { TidepoolError, writeFailure } from '../errors.js';
import { ArrowFileSink, readArrowBatches } from '../store/arrow-file.js';
import { publishFileOnce, writeFileAtomically } from '../util/atomic-file.js';

/** Folder of the journal inside the output folder. */
export const PARTS_DIR = '.embed-parts';

/** What one window cost and found. */
export interface WindowStats {
  rows: number;
  /** Tokens fed to the model (special tokens included), and with padding. */
  tokens: number;
  paddedTokens: number;
  /** Texts cut at the maximum length. */
  truncated: number;
  /** Texts that were empty or only whitespace (they still get a vector). */
  empty: number;
  /** Rows whose vector is all zeros (hashing: no token at all). */
  zeroVectors: number;
  seconds: number;
}

function partName(window: number): string {
  return `part-${String(window).padStart(6, '0')}`;
}

/** The journal of one output folder. */
export class EmbedParts {
  private constructor(readonly dir: string) {}

  /**
   * Opens (or starts) the journal in `outDir` for a run described by `key`.
   * @throws TidepoolError `E_USAGE` when the folder holds parts of a run with another key;
   * `E_NO_SPACE` / `E_OUTPUT` when the journal cannot be written.
   */
  static async open(outDir: string, key: Readonly<Record<string, unknown>>): Promise<EmbedParts> {
    const dir = join(outDir, PARTS_DIR);
    await mkdir(dir, { recursive: true }).catch((error: unknown) => {
      throw writeFailure(error, dir);
    });
    const keyPath = join(dir, 'key.json');
    const text = `${JSON.stringify(key, null, 2)}\n`;
    // Atomically, and once: a key.json cut short by a full disk would make every rerun refuse the journal,
    // and the shards of a sharded run open the same journal at once.
    const existing = (await publishFileOnce(keyPath, text)) ? text : await readFile(keyPath, 'utf8').catch(() => undefined);
    if (existing !== undefined && existing !== text) {
      throw new TidepoolError('E_USAGE', `${outDir} holds an unfinished embed run with other inputs or parameters (see ${keyPath}). Rerun that exact command to finish it, or use another --out (or delete ${dir}) to start over.`, { path: keyPath });
    }
    return new EmbedParts(dir);
  }

  /** Statistics of every finished window, by window index. */
  async finished(): Promise<Map<number, WindowStats>> {
    const done = new Map<number, WindowStats>();
    for (const name of await readdir(this.dir)) {
      const match = /^part-(\d{6})\.json$/.exec(name);
      if (match === null) continue;
      // A window is done only with both files; one whose Arrow part is gone (a run cut off, or files removed
      // by hand) is embedded again rather than failing every rerun.
      if (!existsSync(join(this.dir, `part-${match[1]}.arrow`))) continue;
      const stats = JSON.parse(await readFile(join(this.dir, name), 'utf8')) as WindowStats;
      done.set(Number(match[1]), stats);
    }
    return done;
  }

  /**
   * Writes one finished window: the Arrow part, then its statistics (the commit point). A failed write
   * (full disk: `E_NO_SPACE`) leaves the journal as it was, so a rerun resumes from the windows before.
   */
  async write(window: number, batch: RecordBatch, stats: WindowStats): Promise<void> {
    const base = join(this.dir, partName(window));
    // No SHA-256: a part is scratch, read back only by assemble (which hashes the file it writes).
    const sink = ArrowFileSink.create(`${base}.arrow`, batch.schema, { sha256: false });
    try {
      await sink.write(batch);
      await sink.close();
    } catch (error) {
      await sink.abort();
      throw error;
    }
    await writeFileAtomically(`${base}.json`, JSON.stringify(stats));
  }

  /**
   * Streams windows 0..windows-1, in order, into `path` (through `.partial`, renamed on success) and
   * returns the file's bytes and SHA-256. The journal stays until {@link remove}.
   */
  async assemble(path: string, schema: Schema, windows: number): Promise<{ bytes: number; sha256: string }> {
    const sink = ArrowFileSink.create(path, schema);
    try {
      for (let window = 0; window < windows; window++) {
        for await (const batch of readArrowBatches(join(this.dir, `${partName(window)}.arrow`))) {
          await sink.write(new RecordBatch(schema, batch.data));
        }
      }
      const bytes = await sink.close();
      return { bytes, sha256: sink.sha256 };
    } catch (error) {
      await sink.abort();
      throw error;
    }
  }

  /** Deletes the journal (after the embeddings file and manifest are in place). */
  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
