#!/usr/bin/env node
// Embed benchmark: rows/s, tokens/s, padding and peak memory of `tidepool embed` on CPU over
// CodeSearchNet-like pairs (`tidepool sample` + `tidepool ingest`), for the project's small model,
// a model of all-MiniLM-L6-v2's shape (6 layers, 384 hidden, 12 heads, random weights) and the
// hashing embedder, side by side in one run with transformers.js (`@huggingface/transformers`
// `feature-extraction`, mean pooling + normalize) on the same ONNX model and the same texts, plus
// whether the vectors agree.
// Usage: node bench/embed.mjs [--rows-small 2000] [--rows-minilm 1000] [--rows-hashing 50000] [--rounds 2]
//          [--models small,minilm,hashing] [--threads N] [--batch 32] [--peer-threads N] [--check 16]
//   --threads: tidepool's --threads (default: tidepool's own default, min(cores, 4) workers).
//   --batch: texts per transformers.js pipeline call (default 32).
//   --peer-threads: onnxruntime intraOpNumThreads for transformers.js (default: onnxruntime's own).
//   --check: agreement is checked on the first N rows plus the first N truncated rows.
// Writes bench/results/embed.json and bench/results/embed.md.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { tableFromIPC } from 'apache-arrow';
import { describeMachine } from './lib/machine.mjs';
import { lastJson, measure, requireGnuTime } from './lib/run.mjs';

