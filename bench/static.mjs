#!/usr/bin/env node
// Static-model benchmark (issue 16 item 3): rows/s of `tidepool embed` with a potion-base-8M-shaped
// model2vec model (29,528-token WordPiece vocabulary, 256 dims, random vectors, built by the devkit)
// on ~1.5 KB code texts, side by side in one run with model2vec-style inference in Python/numpy
// (bench/peers/model2vec_numpy_peer.py: pure-Python WordPiece, tokenizing and lookup+mean timed
// apart) and the hashing embedder, plus a tokenizer-only table (@huggingface/tokenizers vs the
// project's own WordPiece) and whether tidepool's vectors equal the peer's.
// Usage: node bench/static.mjs [--rows 20000] [--rounds 2] [--threads N] [--check 16]
//   --rows: texts embedded (keep it modest on a shared machine; 200000 on a quiet one).
// Writes bench/results/static.json and bench/results/static.md.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { tableFromIPC } from 'apache-arrow';
import { describeMachine } from './lib/machine.mjs';
import { lastJson, measure, requireGnuTime } from './lib/run.mjs';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '2' }, threads: { type: 'string' }, check: { type: 'string', default: '16' } } });
const positive = (name) => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${values[name]}`);
  return value;
};
const rows = positive('rows');
const rounds = positive('rounds');
const check = positive('check');
const threads = values.threads === undefined ? null : positive('threads');

const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'bin', 'tidepool.js');
const work = join(root, 'bench', 'out');
const SEED = 11;
const TEXT_CHARS = 1500;
const VOCABULARY = 29_528; // potion-base-8M's tokenizer
const DIM = 256;
mkdirSync(work, { recursive: true });
requireGnuTime();
if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) throw new Error('dist/ missing: run `npm run build` first');
const { writeStaticModel } = await import(join(root, 'dist', 'devkit', 'static-model', 'index.js'));
const { parseWordPieceConfig, WordPieceTokenizer } = await import(join(root, 'dist', 'embedders', 'static', 'wordpiece', 'index.js'));
const { Tokenizer } = await import('@huggingface/tokenizers');

/** Pairs whose `{docstring}\n{code}` is ~1.5 KB: consecutive sample functions joined, then ingested once. */
function ensureData() {
  const data = join(work, `static-${rows}-data`);
  const textsFile = join(work, `static-${rows}-texts.jsonl`);
  if (existsSync(join(data, 'pairs.arrow')) && existsSync(textsFile)) return { data, textsFile };
  rmSync(data, { recursive: true, force: true });
  const sampleFile = join(work, `static-${rows}-sample.jsonl`);
  measure(process.execPath, [cli, 'sample', '--rows', String(Math.ceil(rows * 3.6)), '--out', sampleFile, '--seed', String(SEED), '--duplicate-rate', '0', '--near-duplicate-rate', '0', '--json', '-q']);
  const pairs = [];
  let current = null;
  for (const line of readFileSync(sampleFile, 'utf8').split('\n')) {
    if (line === '') continue;
    const row = JSON.parse(line);
    if (current === null) current = row;
    else current = { ...current, code: `${current.code}\n\n${row.code}` };
    if (current.docstring.length + 1 + current.code.length >= TEXT_CHARS) {
      current.code = current.code.slice(0, TEXT_CHARS - current.docstring.length - 1);
      pairs.push(current);
      current = null;
      if (pairs.length === rows) break;
    }
  }
  if (pairs.length < rows) throw new Error(`only ${pairs.length} texts of ${TEXT_CHARS} chars from the sample`);
  const pairsFile = join(work, `static-${rows}-pairs.jsonl`);
  writeFileSync(pairsFile, pairs.map((pair) => JSON.stringify(pair)).join('\n') + '\n');
  writeFileSync(textsFile, pairs.map((pair) => JSON.stringify(`${pair.docstring}\n${pair.code}`)).join('\n') + '\n');
  measure(process.execPath, [cli, 'ingest', pairsFile, '--out', data, '--json', '-q']);
  rmSync(sampleFile, { force: true });
  rmSync(pairsFile, { force: true });
  return { data, textsFile };
}

const loadBefore = loadavg()[0];
const { data, textsFile } = ensureData();
const model = join(work, 'static-models', 'potion-base-8m-shape');
await writeStaticModel(model, { vocabularySize: VOCABULARY, dim: DIM, weights: true });
const texts = readFileSync(textsFile, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line));
const meanChars = texts.reduce((sum, text) => sum + text.length, 0) / texts.length;

function tidepoolRun(name, modelArg) {
  const out = join(work, `static-${name}-out`);
  return () => {
    rmSync(out, { recursive: true, force: true });
    const run = measure(process.execPath, [cli, 'embed', '--data', data, '--model', modelArg, '--out', out, '--json', '-q', ...(threads === null ? [] : ['--threads', String(threads)])]);
    const summary = lastJson(run.stdout);
    return { seconds: run.seconds, innerSeconds: summary.rows / summary.rowsPerSecond, peakRssMiB: run.peakRssMiB, rows: summary.rows, tokens: summary.tokens, summary };
  };
}

function peerRun(inspect) {
  return () => {
    const run = measure('/usr/bin/python3', [join(root, 'bench', 'peers', 'model2vec_numpy_peer.py'), textsFile, model, ...(inspect ? ['--inspect', inspect, '--check', String(check)] : [])]);
    const summary = lastJson(run.stdout);
    return { seconds: run.seconds, innerSeconds: summary.seconds, peakRssMiB: run.peakRssMiB, rows: summary.rows, tokens: summary.tokens, summary };
  };
}

const contenders = [
  { name: `tidepool embed (static, own WordPiece)${threads === null ? '' : ` --threads ${threads}`}`, run: tidepoolRun('static', model) },
  { name: 'model2vec-style Python/numpy (pure-Python WordPiece)', run: peerRun(null) },
  { name: `tidepool embed --model hashing${threads === null ? '' : ` --threads ${threads}`}`, run: tidepoolRun('hashing', 'hashing') },
];
const runs = contenders.map(() => []);
for (let round = 1; round <= rounds; round++) {
  contenders.forEach((contender, i) => {
    process.stderr.write(`round ${round}: ${contender.name} ... `);
    const result = contender.run();
    runs[i].push(result);
    process.stderr.write(`${result.seconds.toFixed(1)} s (inner ${result.innerSeconds.toFixed(2)} s)\n`);
  });
}

// Tokenizers alone, in this process, on the same texts (one thread): the library against the own WordPiece.
const tokenizerJson = JSON.parse(readFileSync(join(model, 'tokenizer.json'), 'utf8'));
const library = new Tokenizer(tokenizerJson, {});
const own = new WordPieceTokenizer(parseWordPieceConfig(tokenizerJson).config);
const timeTokenizer = (encode) => {
  const start = performance.now();
  let tokens = 0;
  for (const text of texts) tokens += encode(text).length;
  const seconds = (performance.now() - start) / 1000;
  return { seconds, tokens, textsPerSecond: texts.length / seconds };
};
const tokenizerRows = [
  { name: '@huggingface/tokenizers (encode per text; it has no batch call)', ...timeTokenizer((text) => library.encode(text, { add_special_tokens: false }).ids) },
  { name: 'own WordPiece, first pass (word cache filling)', ...timeTokenizer((text) => own.encode(text)) },
  { name: 'own WordPiece, second pass (word cache warm)', ...timeTokenizer((text) => own.encode(text)) },
];
let mismatches = 0;
for (const text of texts.slice(0, 2000)) if (own.encode(text).join() !== library.encode(text, { add_special_tokens: false }).ids.join()) mismatches++;

// Agreement: tidepool's first vectors against the numpy peer's.
const inspect = join(work, 'static-peer-inspect.json');
peerRun(inspect)();
const peer = JSON.parse(readFileSync(inspect, 'utf8'));
const table = tableFromIPC(readFileSync(join(work, 'static-static-out', 'embeddings.arrow')));
const ids = table.getChild('row_id').toArray();
const embedding = table.getChild('embedding');
const order = Array.from(ids, Number).map((id, i) => [id, i]).sort((a, b) => a[0] - b[0]);
let maxAbs = 0;
peer.vectors.forEach((vector, k) => {
  const ours = embedding.get(order[k][1]).toArray();
  for (let j = 0; j < vector.length; j++) maxAbs = Math.max(maxAbs, Math.abs(ours[j] - vector[j]));
});
const peerTokens = peer.tokens.reduce((a, b) => a + b, 0);

const machine = { ...describeMachine(), loadAverage1m: { before: loadBefore, after: loadavg()[0] } };
const best = (i, key) => Math.min(...runs[i].map((r) => r[key]));
const results = contenders.map((contender, i) => ({ contender: contender.name, rows: runs[i][0].rows, bestSeconds: best(i, 'seconds'), rowsPerSecond: runs[i][0].rows / best(i, 'seconds'), innerRowsPerSecond: runs[i][0].rows / best(i, 'innerSeconds'), peakRssMiB: Math.max(...runs[i].map((r) => r.peakRssMiB)), runs: runs[i].map(({ summary, ...rest }) => ({ ...rest, summary })) }));
const peerSummary = runs[1].at(-1).summary;
const json = {
  date: new Date().toISOString().slice(0, 10), machine, rows, rounds, meanChars, model: { vocabulary: VOCABULARY, dim: DIM, weights: true, normalize: true, maxLength: 512 },
  results, tokenizers: tokenizerRows, tokenizerMismatches: mismatches, agreement: { rows: peer.vectors.length, maxAbs, tidepoolTokens: runs[0][0].tokens, peerTokens },
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'static.json'), `${JSON.stringify(json, null, 2)}\n`);

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const md = [
  '# Static-model benchmark',
  '',
  `${json.date} on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}; CPU only; 1-minute load average ${machine.loadAverage1m.before.toFixed(1)} before, ${machine.loadAverage1m.after.toFixed(1)} after (above the core count, the machine was shared and the figures are low).`,
  `Input: ${fmt(rows)} texts of \`{docstring}\\n{code}\`, ${fmt(meanChars)} characters on average (consecutive \`tidepool sample\` functions joined and cut to ${TEXT_CHARS}, seed ${SEED}), through \`tidepool ingest\`.`,
  `Model: potion-base-8M's shape from the devkit (src/devkit/static-model/): a ${fmt(VOCABULARY)}-token uncased BERT WordPiece tokenizer.json (the trained devkit vocabulary extended with joined pieces), ${DIM}-dim random F32 vectors, per-token weights, normalised, max 512 tokens.`,
  `Best of ${rounds} interleaved rounds of wall time (process start to exit, loading included); "inner rows/s" leaves out start-up: tidepool's own rows/s (summed window times), the peer's tokenize + lookup/mean loop.`,
  '',
  '| contender | rows | best s | rows/s | inner rows/s | peak RSS MiB |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...results.map((r) => `| ${r.contender} | ${fmt(r.rows)} | ${fmt(r.bestSeconds, 2)} | ${fmt(r.rowsPerSecond)} | ${fmt(r.innerRowsPerSecond)} | ${r.peakRssMiB} |`),
  '',
  `The Python peer is model2vec's recipe in numpy (cut to 512 x median token length characters, drop the unknown token, cut to 512 ids, mean of the weighted vectors, normalise), but its tokenizer is a pure-Python WordPiece: Python's \`tokenizers\` and \`model2vec\` cannot be installed on this machine (no PyPI). Its tokenizing took ${fmt(peerSummary.tokenizeSeconds, 2)} s (${fmt(rows / peerSummary.tokenizeSeconds)} rows/s) and its lookup+mean ${fmt(peerSummary.lookupMeanSeconds, 2)} s (${fmt(peerSummary.lookupMeanRowsPerSecond)} rows/s): the lookup+mean figure bounds what model2vec itself would reach with a free tokenizer.`,
  '',
  `Agreement: tidepool's first ${peer.vectors.length} vectors vs the peer's: max |diff| ${maxAbs.toExponential(1)}; tokens tidepool ${fmt(runs[0][0].tokens)}, peer ${fmt(peerTokens)}${runs[0][0].tokens === peerTokens ? ' (the same)' : ' (DIFFERENT)'}.`,
  '',
  '## Tokenizers alone (one thread, in the benchmark process, the same texts)',
  '',
  '| tokenizer | texts/s | tokens |',
  '| --- | ---: | ---: |',
  ...tokenizerRows.map((r) => `| ${r.name} | ${fmt(r.textsPerSecond)} | ${fmt(r.tokens)} |`),
  '',
  `Own WordPiece vs @huggingface/tokenizers on the first ${Math.min(2000, texts.length)} texts: ${mismatches} texts with different ids.`,
  '',
];
writeFileSync(join(root, 'bench', 'results', 'static.md'), md.join('\n'));
process.stdout.write(md.join('\n'));
