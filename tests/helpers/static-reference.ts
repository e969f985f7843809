// An independent reference for static (model2vec) models: the safetensors bytes parsed by hand, the
// tokenizer run directly, and model2vec's encode (MinishLab/model2vec model.py: cut to
// max_length x median token length characters, ids without special tokens, the unknown id dropped,
// max_length ids kept, mean of vectors[mapping[id]] * weights[id], then x / (|x| + 1e-32)) in float64.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tokenizers from '@huggingface/tokenizers';

interface HfTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[] };
}
const { Tokenizer } = tokenizers as unknown as { Tokenizer: new (tokenizerJson: object, tokenizerConfig: object) => HfTokenizer };

/** IEEE half to number, from the bit layout (not the project's table). */
function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Tensors of a safetensors file as float64 arrays (floats) or numbers (integers). */
export function parseTensorsByHand(bytes: Uint8Array): Map<string, { shape: number[]; values: number[] }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLength)).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const out = new Map<string, { shape: number[]; values: number[] }>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const start = 8 + headerLength + entry.data_offsets[0];
    const count = entry.shape.reduce((a, b) => a * b, 1);
    const values: number[] = [];
    for (let i = 0; i < count; i++) {
      if (entry.dtype === 'F32') values.push(view.getFloat32(start + 4 * i, true));
      else if (entry.dtype === 'F64') values.push(view.getFloat64(start + 8 * i, true));
      else if (entry.dtype === 'F16') values.push(half(view.getUint16(start + 2 * i, true)));
      else if (entry.dtype === 'I64') values.push(Number(view.getBigInt64(start + 8 * i, true)));
      else throw new Error(`reference: dtype ${entry.dtype}`);
    }
    out.set(name, { shape: entry.shape, values });
  }
  return out;
}

/** model2vec's vectors of `texts` for the model in `dir` (model2vec layout), in float64. */
export function referenceStaticVectors(dir: string, texts: readonly string[], maxLength = 512): number[][] {
  const tensors = parseTensorsByHand(readFileSync(join(dir, 'model.safetensors')));
  const tokenizerJson = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number>; unk_token?: string }; added_tokens: { id: number; content: string }[] };
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { normalize?: boolean };
  const tokenizer = new Tokenizer(tokenizerJson, {});
  const tokens = new Map<string, number>(Object.entries(tokenizerJson.model.vocab));
  for (const added of tokenizerJson.added_tokens) tokens.set(added.content, added.id);
  // Code points, as Python's len counts a str.
  const lengths = [...tokens.keys()].map((token) => Array.from(token).length).sort((a, b) => a - b);
  const middle = lengths.length / 2;
  const median = Math.trunc(lengths.length % 2 === 1 ? lengths[Math.floor(middle)]! : (lengths[middle - 1]! + lengths[middle]!) / 2);
  const unknownId = tokenizerJson.model.unk_token === undefined ? undefined : tokens.get(tokenizerJson.model.unk_token);
  const embeddings = tensors.get('embeddings')!;
  const dim = embeddings.shape[1]!;
  const weights = tensors.get('weights')?.values;
  const mapping = tensors.get('mapping')?.values;
  return texts.map((text) => {
    // Python's text[:n] counts code points.
    const cut = Array.from(text).slice(0, maxLength * median).join('');
    const ids = tokenizer.encode(cut, { add_special_tokens: false }).ids.filter((id) => id !== unknownId).slice(0, maxLength);
    const mean = new Array<number>(dim).fill(0);
    if (ids.length === 0) return mean;
    for (const id of ids) {
      const row = mapping === undefined ? id : mapping[id]!;
      for (let k = 0; k < dim; k++) mean[k]! += (embeddings.values[row * dim + k]! * (weights === undefined ? 1 : weights[id]!)) / ids.length;
    }
    if (!config.normalize) return mean;
    const norm = Math.hypot(...mean) + 1e-32;
    return mean.map((value) => value / norm);
  });
}

/** Real code: the project's own TypeScript sources cut into ~1.5 KB pieces, plus awkward texts. */
export function realCodeTexts(limit: number): string[] {
  const root = new URL('../../src/', import.meta.url).pathname;
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) files.push(path);
    }
  };
  walk(root);
  const texts = ['', '   \n\t', '😀 こんにちは 函数 naïve café → ≥', 'x'.repeat(40), 'def f():\n    return 1'];
  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    for (let at = 0; at < source.length && texts.length < limit; at += 1500) texts.push(source.slice(at, at + 1500));
    if (texts.length >= limit) break;
  }
  texts.push(files.slice(0, 3).map((file) => readFileSync(file, 'utf8')).join('\n')); // far past 512 tokens
  return texts;
}