const { values } = parseArgs({
  options: {
    'rows-small': { type: 'string', default: '2000' },
    'rows-minilm': { type: 'string', default: '1000' },
    'rows-hashing': { type: 'string', default: '50000' },
    rounds: { type: 'string', default: '2' },
    models: { type: 'string', default: 'small,minilm,hashing' },
    threads: { type: 'string' },
    batch: { type: 'string', default: '32' },
    'peer-threads': { type: 'string' },
    check: { type: 'string', default: '16' },
  },
});
const positive = (name) => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${values[name]}`);
  return value;
};
const rounds = positive('rounds');
const batch = positive('batch');
const check = positive('check');
const threads = values.threads === undefined ? null : positive('threads');
const peerThreads = values['peer-threads'] === undefined ? null : positive('peer-threads');

const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'bin', 'tidepool.js');
const peerScript = join(root, 'bench', 'peers', 'transformers_js_peer.mjs');
const work = join(root, 'bench', 'out');
const SEED = 11;
const TOLERANCE = 1e-3;
mkdirSync(work, { recursive: true });
requireGnuTime();
if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) throw new Error('dist/ missing: run `npm run build` first');
const { MINI_BERT_CONFIG, writeNativeModel } = await import(join(root, 'dist', 'devkit', 'native-model', 'index.js'));

// model id -> how it is built and how many rows it embeds.
const MODELS = {
  small: { label: 'tidepool-mini-bert (project small model)', folder: 'tidepool-mini-bert', config: MINI_BERT_CONFIG, rows: positive('rows-small') },
  minilm: {
    label: 'MiniLM-L6 shape (random weights)',
    folder: 'minilm-l6-shape',
    config: { ...MINI_BERT_CONFIG, hiddenSize: 384, numHiddenLayers: 6, numAttentionHeads: 12, intermediateSize: 1536 },
    rows: positive('rows-minilm'),
  },
  hashing: { label: 'hashing', folder: null, config: null, rows: positive('rows-hashing') },
};
const modelIds = values.models.split(',').map((id) => id.trim()).filter(Boolean);
for (const id of modelIds) if (!(id in MODELS)) throw new Error(`unknown model ${id}: choose from ${Object.keys(MODELS).join(', ')}`);

const packageVersion = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
const versions = {
  transformersJs: packageVersion('@huggingface/transformers'),
  onnxruntimeNode: packageVersion('onnxruntime-node'),
  transformersJsOnnxruntimeNode: JSON.parse(readFileSync(join(root, 'node_modules', '@huggingface', 'transformers', 'package.json'), 'utf8')).dependencies?.['onnxruntime-node'] ?? null,
};

/** Pairs of `rows` sampled rows (no duplicates, so ingest keeps them all), ingested once and reused. */
function ensureData(rows) {
  const data = join(work, `embed-${rows}-data`);
  if (existsSync(join(data, 'manifest.json')) && existsSync(join(data, 'pairs.arrow'))) return { data, generation: null };
  const jsonl = join(work, `embed-${rows}.jsonl`);
  process.stderr.write(`generating ${rows} rows -> ${data}\n`);
  rmSync(data, { recursive: true, force: true });
  const sample = measure(process.execPath, [cli, 'sample', '--rows', String(rows), '--out', jsonl, '--seed', String(SEED), '--duplicate-rate', '0', '--near-duplicate-rate', '0', '--json', '-q']);
  const ingest = measure(process.execPath, [cli, 'ingest', jsonl, '--out', data, '--json', '-q']);
  rmSync(jsonl, { force: true });
  return { data, generation: { sampleSeconds: sample.seconds, ingestSeconds: ingest.seconds, ingest: lastJson(ingest.stdout) } };
}

/** The model folders, rewritten every run (deterministic bytes, from the built dist/). */
async function ensureModel(id) {
  const { folder, config } = MODELS[id];
  if (folder === null) return 'hashing';
  const dir = join(work, 'embed-models', folder);
  await writeNativeModel(dir, config);
  return dir;
}

function tidepoolRun(id, model, data) {
  const out = join(work, `embed-${id}-out`);
  return () => {
    rmSync(out, { recursive: true, force: true }); // an existing finished OUT would be resumed
    const args = [cli, 'embed', '--data', data, '--model', model, '--out', out, '--device', 'cpu', '--json', '-q', ...(threads === null ? [] : ['--threads', String(threads)])];
    const run = measure(process.execPath, args);
    const summary = lastJson(run.stdout);
    // Inner: the summed window times behind its rows/s (workers' lazy model loads included).
    return { seconds: run.seconds, peakRssMiB: run.peakRssMiB, innerSeconds: summary.rows / summary.rowsPerSecond, rows: summary.rows, summary };
  };
}

function peerRun(model, data) {
  return () => {
    const args = [peerScript, join(data, 'pairs.arrow'), model, '--batch', String(batch), ...(peerThreads === null ? [] : ['--threads', String(peerThreads)])];
    const run = measure(process.execPath, args);
    const summary = lastJson(run.stdout);
    // Inner: its embedding loop, after the pipeline is loaded.
    return { seconds: run.seconds, peakRssMiB: run.peakRssMiB, innerSeconds: summary.seconds, rows: summary.rows, summary };
  };
}

/** Untimed: transformers.js' token counts over all rows and its vectors of the checked rows, against tidepool's. */
function agreementOf(id, model, data) {
  const file = join(work, `embed-${id}-peer-inspect.json`);
  const args = [peerScript, join(data, 'pairs.arrow'), model, '--inspect', file, '--check', String(check), '--batch', String(batch)];
  measure(process.execPath, args);
  const peer = JSON.parse(readFileSync(file, 'utf8'));
  const table = tableFromIPC(readFileSync(join(work, `embed-${id}-out`, 'embeddings.arrow')));
  const rowIds = table.getChild('row_id').toArray();
  const embedding = table.getChild('embedding');
  const index = new Map(Array.from(rowIds, (rowId, i) => [Number(rowId), i]));
  const compare = (a, b) => {
    let maxAbs = 0;
    let dot = 0;
    for (let j = 0; j < a.length; j++) {
      maxAbs = Math.max(maxAbs, Math.abs(a[j] - b[j]));
      dot += a[j] * b[j];
    }
    return { maxAbs, cosine: dot };
  };
  const groups = { full: [], truncated: [], truncatedSepKept: [] };
  let sepKept = 0;
  peer.rowIds.forEach((rowId, k) => {
    const ours = embedding.get(index.get(rowId)).toArray();
    if (ours.length !== peer.vectors[k].length) throw new Error(`${id}: tidepool dim ${ours.length}, transformers.js dim ${peer.vectors[k].length}`);
    if (peer.rowTruncated[k]) {
      groups.truncated.push(compare(ours, peer.vectors[k]));
      groups.truncatedSepKept.push(compare(ours, peer.sepKeptVectors[sepKept++]));
    } else {
      groups.full.push(compare(ours, peer.vectors[k]));
    }
  });
  const stats = (list) => (list.length === 0 ? null : { rows: list.length, maxAbs: Math.max(...list.map((c) => c.maxAbs)), minCosine: Math.min(...list.map((c) => c.cosine)) });
  return {
    peerTokens: peer.tokens,
    peerPaddedTokens: peer.paddedTokens,
    peerPaddingFraction: peer.paddingFraction,
    peerTruncated: peer.truncated,
    peerMaxLength: peer.maxLength,
    full: stats(groups.full),
    truncated: stats(groups.truncated),
    truncatedSepKept: stats(groups.truncatedSepKept),
  };
}

// Inputs and contenders.
const workloads = [];
for (const id of modelIds) {
  const { data, generation } = ensureData(MODELS[id].rows);
  const model = await ensureModel(id);
  const contenders = [{ name: `tidepool embed${threads === null ? '' : ` --threads ${threads}`}`, kind: 'tidepool', run: tidepoolRun(id, model, data) }];
  if (id !== 'hashing') contenders.push({ name: `transformers.js ${versions.transformersJs} (batch ${batch})`, kind: 'peer', run: peerRun(model, data) });
  workloads.push({ id, ...MODELS[id], model, data, generation, contenders, runs: contenders.map(() => []) });
}

for (let round = 1; round <= rounds; round++) {
  for (const w of workloads) {
    w.contenders.forEach((contender, i) => {
      process.stderr.write(`round ${round}: ${w.id}: ${contender.name} ... `);
      const result = contender.run();
      w.runs[i].push(result);
      process.stderr.write(`${result.seconds.toFixed(1)} s (inner ${result.innerSeconds.toFixed(1)} s), ${result.peakRssMiB} MiB\n`);
    });
  }
}

const results = workloads.map((w) => {
  const hasPeer = w.contenders.some((c) => c.kind === 'peer');
  if (hasPeer) process.stderr.write(`${w.id}: checking vectors against transformers.js ...\n`);
  const agreement = hasPeer ? agreementOf(w.id, w.model, w.data) : null;
  const best = (i) => Math.min(...w.runs[i].map((r) => r.seconds));
  const peerIndex = w.contenders.findIndex((c) => c.kind === 'peer');
  const ours = w.runs[0].at(-1).summary;
  const counted = ours.tokensPerSecond !== null; // the hashing embedder counts no model tokens
  const table = w.contenders.map((contender, i) => {
    const rows = w.runs[i][0].rows;
    const tokens = contender.kind === 'peer' ? agreement.peerTokens : counted ? ours.tokens : null;
    const paddingFraction = contender.kind === 'peer' ? agreement.peerPaddingFraction : counted ? ours.paddingFraction : null;
    const bestInnerSeconds = Math.min(...w.runs[i].map((r) => r.innerSeconds));
    return {
      name: contender.name,
      kind: contender.kind,
      rows,
      bestSeconds: best(i),
      rowsPerSecond: rows / best(i),
      tokens: tokens ?? null,
      tokensPerSecond: tokens === null ? null : tokens / best(i),
      paddingFraction: paddingFraction ?? null,
      peakRssMiB: Math.max(...w.runs[i].map((r) => r.peakRssMiB)),
      bestInnerSeconds,
      innerRowsPerSecond: rows / bestInnerSeconds,
      xTransformersJs: peerIndex === -1 ? null : Number((best(peerIndex) / best(i)).toFixed(2)),
    };
  });
  const { contenders, runs, config, ...rest } = w;
  return {
    ...rest,
    config,
    rows: ours.rows,
    dim: ours.dim,
    tidepoolModel: ours.model,
    truncated: ours.truncated,
    meanTokensPerRow: counted ? ours.tokens / ours.rows : null,
    table,
    agreement,
    runs: Object.fromEntries(contenders.map((contender, i) => [contender.name, runs[i]])),
  };
});

const result = {
  benchmark: 'embed',
  date: new Date().toISOString(),
  machine: describeMachine(),
  versions,
  rounds,
  tidepoolThreads: threads,
  peerBatch: batch,
  peerThreads,
  input: { generator: `tidepool sample --seed ${SEED} --duplicate-rate 0 --near-duplicate-rate 0, then tidepool ingest`, text: 'docstring + "\\n" + code' },
  workloads: results,
};
const resultsDir = join(root, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'embed.json'), `${JSON.stringify(result, null, 2)}\n`);

const count = (x) => Math.round(x).toLocaleString('en-US');
const exp = (x) => x.toExponential(1);
const md = [
  `# Embed benchmark`,
  ``,
  `${result.date.slice(0, 10)} on ${result.machine.cpu}, ${result.machine.cores} cores, ${result.machine.memoryGiB} GiB, Node ${result.machine.node}; CPU only.`,
  `Input: \`tidepool sample\` CodeSearchNet-like pairs (seed ${SEED}, no duplicates) through \`tidepool ingest\`; the text of a row is \`docstring + "\\n" + code\`, truncated to ${MINI_BERT_CONFIG.maxSeqLength} tokens.`,
  `tidepool: \`tidepool embed --device cpu\` with ${threads === null ? 'its default threads' : `--threads ${threads}`}. transformers.js ${versions.transformersJs}: \`pipeline('feature-extraction', ..., { dtype: 'fp32', device: 'cpu' })\` called as \`extractor(texts, { pooling: 'mean', normalize: true })\` on ${batch} texts at a time in row order, in its own process, onnxruntime-node ${versions.transformersJsOnnxruntimeNode ?? '?'} (tidepool: ${versions.onnxruntimeNode}), ${peerThreads === null ? "onnxruntime's default threads" : `${peerThreads} intra-op threads`}.`,
  `Best of ${rounds} interleaved rounds of wall time (process start to exit: loading the model and reading pairs.arrow included); peak RSS is the maximum over rounds (GNU time).`,
  `Tokens count the real (non-padding) tokens, special tokens included; padding fraction is padded positions over all positions fed to the model.`,
  `"inner rows/s" leaves out process start-up: tidepool's own rows/s (its summed window times, the workers' model loads included), transformers.js' embedding loop after the pipeline is loaded.`,
  ``,
  `| model | contender | rows | best s | rows/s | tokens/s | padding fraction | peak RSS MiB | x transformers.js | inner rows/s |`,
  `| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`,
];
for (const w of results) {
  for (const t of w.table) {
    md.push(`| ${w.label} | ${t.name} | ${count(t.rows)} | ${t.bestSeconds.toFixed(2)} | ${count(t.rowsPerSecond)} | ${t.tokensPerSecond === null ? '—' : count(t.tokensPerSecond)} | ${t.paddingFraction === null ? '—' : t.paddingFraction.toFixed(3)} | ${t.peakRssMiB} | ${t.xTransformersJs ?? '—'} | ${count(t.innerRowsPerSecond)} |`);
  }
}
md.push(``);
for (const w of results) {
  const shape = w.config === null ? `dim ${w.dim}` : `${w.config.numHiddenLayers} layers, hidden ${w.config.hiddenSize}, ${w.config.numAttentionHeads} heads, FFN ${w.config.intermediateSize}, vocab ${w.config.vocabSize}, dim ${w.dim}`;
  const tokens = w.meanTokensPerRow === null ? '' : `, ${w.meanTokensPerRow.toFixed(1)} tokens/row, ${count(w.truncated)} rows (${((100 * w.truncated) / w.rows).toFixed(1)}%) truncated`;
  md.push(`- **${w.label}** (${shape}): ${count(w.rows)} rows${tokens}.`);
  const a = w.agreement;
  if (a === null) continue;
  const same = a.peerTokens === (w.table[0].tokens ?? NaN) && a.peerTruncated === w.truncated;
  md.push(`  Tokens: transformers.js ${count(a.peerTokens)} (${count(a.peerTruncated)} truncated), tidepool ${count(w.table[0].tokens)} (${count(w.truncated)} truncated)${same ? ': the same' : ': DIFFERENT'}.`);
  const line = (s) => `max |diff| ${exp(s.maxAbs)}, min cosine ${s.minCosine.toFixed(6)} over ${s.rows} rows ${s.maxAbs <= TOLERANCE ? `(within ${TOLERANCE})` : `(NOT within ${TOLERANCE})`}`;
  md.push(`  Vectors vs transformers.js: untruncated texts ${a.full === null ? 'none checked' : line(a.full)}.`);
  if (a.truncated !== null) {
    md.push(`  Truncated texts: ${line(a.truncated)}; with transformers.js' ids re-truncated to keep the final [SEP], ${line(a.truncatedSepKept)}.`);
  }
}
const anyTruncated = results.some((w) => w.agreement?.truncated);
if (anyTruncated) {
  md.push(``, `transformers.js truncates a text by cutting its encoded ids (\`[CLS] ... [SEP]\`) at 256, so a truncated text loses its final \`[SEP]\`; tidepool truncates the text's own tokens and keeps \`[CLS]\` and \`[SEP]\` as transformers (Python) and sentence-transformers do. Both feed the model the same number of tokens, so the speed comparison is unaffected.`);
}
const text = `${md.join('\n').trimEnd()}\n`;
writeFileSync(join(resultsDir, 'embed.md'), text);
process.stdout.write(text);
