// `tidepool embed --model DIR` with a static (model2vec) model folder, end to end through the built
// CLI and its worker pool: every row, in row_id order, equal to the independent float64 reference
// (tests/helpers/static-reference.ts) within 1e-6, the model named by its safetensors SHA-256, and
// rows/s in the summary.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeStaticModel } from '../../src/devkit/static-model/index.js';
import { readArrowBatches } from '../../src/store/arrow-file.js';
import { embeddingMatrix } from '../../src/store/embeddings.js';
import { pairRowAt } from '../../src/store/pairs.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';
import { referenceStaticVectors } from '../helpers/static-reference.js';

let dir: string;
let cleanup: () => Promise<void>;
let data: string;
let model: string;
let texts: string[];

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const sample = await runCli(['sample', '--rows', '800', '--seed', '9', '--out', join(dir, 'sample.jsonl'), '-q']);
  expect(sample.code, sample.stderr).toBe(0);
  data = join(dir, 'ingested');
  const ingest = await runCli(['ingest', join(dir, 'sample.jsonl'), '--out', data, '-q']);
  expect(ingest.code, ingest.stderr).toBe(0);
  texts = [];
  for await (const batch of readArrowBatches(join(data, 'pairs.arrow'))) {
    for (let i = 0; i < batch.numRows; i++) {
      const row = pairRowAt(batch, i);
      texts.push(`${row.docstring}\n${row.code}`);
    }
  }
  model = join(dir, 'static-model');
  await writeStaticModel(model, { mappedRows: 500 });
}, 120_000);
afterAll(async () => cleanup());

describe('tidepool embed with a static model', () => {
  it('embeds every row equal to the model2vec reference (1e-6), names the model by its safetensors SHA-256, reports rows/s', async () => {
    const out = join(dir, 'embedded');
    const result = await runCli(['embed', '--data', data, '--model', model, '--out', out, '--threads', '2', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/static model static-model \(model2vec layout, 500 x 64 F32, token weights, token mapping\)/);
    const summary = result.json as { rows: number; dim: number; device: string; model: string; rowsPerSecond: number; tokens: number };
    const sha = createHash('sha256').update(await readFile(join(model, 'model.safetensors'))).digest('hex');
    expect(summary).toMatchObject({ rows: texts.length, dim: 64, device: 'cpu', model: `static:static-model:sha256=${sha}:normalize=true:maxLength=512` });
    expect(summary.rowsPerSecond).toBeGreaterThan(0);
    expect(summary.tokens).toBeGreaterThan(texts.length);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { parameters: { model: Record<string, unknown> } };
    expect(manifest.parameters.model).toMatchObject({ kind: 'static', sha256: sha, layout: 'model2vec', mapping: true, weights: true });
    const expected = referenceStaticVectors(model, texts);
    let worst = 0;
    let rows = 0;
    for await (const batch of readArrowBatches(join(out, 'embeddings.arrow'))) {
      const matrix = embeddingMatrix(batch.getChild('embedding')!);
      const values = matrix.values as Float32Array;
      for (let i = 0; i < batch.numRows; i++, rows++) {
        expect(Number(batch.getChild('row_id')!.get(i))).toBe(rows);
        for (let k = 0; k < 64; k++) worst = Math.max(worst, Math.abs(values[i * 64 + k]! - expected[rows]![k]!));
      }
    }
    expect(rows).toBe(texts.length);
    expect(worst).toBeLessThan(1e-6);
  }, 120_000);

  it('refuses a GPU device for a static model, saying it runs on the CPU', async () => {
    const result = await runCli(['embed', '--data', data, '--model', model, '--device', 'webgpu', '--out', join(dir, 'gpu'), '-q']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/static embedding model .* runs on the CPU only/);
  }, 60_000);
});
