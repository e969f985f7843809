// The native model's ONNX encoder in onnxruntime against the float64 reference forward pass: a
// padded batch of code of different lengths, pooled and normalised, must agree within 1e-4, and
// padding must not change a row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxSession } from '../../../src/backends/onnx/session.js';
import { MINI_BERT_CONFIG, NATIVE_MODEL_ONNX_PATH, nativeModelFiles, referenceHiddenStates, referenceSentenceEmbedding } from '../../../src/devkit/native-model/index.js';
import { fileBytes, loadTokenizer, maxAbsDiff, meanPoolNormalize, padBatch, readInitializers } from './native-model-helpers.js';
import type { PaddedBatch } from './native-model-helpers.js';

const TEXTS = [
  'def add(a, b):\n    """Return the sum of a and b."""\n    return a + b',
  'public static int fibonacci(int n) {\n  if (n < 2) return n;\n  return fibonacci(n - 1) + fibonacci(n - 2);\n}',
  'Write a Go function that reads a JSON config file and returns a map[string]string, or an error if the file is missing.',
];
const HIDDEN = MINI_BERT_CONFIG.hiddenSize;

let session: OnnxSession;
let weights: Map<string, Float32Array>;
let sequences: number[][];

async function lastHiddenState(batch: PaddedBatch): Promise<Float32Array> {
  const { last_hidden_state: hidden } = await session.run(
    {
      input_ids: { data: batch.inputIds, dims: batch.dims },
      attention_mask: { data: batch.attentionMask, dims: batch.dims },
      token_type_ids: { data: batch.tokenTypeIds, dims: batch.dims },
    },
    ['last_hidden_state'],
  );
  return hidden!;
}

beforeAll(async () => {
  const files = nativeModelFiles();
  const model = fileBytes(files, NATIVE_MODEL_ONNX_PATH);
  // The reference reads the weights back from the file, so it checks what was written.
  weights = readInitializers(model);
  session = await OnnxSession.create(model);
  const tokenizer = loadTokenizer(files);
  sequences = TEXTS.map((text) => tokenizer.encode(text).ids);
});

afterAll(async () => {
  await session.release();
});

describe('native model in onnxruntime', () => {
  it('tokenises the three texts to different lengths', () => {
    const lengths = new Set(sequences.map((ids) => ids.length));
    expect(lengths.size).toBe(3);
  });

  it('matches the float64 reference per token and per pooled row within 1e-4 on a padded batch', async () => {
    const batch = padBatch(sequences);
    const hidden = await lastHiddenState(batch);
    const [rows, length] = batch.dims;
    expect(hidden.length).toBe(rows * length * HIDDEN);
    const pooled = meanPoolNormalize(hidden, batch, HIDDEN);
    sequences.forEach((ids, row) => {
      const expectedTokens = referenceHiddenStates(MINI_BERT_CONFIG, weights, ids);
      expectedTokens.forEach((expected, position) => {
        const offset = (row * length + position) * HIDDEN;
        expect(maxAbsDiff(hidden.subarray(offset, offset + HIDDEN), expected)).toBeLessThan(1e-4);
      });
      const expected = referenceSentenceEmbedding(MINI_BERT_CONFIG, weights, ids);
      expect(maxAbsDiff(pooled[row]!, expected)).toBeLessThan(1e-4);
      expect(Math.hypot(...expected)).toBeCloseTo(1, 12);
    });
  });

  it('gives each row the same embedding alone as in the padded batch', async () => {
    const batch = padBatch(sequences);
    const together = meanPoolNormalize(await lastHiddenState(batch), batch, HIDDEN);
    for (const [row, ids] of sequences.entries()) {
      const single = padBatch([ids]);
      const alone = meanPoolNormalize(await lastHiddenState(single), single, HIDDEN);
      expect(maxAbsDiff(alone[0]!, together[row]!)).toBeLessThan(1e-5);
    }
  });

  it('gives different texts different embeddings', async () => {
    const batch = padBatch(sequences);
    const pooled = meanPoolNormalize(await lastHiddenState(batch), batch, HIDDEN);
    const cosine = (a: Float64Array, b: Float64Array): number => a.reduce((sum, value, i) => sum + value * b[i]!, 0);
    expect(cosine(pooled[0]!, pooled[1]!)).toBeLessThan(0.99);
    expect(cosine(pooled[1]!, pooled[2]!)).toBeLessThan(0.99);
    expect(Number.isFinite(cosine(pooled[0]!, pooled[2]!))).toBe(true);
  });
});
