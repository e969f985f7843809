/**
 * One streaming pass over pairs.arrow's `row_id` and `language` columns: language counts of all
 * pairs and of the coreset rows, and the language of the rows the map shows. Languages are matched
 * on their UTF-8 bytes, so a row costs a few byte comparisons, not a string decode.
 */
import { DataType } from '../store/arrow.js';
import { TidepoolError } from '../errors.js';
import { readArrowBatches, readArrowSchema } from '../store/arrow-file.js';

/** What the pass found. */
export interface PairsScan {
  rows: number;
  /** Pairs per language. */
  languages: Record<string, number>;
  /** Coreset rows per language (empty without a coreset). */
  coresetLanguages: Record<string, number>;
  /** Language of each looked-up row found. */
  lookup: Map<number, string>;
}

/**
 * Streams `row_id` and `language` of `path`.
 * @param coreset row ids of the coreset (counted by language)
 * @param lookUp row ids whose language to return
 */
export async function scanPairs(path: string, coreset: ReadonlySet<number>, lookUp: ReadonlySet<number>): Promise<PairsScan> {
  const schema = await readArrowSchema(path);
  const names = schema.fields.map((field) => field.name);
  const missing = ['row_id', 'language'].filter((name) => !names.includes(name));
  if (missing.length > 0) throw new TidepoolError('E_SCHEMA', `${path} has no ${missing.map((name) => `"${name}"`).join(' or ')} column (columns: ${names.join(', ')}); expected pairs.arrow from \`tidepool ingest\``, { path });
  const known: { bytes: Uint8Array; name: string }[] = [];
  const decoder = new TextDecoder();
  const all = new Map<string, number>();
  const inCoreset = new Map<string, number>();
  const lookup = new Map<number, string>();
  let rows = 0;
  for await (const batch of readArrowBatches(path)) {
    const ids = batch.getChild('row_id')!.toArray() as ArrayLike<number | bigint>;
    const column = batch.getChild('language')!;
    const data = column.data[0]!;
    // Other writers may dictionary-encode the column: then take the slow path, value by value.
    const plain = DataType.isUtf8(data.type);
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    for (let r = 0; r < data.length; r++) {
      let name = 'unknown';
      if (!plain) {
        const value = column.get(r) as string | null;
        name = value ?? 'unknown';
      } else if (data.getValid(r)) {
        const start = offsets[data.offset + r]!;
        const end = offsets[data.offset + r + 1]!;
        let match = known.find((entry) => sameBytes(entry.bytes, bytes, start, end));
        if (match === undefined) {
          match = { bytes: bytes.slice(start, end), name: decoder.decode(bytes.subarray(start, end)) };
          known.push(match);
        }
        name = match.name;
      }
      all.set(name, (all.get(name) ?? 0) + 1);
      const rowId = Number(ids[r]);
      if (coreset.has(rowId)) inCoreset.set(name, (inCoreset.get(name) ?? 0) + 1);
      if (lookUp.has(rowId)) lookup.set(rowId, name);
    }
    rows += data.length;
  }
  return { rows, languages: Object.fromEntries(all), coresetLanguages: Object.fromEntries(inCoreset), lookup };
}

function sameBytes(expected: Uint8Array, bytes: Uint8Array, start: number, end: number): boolean {
  if (expected.length !== end - start) return false;
  for (let i = 0; i < expected.length; i++) if (expected[i] !== bytes[start + i]) return false;
  return true;
}
