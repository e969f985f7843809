/**
 * The work units of a sharded ingest: whole input files, or, when there are fewer files than shards,
 * byte ranges of the plain (uncompressed) jsonl files, so one large file still keeps N shards busy.
 * Ranges are cut at multiples of the read block size: a range then reads exactly the blocks (chunks) a
 * read of the whole file gives there (store/jsonl.ts), which keeps the merged `pairs.arrow`, whose record
 * batches follow the chunks, byte-identical to an unsharded run's. Gzip, Parquet and Arrow inputs stay
 * whole units (a compressed stream cannot be entered in the middle). Pure: no file access.
 */
import { DEFAULT_BLOCK_BYTES, type ByteRange } from '../store/jsonl.js';

/** One unit: an input file, or a byte range of one. */
export interface WorkUnit {
  /** Index of its file in the ordered inputs. */
  sourceIndex: number;
  /** Name of its part under `.shards/parts/`: `<sourceIndex>`, or `<sourceIndex>.<piece>` for a range. */
  name: string;
  /** The bytes it owns (the lines that start in them); undefined for a whole file. */
  range?: ByteRange;
}

/** What the planner needs to know of an input file. */
export interface UnitInput {
  bytes: number;
  /** A plain jsonl file, which can be read in byte ranges. */
  splittable: boolean;
}

/**
 * The units of `files` for `shards` shards, in input order (every byte of a split file in exactly one
 * range, ranges in order). Files are split only when there are fewer of them than shards; a split file
 * gets min(shards, its blocks) ranges of whole blocks, balanced to within one block.
 * @param blockBytes the reader's block size. @default DEFAULT_BLOCK_BYTES (4 MiB)
 */
export function planWorkUnits(files: readonly UnitInput[], shards: number, blockBytes: number = DEFAULT_BLOCK_BYTES): WorkUnit[] {
  const split = files.length < shards;
  const units: WorkUnit[] = [];
  files.forEach((file, sourceIndex) => {
    const blocks = Math.ceil(file.bytes / blockBytes);
    const pieces = split && file.splittable ? Math.min(shards, blocks) : 1;
    if (pieces <= 1) {
      units.push({ sourceIndex, name: String(sourceIndex) });
      return;
    }
    const cut = (piece: number): number => Math.min(file.bytes, Math.floor((piece * blocks) / pieces) * blockBytes);
    for (let piece = 0; piece < pieces; piece++) {
      units.push({ sourceIndex, name: `${sourceIndex}.${piece}`, range: { start: cut(piece), end: piece === pieces - 1 ? file.bytes : cut(piece + 1) } });
    }
  });
  return units;
}
