#!/usr/bin/env node
// transformers.js peer of the embed benchmark: `feature-extraction` (mean pooling, normalize) of
// @huggingface/transformers on a local model folder, over the texts tidepool embeds
// (`docstring + "\n" + code` of each row of pairs.arrow, in row order), in plain batches of
// --batch texts per call (its usual usage: each call pads to the longest text of its batch and
// truncates to the tokenizer's model_max_length).
// Usage:
//   node bench/peers/transformers_js_peer.mjs PAIRS.arrow MODEL_DIR [--batch 32] [--threads N]
//     embeds every row; last stdout line: {rows, dim, seconds, loadSeconds, rowsPerSecond, batch, threads}
//     (seconds: the embedding loop; loadSeconds: import + pipeline creation).
//   node bench/peers/transformers_js_peer.mjs PAIRS.arrow MODEL_DIR --inspect FILE [--check N] [--batch 32]
//     not timed: tokenizes every row the way the pipeline does (tokens, padded tokens, truncated
//     texts) and embeds the first N rows and the first N truncated rows; writes {rows, tokens,
//     paddedTokens, paddingFraction, truncated, maxLength, rowIds, rowTruncated, vectors,
//     sepKeptVectors} to FILE (sepKeptVectors: the truncated checked rows with [SEP] kept at the end,
//     as transformers in Python truncates).
// --threads sets onnxruntime's intraOpNumThreads (default: onnxruntime's own, one per physical core).
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { tableFromIPC } from 'apache-arrow';

const started = performance.now();
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    batch: { type: 'string', default: '32' },
    threads: { type: 'string' },
    inspect: { type: 'string' },
    check: { type: 'string', default: '16' },
  },
});
if (positionals.length !== 2) throw new Error('usage: transformers_js_peer.mjs PAIRS.arrow MODEL_DIR [--batch 32] [--threads N] [--inspect FILE [--check N]]');
const [pairsPath, modelArg] = positionals;
const batch = Number(values.batch);
const threads = values.threads === undefined ? undefined : Number(values.threads);
if (!Number.isInteger(batch) || batch < 1) throw new Error(`--batch must be a positive integer, got ${values.batch}`);
if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) throw new Error(`--threads must be a positive integer, got ${values.threads}`);

// The texts, as tidepool's default template renders them: a null field inserts nothing.
const pairs = tableFromIPC(readFileSync(pairsPath));
const docstrings = pairs.getChild('docstring');
const codes = pairs.getChild('code');
const rowIdColumn = pairs.getChild('row_id');
const texts = new Array(pairs.numRows);
for (let i = 0; i < pairs.numRows; i++) texts[i] = `${docstrings.get(i) ?? ''}\n${codes.get(i) ?? ''}`;

const { env, pipeline } = await import('@huggingface/transformers');
const modelDir = resolve(modelArg);
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = `${dirname(modelDir)}/`;
const extractor = await pipeline('feature-extraction', basename(modelDir), {
  dtype: 'fp32',
  device: 'cpu',
  ...(threads === undefined ? {} : { session_options: { intraOpNumThreads: threads } }),
});
const loadSeconds = (performance.now() - started) / 1000;

if (values.inspect === undefined) {
  const loopStarted = performance.now();
  let dim = 0;
  for (let first = 0; first < texts.length; first += batch) {
    const output = await extractor(texts.slice(first, first + batch), { pooling: 'mean', normalize: true });
    dim = output.dims[1];
  }
  const seconds = (performance.now() - loopStarted) / 1000;
  process.stdout.write(`${JSON.stringify({ rows: texts.length, dim, seconds, loadSeconds, rowsPerSecond: texts.length / seconds, batch, threads: threads ?? null })}\n`);
} else {
  const { tokenizer } = extractor;
  const maxLength = tokenizer.model_max_length;
  let tokens = 0;
  let paddedTokens = 0;
  const truncatedRows = [];
  for (let first = 0; first < texts.length; first += batch) {
    const slice = texts.slice(first, first + batch);
    // What the pipeline feeds the model (the same call as FeatureExtractionPipeline._call).
    const { attention_mask: mask } = tokenizer(slice, { padding: true, truncation: true });
    paddedTokens += mask.dims[0] * mask.dims[1];
    for (const value of mask.data) tokens += Number(value);
    slice.forEach((text, i) => {
      if (tokenizer.encode(text).length > maxLength) truncatedRows.push(first + i);
    });
  }
  // Checked rows: the first N rows, plus the first N truncated rows (where truncation can differ).
  const check = Number(values.check);
  const firstRows = Array.from({ length: Math.min(check, texts.length) }, (_, i) => i);
  const checked = [...new Set([...firstRows, ...truncatedRows.slice(0, check)])].sort((a, b) => a - b);
  const vectors = [];
  for (let first = 0; first < checked.length; first += batch) {
    const output = await extractor(checked.slice(first, first + batch).map((i) => texts[i]), { pooling: 'mean', normalize: true });
    vectors.push(...output.tolist());
  }
  const truncatedSet = new Set(truncatedRows);
  // The truncated rows again, truncated the way transformers (Python) and sentence-transformers do:
  // the text's tokens cut to make room for [CLS] ... [SEP], the final [SEP] kept. The pipeline cuts
  // the encoded ids at max_length instead, so its last token is a text token, not [SEP].
  const { Tensor, mean_pooling: meanPooling } = await import('@huggingface/transformers');
  const sepKeptVectors = [];
  for (const i of checked.filter((row) => truncatedSet.has(row))) {
    const ids = tokenizer.encode(texts[i]);
    const kept = [...ids.slice(0, maxLength - 1), tokenizer.sep_token_id].map(BigInt);
    const shape = [1, kept.length];
    const inputs = {
      input_ids: new Tensor('int64', BigInt64Array.from(kept), shape),
      attention_mask: new Tensor('int64', new BigInt64Array(kept.length).fill(1n), shape),
      token_type_ids: new Tensor('int64', new BigInt64Array(kept.length), shape),
    };
    const output = await extractor.model(inputs);
    sepKeptVectors.push(meanPooling(output.last_hidden_state, inputs.attention_mask).normalize(2, -1).tolist()[0]);
  }
  const rowIds = checked.map((i) => Number(rowIdColumn.get(i)));
  const rowTruncated = checked.map((i) => truncatedSet.has(i));
  const truncated = truncatedRows.length;
  const result = { rows: texts.length, tokens, paddedTokens, paddingFraction: 1 - tokens / paddedTokens, truncated, maxLength, batch, rowIds, rowTruncated, vectors, sepKeptVectors };
  writeFileSync(values.inspect, `${JSON.stringify(result)}\n`);
  process.stdout.write(`${JSON.stringify({ rows: texts.length, tokens, paddingFraction: result.paddingFraction, truncated, checked: checked.length })}\n`);
}
