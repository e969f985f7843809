/**
 * A reader for the safetensors format (what model2vec and sentence-transformers save weights in):
 * an 8-byte little-endian header length N, N bytes of JSON mapping each tensor name to
 * `{ dtype, shape, data_offsets: [begin, end] }` (offsets relative to the end of the header), an
 * optional `__metadata__` entry, then the raw little-endian tensor bytes. Every damage that would
 * otherwise read garbage (a short file, bad JSON, offsets past the end or overlapping, a byte count
 * that disagrees with the shape) is an error naming the file.
 */
import { halfArrayToFloat32 } from '../../store/matrix.js';
import { TidepoolError } from '../../errors.js';

/** Element types this reader converts; others are listed in the header but refused when read. */
export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const DTYPE_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1, U16: 2, U32: 4, U64: 8, F8_E4M3: 1, F8_E5M2: 1 };

/** One tensor: its element type, shape and bytes (a view into the file's bytes). */
export interface SafetensorsTensor {
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

/** Header length above this is damage, not a model: the format's own readers refuse 100 MB headers. */
const MAX_HEADER_BYTES = 100_000_000;

function damaged(path: string, what: string): TidepoolError {
  return new TidepoolError('E_MODEL_INVALID', `${path} is not a valid safetensors file: ${what}. The download was probably cut off or the file was overwritten; download the model again.`, { path });
}

/**
 * Reads the header of a safetensors file (its first `8 + N` bytes are enough) and returns the JSON
 * header length and the tensor entries. `path` names the file in messages.
 */
export function parseSafetensorsHeader(bytes: Uint8Array, path: string): { dataStart: number; entries: Map<string, { dtype: string; shape: number[]; begin: number; end: number }> } {
  if (bytes.length < 8) throw damaged(path, `it has ${bytes.length} bytes, fewer than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) throw damaged(path, `its header length field says ${headerLength} bytes`);
  const dataStart = 8 + Number(headerLength);
  if (bytes.length < dataStart) throw damaged(path, `its header length field says ${headerLength} bytes but only ${bytes.length - 8} follow`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (error) {
    throw damaged(path, `its header is not JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw damaged(path, 'its header is not a JSON object');
  const entries = new Map<string, { dtype: string; shape: number[]; begin: number; end: number }>();
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    const entry = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    const offsets = entry?.data_offsets;
    if (typeof entry?.dtype !== 'string' || !Array.isArray(entry.shape) || !entry.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)
      || !Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)) {
      throw damaged(path, `tensor "${name}" needs a dtype, a shape of non-negative integers and two data_offsets, found ${JSON.stringify(value)}`);
    }
    const [begin, end] = offsets as [number, number];
    const shape = entry.shape as number[];
    const elementBytes = DTYPE_BYTES[entry.dtype];
    if (elementBytes === undefined) throw damaged(path, `tensor "${name}" has unknown dtype ${entry.dtype}`);
    const expected = shape.reduce((product, d) => product * d, 1) * elementBytes;
    if (end < begin || end - begin !== expected) throw damaged(path, `tensor "${name}" (${entry.dtype} [${shape.join(', ')}]) needs ${expected} bytes but its data_offsets [${begin}, ${end}] hold ${end - begin}`);
    entries.set(name, { dtype: entry.dtype, shape, begin, end });
  }
  return { dataStart, entries };
}

/** Every tensor of a whole safetensors file, as views into `bytes`; damage is an error naming `path`. */
export function readSafetensors(bytes: Uint8Array, path: string): Map<string, SafetensorsTensor> {
  const { dataStart, entries } = parseSafetensorsHeader(bytes, path);
  const dataBytes = bytes.length - dataStart;
  const tensors = new Map<string, SafetensorsTensor>();
  const spans = [...entries.entries()].sort((a, b) => a[1].begin - b[1].begin);
  let previousEnd = 0;
  for (const [name, { dtype, shape, begin, end }] of spans) {
    if (end > dataBytes) throw damaged(path, `tensor "${name}" ends at byte ${end} of the data but the file holds ${dataBytes} data bytes`);
    if (begin < previousEnd && end > begin) throw damaged(path, `tensor "${name}" overlaps the tensor before it`);
    previousEnd = Math.max(previousEnd, end);
    tensors.set(name, { dtype, shape, bytes: bytes.subarray(dataStart + begin, dataStart + end) });
  }
  return tensors;
}

/** Little-endian values, whatever the alignment of `bytes` (safetensors does not align tensors). */
function aligned(bytes: Uint8Array, elementBytes: number): ArrayBuffer {
  if (bytes.byteOffset % elementBytes === 0) return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return bytes.slice().buffer;
}

/** A float tensor (F64, F32, F16 or BF16) as float32 values, row-major; `path` names the file in messages. */
export function tensorToFloat32(tensor: SafetensorsTensor, name: string, path: string): Float32Array {
  switch (tensor.dtype) {
    case 'F32':
      return new Float32Array(aligned(tensor.bytes, 4));
    case 'F64':
      return Float32Array.from(new Float64Array(aligned(tensor.bytes, 8)));
    case 'F16':
      return halfArrayToFloat32(new Uint16Array(aligned(tensor.bytes, 2)));
    case 'BF16': {
      // bfloat16 is the top half of a float32: shift each value into place.
      const halves = new Uint16Array(aligned(tensor.bytes, 2));
      const words = new Uint32Array(halves.length);
      for (let i = 0; i < halves.length; i++) words[i] = halves[i]! << 16;
      return new Float32Array(words.buffer);
    }
    default:
      throw new TidepoolError('E_MODEL_INVALID', `${path}: tensor "${name}" has dtype ${tensor.dtype}; tidepool reads F32, F16, BF16 or F64 vectors here. Re-save the model with float weights.`, { path, dtype: tensor.dtype });
  }
}

/** An integer tensor (I64, I32, I16, I8, U8) as numbers; values past 2^53 are an error naming `path`. */
export function tensorToIntegers(tensor: SafetensorsTensor, name: string, path: string): Int32Array {
  const bytes = tensor.bytes;
  switch (tensor.dtype) {
    case 'I32':
      return new Int32Array(aligned(bytes, 4));
    case 'I16':
      return Int32Array.from(new Int16Array(aligned(bytes, 2)));
    case 'I8':
      return Int32Array.from(new Int8Array(aligned(bytes, 1)));
    case 'U8':
      return Int32Array.from(bytes);
    case 'I64': {
      const wide = new BigInt64Array(aligned(bytes, 8));
      const out = new Int32Array(wide.length);
      for (let i = 0; i < wide.length; i++) {
        const value = wide[i]!;
        if (value < -2147483648n || value > 2147483647n) throw new TidepoolError('E_MODEL_INVALID', `${path}: tensor "${name}" holds ${value} at index ${i}, outside the 32-bit range of a row index.`, { path });
        out[i] = Number(value);
      }
      return out;
    }
    default:
      throw new TidepoolError('E_MODEL_INVALID', `${path}: tensor "${name}" has dtype ${tensor.dtype}; tidepool reads integer ids (I64, I32, I16, I8, U8) here.`, { path, dtype: tensor.dtype });
  }
}
