/**
 * Bytes of a {@link DocumentFrequency}, for checkpoints and for moving counts between threads.
 * Layout, all little-endian: magic `TPDF`, u32 format version, u32 hashing scheme version, u32
 * buckets, f64 documents, then u32 counts, one per bucket (24 + 4 * buckets bytes).
 */
import { TidepoolError } from '../../errors.js';
import { DocumentFrequency } from './document-frequency.js';
import { HASHING_SCHEME_VERSION, MAX_BUCKETS, MIN_BUCKETS } from './params.js';

const MAGIC = 0x46445054; // 'TPDF' read as a little-endian u32
const FORMAT_VERSION = 1;
const HEADER_BYTES = 24;

/** Serialises the counts. */
export function documentFrequencyToBytes(df: DocumentFrequency): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + 4 * df.buckets);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, FORMAT_VERSION, true);
  view.setUint32(8, HASHING_SCHEME_VERSION, true);
  view.setUint32(12, df.buckets, true);
  view.setFloat64(16, df.documents, true);
  const { counts } = df;
  for (let b = 0; b < counts.length; b++) view.setUint32(HEADER_BYTES + 4 * b, counts[b]!, true);
  return bytes;
}

/**
 * Reads counts written by {@link documentFrequencyToBytes}; throws `E_FORMAT_INVALID` when the bytes
 * are not such counts, were made by another hashing scheme version, or are inconsistent.
 * `source` names the file in messages.
 */
export function documentFrequencyFromBytes(bytes: Uint8Array, source = 'document frequency'): DocumentFrequency {
  const fail = (found: string): never => {
    throw new TidepoolError('E_FORMAT_INVALID', `${source}: expected tidepool hashing document frequencies, found ${found}; delete the file and rerun to recount`, { source });
  };
  if (bytes.length < HEADER_BYTES) fail(`${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) fail('another file type (no TPDF magic)');
  const format = view.getUint32(4, true);
  if (format !== FORMAT_VERSION) fail(`format version ${format} (this tidepool reads ${FORMAT_VERSION})`);
  const scheme = view.getUint32(8, true);
  if (scheme !== HASHING_SCHEME_VERSION) fail(`hashing scheme version ${scheme} (this tidepool uses ${HASHING_SCHEME_VERSION})`);
  const buckets = view.getUint32(12, true);
  if (buckets < MIN_BUCKETS || buckets > MAX_BUCKETS || (buckets & (buckets - 1)) !== 0) fail(`${buckets} buckets`);
  if (bytes.length !== HEADER_BYTES + 4 * buckets) fail(`${bytes.length} bytes for ${buckets} buckets (expected ${HEADER_BYTES + 4 * buckets})`);
  const documents = view.getFloat64(16, true);
  if (!Number.isInteger(documents) || documents < 0 || documents > 0xffffffff) fail(`a document count of ${documents}`);
  const counts = new Uint32Array(buckets);
  for (let b = 0; b < buckets; b++) {
    const count = view.getUint32(HEADER_BYTES + 4 * b, true);
    if (count > documents) fail(`bucket ${b} in ${count} of ${documents} documents`);
    counts[b] = count;
  }
  return new DocumentFrequency(buckets, counts, documents);
}
