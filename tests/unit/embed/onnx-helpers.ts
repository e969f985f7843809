// Helpers shared by the ONNX embedder tests: the native model written into a temp folder, copies of it
// to break in one place, code-like texts of chosen lengths, and the pooling sentence-transformers does,
// written out in float64 over a padded batch's last_hidden_state.
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeNativeModel } from '../../../src/devkit/native-model/index.js';
import type { NativeModelFile } from '../../../src/devkit/native-model/index.js';
import { tempDir } from '../../helpers/files.js';
import type { PaddedBatch } from './native-model-helpers.js';

/** The native model in a temp folder, with the files it wrote. */
export interface NativeFolder {
  root: string;
  dir: string;
  files: NativeModelFile[];
  cleanup: () => Promise<void>;
}

export async function writeNativeFolder(): Promise<NativeFolder> {
  const { dir: root, cleanup } = await tempDir('tidepool-onnx-');
  const dir = join(root, 'tidepool-mini-bert');
  const files = await writeNativeModel(dir);
  return { root, dir, files, cleanup };
}

let copies = 0;

/** A copy of the model folder next to it, to change one file in. */
export async function copyFolder(native: NativeFolder): Promise<string> {
  const target = join(native.root, `copy-${++copies}`);
  await cp(native.dir, target, { recursive: true });
  return target;
}

/** Rewrites a JSON file through `edit`. */
export async function editJson(path: string, edit: (value: Record<string, unknown>) => void): Promise<void> {
  const value = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  edit(value);
  await writeFile(path, JSON.stringify(value));
}

const WORDS = ['def', 'return', 'self', 'value', 'items', 'for', 'in', 'if', 'None', 'string', 'parse', 'config', 'file', 'user', 'name', 'list', 'index', 'result', 'error', 'open'];

/** A deterministic Python-like function of roughly `chars` characters (CodeSearchNet-style code + docstring). */
export function codeText(seed: number, chars: number): string {
  let state = seed * 2654435761 + 1;
  const next = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state;
  };
  const lines = [`def ${WORDS[seed % WORDS.length]!}_${seed}(self, value):`, `    """Parse the ${WORDS[(seed + 3) % WORDS.length]!} and return the result."""`];
  while (lines.join('\n').length < chars) {
    const a = WORDS[next() % WORDS.length]!;
    const b = WORDS[next() % WORDS.length]!;
    lines.push(`    ${a}_${next() % 100} = self.${b}(${a}, ${next() % 1000}) + len(${b}_items)`);
  }
  return lines.join('\n').slice(0, chars);
}

/** What sentence-transformers' Pooling (and Normalize) compute from token vectors, in float64. */
export function poolRows(hidden: Float32Array, batch: PaddedBatch, width: number, mode: 'mean' | 'cls' | 'max', normalize: boolean): Float64Array[] {
  const [rows, length] = batch.dims;
  const out: Float64Array[] = [];
  for (let row = 0; row < rows; row++) {
    const pooled = new Float64Array(width).fill(mode === 'max' ? -Infinity : 0);
    let count = 0;
    for (let position = 0; position < length; position++) {
      if (batch.attentionMask[row * length + position] === 0n || (mode === 'cls' && position > 0)) continue;
      count++;
      const offset = (row * length + position) * width;
      for (let i = 0; i < width; i++) pooled[i] = mode === 'max' ? Math.max(pooled[i]!, hidden[offset + i]!) : pooled[i]! + hidden[offset + i]!;
    }
    if (mode === 'mean') pooled.forEach((value, i) => (pooled[i] = value / count));
    const norm = normalize ? Math.hypot(...pooled) : 1;
    out.push(pooled.map((value) => value / norm));
  }
  return out;
}

/** Row `row` of a row-major matrix with `width` columns. */
export function rowOf(matrix: Float32Array, row: number, width: number): Float32Array {
  return matrix.subarray(row * width, (row + 1) * width);
}
