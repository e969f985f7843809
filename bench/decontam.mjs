#!/usr/bin/env node
// Decontam benchmark: rows/s, peak memory and recall on planted leaks of `tidepool decontam` over
// 2,000,000 `tidepool sample` pairs against synthetic HumanEval-like (164) and MBPP-like (500)
// benchmark files, with the exact + n-gram detectors (--no-embed) and with the hashing embedding
// detector too; side by side with a bigcode-style Python peer (whole benchmark strings searched in
// each record with `in`), run on a prefix of the pairs plus every leak and extrapolated.
//
// The benchmark problems are generated here (seeded): function-shaped tasks from twenty families
// (filters, running maxima, windows, run-length codes, bracket checks, digit loops, ...) with random
// names, predicates and transforms; their doctests and asserts are computed by running the solutions
// in python3. Nothing is copied from the real datasets. Leaks planted into the pairs (a jsonl ingested
// with the sample): verbatim HumanEval-like prompt + solution, the same with every identifier and the
// docstring changed, verbatim MBPP-like code, renamed MBPP-like code, and MBPP-like paraphrases
// (reworded problem text as docstring, code with its local variables renamed).
// Usage: node bench/decontam.mjs [--rows 2000000] [--peer-rows 5000] [--baseline DIR [--rounds 2]]
// --baseline DIR: a built checkout of an earlier commit (`git worktree add DIR <commit> && cd DIR &&
// npm run build`); its exact + n-gram run alternates with this build's, `--rounds` times each, on the
// same ingested pairs, so a throughput change is measured side by side in one run. With
// --side-by-side-only, only those runs are made, and only their part of decontam.{json,md} rewritten.
// Writes bench/results/decontam.json and bench/results/decontam.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine } from './lib/machine.mjs';
import { recallSectionFromFile, writeSection } from './lib/recall-section.mjs';
import { lastJson, measure, requireGnuTime } from './lib/run.mjs';
import { FAMILIES, int, mulberry32, pick, problems } from './lib/synthetic-problems.mjs';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '2000000' }, 'peer-rows': { type: 'string', default: '5000' }, baseline: { type: 'string' }, rounds: { type: 'string', default: '2' }, 'side-by-side-only': { type: 'boolean', default: false } } });
const rows = Number(values.rows);
const peerRows = Number(values['peer-rows']);
const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'bin', 'tidepool.js');
const work = join(root, 'bench', 'out', 'decontam');
mkdirSync(work, { recursive: true });
requireGnuTime();
if (!existsSync(join(root, 'dist', 'decontam', 'run.js'))) throw new Error('dist/ missing: run `npm run build` first');

// ---------------------------------------------------------------------------------------------
// Leaks.

const FRESH = ['alpha', 'beta', 'gamma', 'delta', 'omega', 'buf', 'acc_x', 'tmp', 'res', 'vals', 'arr', 'seq', 'data_in', 'out_list', 'cur', 'nxt', 'idx_a', 'q', 'w2', 'zeta', 'kappa', 'sigma', 'theta', 'rho'];

/** Replaces whole-word identifiers by fresh ones (a consistent renaming). */
function rename(code, names, rng) {
  const used = new Set();
  let out = code;
  for (const name of [...new Set(names)].sort((a, b) => b.length - a.length)) {
    let fresh;
    do fresh = `${pick(rng, FRESH)}_${int(rng, 1, 99)}`; while (used.has(fresh));
    used.add(fresh);
    out = out.replace(new RegExp(`\\b${name}\\b`, 'g'), fresh);
  }
  return out;
}

const PARAPHRASES = [[/^Write a function to /, 'Implement a routine that should '], [/\breturn\b/gi, 'give back'], [/\bfind\b/gi, 'work out'], [/\bcount\b/gi, 'tally'], [/\beach\b/g, 'every'], [/\bconsecutive\b/g, 'adjacent'], [/\bthat are\b/g, 'which happen to be'], [/\bthe\b/g, 'all the'], [/\.$/, ', please.']];

function leaks(humaneval, mbpp) {
  const rng = mulberry32(99);
  const out = [];
  const add = (kind, i, code, docstring) => out.push({ kind, record: { repo: 'planted/leaks', path: `planted/${kind}/${i}.py`, func_name: `${kind}_${i}`, language: 'python', docstring, code } });
  humaneval.slice(0, 80).forEach(({ spec, line }, i) => add('exact-humaneval', i, line.prompt + line.canonical_solution, spec.en));
  humaneval.slice(80, 160).forEach(({ spec, line }, i) => {
    const prompt = line.prompt.replace(/""" [\s\S]*"""/, '""" Helper kept from an old module. """');
    add('renamed-humaneval', i, rename(prompt + line.canonical_solution, [spec.name, ...spec.params.map(([n]) => n), ...spec.locals], rng), 'Helper kept from an old module.');
  });
  mbpp.slice(0, 60).forEach(({ line }, i) => add('exact-mbpp', i, line.code, line.text));
  mbpp.slice(60, 120).forEach(({ spec, line }, i) => add('renamed-mbpp', i, rename(line.code, [spec.name, ...spec.params.map(([n]) => n), ...spec.locals], rng), 'Utility function.'));
  mbpp.slice(120, 180).forEach(({ spec, line }, i) => {
    let text = line.text;
    for (const [from, to] of PARAPHRASES) text = text.replace(from, to);
    add('paraphrase-mbpp', i, rename(line.code, spec.locals, rng), text);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Inputs.

const benchDir = join(work, 'benchmarks');
mkdirSync(benchDir, { recursive: true });
const humaneval = problems(1, 164, 'humaneval');
const mbpp = problems(2, 500, 'mbpp');
const humanevalPath = join(benchDir, 'SynthEval.jsonl');
const mbppPath = join(benchDir, 'SynthMBPP.jsonl');
writeFileSync(humanevalPath, humaneval.map((p) => `${JSON.stringify(p.line)}\n`).join(''));
writeFileSync(mbppPath, mbpp.map((p) => `${JSON.stringify(p.line)}\n`).join(''));
const planted = leaks(humaneval, mbpp);
const leaksPath = join(work, 'leaks.jsonl');
writeFileSync(leaksPath, planted.map((p) => `${JSON.stringify(p.record)}\n`).join(''));

const samplePath = join(work, `sample-${rows}.jsonl.gz`);
let generation = null;
if (!existsSync(samplePath)) {
  process.stderr.write(`generating ${rows} pairs -> ${samplePath}\n`);
  const run = measure(process.execPath, [cli, 'sample', '--rows', String(rows), '--out', samplePath, '--seed', '13', '--duplicate-rate', '0', '--near-duplicate-rate', '0', '--json', '-q']);
  generation = { seconds: run.seconds, ...lastJson(run.stdout) };
}
const data = join(work, `data-${rows}`);
process.stderr.write(`ingesting -> ${data}\n`);
rmSync(data, { recursive: true, force: true });
const ingest = measure(process.execPath, [cli, 'ingest', samplePath, leaksPath, '--out', data, '--json', '-q']);
const ingested = lastJson(ingest.stdout);

/** path -> row_id of the planted rows, read from pairs.arrow's `path` column. */
async function plantedRowIds() {
  const { readArrowBatches } = await import(join(root, 'dist', 'store', 'arrow-file.js'));
  const ids = new Map();
  for await (const batch of readArrowBatches(join(data, 'pairs.arrow'))) {
    const path = batch.getChild('path');
    const rowId = batch.getChild('row_id');
    for (let i = 0; i < batch.numRows; i++) {
      const p = path.get(i);
      if (p !== null && p.startsWith('planted/')) ids.set(p, Number(rowId.get(i)));
    }
  }
  return ids;
}
const rowIdOf = await plantedRowIds();
if (rowIdOf.size !== planted.length) throw new Error(`${planted.length} leaks planted, ${rowIdOf.size} found in pairs.arrow`);
const kindOf = new Map(planted.map((p) => [rowIdOf.get(p.record.path), p.kind]));

// ---------------------------------------------------------------------------------------------
// Runs.

/** The command line that runs decontam: the CLI once main.ts registers it, else the command module. */
function decontamCommandLine() {
  const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
  if (/^\s+decontam\b/m.test(help.stdout)) return [cli, 'decontam'];
  const launcher = join(work, 'launcher.mjs');
  writeFileSync(launcher, `import { decontamCommand } from ${JSON.stringify(join(root, 'dist', 'cli', 'commands', 'decontam.js'))};\nawait decontamCommand().parseAsync(process.argv.slice(2), { from: 'user' });\n`);
  return [launcher];
}
const command = decontamCommandLine();

/** Per detector (and any), how many planted leaks of each kind a run removed; removed rows not planted. */
function score(out) {
  const kinds = [...new Set(planted.map((p) => p.kind))];
  const recall = Object.fromEntries(kinds.map((k) => [k, { planted: planted.filter((p) => p.kind === k).length, exact: 0, ngram: 0, embedding: 0, any: 0 }]));
  const falsePositives = { exact: 0, ngram: 0, embedding: 0, any: 0 };
  const text = readFileSync(join(out, 'removed.jsonl'), 'utf8');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const record = JSON.parse(line);
    const detectors = new Set(record.contamination.map((c) => c.detector));
    const kind = kindOf.get(record.row_id);
    const tally = kind === undefined ? falsePositives : recall[kind];
    for (const d of detectors) tally[d]++;
    tally.any++;
  }
  return { recall, falsePositives };
}

const bench = ['--bench', humanevalPath, mbppPath];
const NO_EMBED = 'exact + ngram (--no-embed)';
const FULL = 'exact + ngram + embedding (hashing, default --embed-threshold 0.9)';
const EMBED_LOW = 'embedding only (hashing, --embed-threshold 0.5)';
const configurations = {
  [NO_EMBED]: ['--no-embed'],
  [FULL]: [],
  [EMBED_LOW]: ['--no-exact', '--no-ngram', '--embed-threshold', '0.5'],
};
const runs = {};
const loadBefore = loadavg()[0];

const fmt = (n) => n.toLocaleString('en-US');
const SIDE_START = '<!-- side-by-side section: bench/decontam.mjs --baseline -->';
const SIDE_END = '<!-- end of side-by-side section -->';
// Side by side with an earlier build: exact + n-gram, alternating baseline and this build.
let sideBySide = null;
if (values.baseline !== undefined) {
  const baseCli = join(values.baseline, 'bin', 'tidepool.js');
  if (!existsSync(join(values.baseline, 'dist', 'decontam', 'run.js'))) throw new Error(`${values.baseline}/dist missing: build the baseline checkout first`);
  const commitOf = (dir) => spawnSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  sideBySide = { baseline: { dir: values.baseline, commit: commitOf(values.baseline), runs: [] }, current: { commit: commitOf(root), runs: [] } };
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [which, entry] of [['baseline', baseCli], ['current', cli]]) {
      const out = join(work, `out-side-${which}-${round}`);
      process.stderr.write(`${which} exact + ngram, round ${round + 1} ... `);
      const run = measure(process.execPath, [entry, 'decontam', '--input', data, ...['--bench', humanevalPath, mbppPath], '--out', out, '--no-embed', '--json', '-q']);
      const summary = lastJson(run.stdout);
      sideBySide[which].runs.push({ seconds: run.seconds, rowsPerSecond: Math.round(summary.records / run.seconds), removed: summary.removed, ngramSeconds: summary.detectorSeconds.ngram, exactSeconds: summary.detectorSeconds.exact, ...score(out) });
      process.stderr.write(`${run.seconds.toFixed(1)} s\n`);
    }
  }
}
if (values['side-by-side-only']) {
  if (sideBySide === null) throw new Error('--side-by-side-only needs --baseline DIR');
  const resultsDir = join(root, 'bench', 'results');
  const jsonPath = join(resultsDir, 'decontam.json');
  const previous = JSON.parse(readFileSync(jsonPath, 'utf8'));
  writeFileSync(jsonPath, `${JSON.stringify({ ...previous, sideBySide: { ...sideBySide, date: new Date().toISOString(), load: { before: loadBefore, after: loadavg()[0] } } }, null, 2)}\n`);
  const lines = sideBySideLines();
  writeSection(join(resultsDir, 'decontam.md'), lines);
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exit(0);
}
for (const [name, flags] of Object.entries(configurations)) {
  const out = join(work, `out-${Object.keys(runs).length}`);
  process.stderr.write(`${name} ... `);
  const run = measure(process.execPath, [...command, '--input', data, ...bench, '--out', out, ...flags, '--json', '-q']);
  const summary = lastJson(run.stdout);
  runs[name] = { seconds: run.seconds, peakRssMiB: run.peakRssMiB, rowsPerSecond: Math.round(summary.records / run.seconds), summary, ...score(out) };
  process.stderr.write(`${run.seconds.toFixed(1)} s, ${run.peakRssMiB} MiB\n`);
}

// The peer: bigcode-style decontamination (a record is contaminated when it contains a benchmark
// string: prompts, solutions, tests, problem texts), whitespace-normalised and with the same 50
// character minimum, over the first `peerRows` sample pairs plus every leak.
const peerScript = String.raw`
import gzip, json, re, sys, time
bench_paths, sample, leaks, limit = sys.argv[1:3], sys.argv[3], sys.argv[4], int(sys.argv[5])
norm = lambda s: re.sub(r"\s+", " ", s).strip()
strings = []
for path in bench_paths:
    for line in open(path):
        item = json.loads(line)
        if "canonical_solution" in item:
            strings += [item["prompt"], item["canonical_solution"], item["test"]]
        else:
            strings += [item["text"], item["code"], "\n".join(item["test_list"])]
strings = [s for s in (norm(s) for s in strings) if len(s) >= 50]
records = []
with gzip.open(sample, "rt") as f:
    for i, line in enumerate(f):
        if i >= limit: break
        records.append(json.loads(line))
records += [json.loads(line) for line in open(leaks)]
start = time.perf_counter()
flagged = []
for r in records:
    text = norm(r["docstring"] + "\n" + r["code"])
    if any(s in text for s in strings):
        flagged.append(r.get("path") or "")
seconds = time.perf_counter() - start
print(json.dumps({"records": len(records), "seconds": seconds, "flagged": flagged, "strings": len(strings)}))
`;
process.stderr.write(`peer (${peerRows} sample rows + ${planted.length} leaks) ... `);
const peerRun = measure('python3', ['-c', peerScript, humanevalPath, mbppPath, samplePath, leaksPath, String(peerRows)]);
const peerSummary = lastJson(peerRun.stdout);
const peerFlagged = new Set(peerSummary.flagged);
const peer = {
  records: peerSummary.records, loopSeconds: peerSummary.seconds, rowsPerSecond: Math.round(peerSummary.records / peerSummary.seconds),
  extrapolatedSeconds: Math.round(((rows + planted.length) / peerSummary.records) * peerSummary.seconds),
  falsePositives: peerSummary.flagged.filter((p) => !p.startsWith('planted/')).length,
  recall: Object.fromEntries([...new Set(planted.map((p) => p.kind))].map((k) => [k, planted.filter((p) => p.kind === k && peerFlagged.has(p.record.path)).length])),
};
process.stderr.write(`${peerSummary.seconds.toFixed(1)} s\n`);

// ---------------------------------------------------------------------------------------------
// Results.

const records = runs[NO_EMBED].summary.records;
const result = {
  benchmark: 'decontam',
  date: new Date().toISOString(),
  machine: describeMachine(),
  // Other work on the machine while the runs went (1-minute load averages before and after them).
  load: { before: loadBefore, after: loadavg()[0] },
  input: { rows, pairs: records, samplePath, sampleBytes: statSync(samplePath).size, leaks: planted.length, ingest: { seconds: ingest.seconds, ...ingested } },
  benchmarks: { humaneval: { path: humanevalPath, items: humaneval.length }, mbpp: { path: mbppPath, items: mbpp.length } },
  generation,
  runs,
  sideBySide,
  peer,
};
const resultsDir = join(root, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'decontam.json'), `${JSON.stringify(result, null, 2)}\n`);

function sideBySideLines() {
  if (sideBySide === null) return [];
  const { baseline, current } = sideBySide;
  const best = (r) => Math.max(...r.runs.map((x) => x.rowsPerSecond));
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const lines = [
    SIDE_START,
    '',
    `Throughput against the build before the change (exact + n-gram, --no-embed, same pairs, runs alternating baseline then current, ${baseline.runs.length} rounds):`,
    '',
    '| build | runs: rows/s | best rows/s | n-gram s (median) | exact s (median) | removed | planted leaks removed |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [name, r] of [[`baseline ${baseline.commit}`, baseline], [`current ${current.commit}`, current]]) {
    const caught = Object.values(r.runs[0].recall).reduce((a, k) => a + k.any, 0);
    lines.push(`| ${name} | ${r.runs.map((x) => fmt(x.rowsPerSecond)).join(', ')} | ${fmt(best(r))} | ${median(r.runs.map((x) => x.ngramSeconds)).toFixed(1)} | ${median(r.runs.map((x) => x.exactSeconds)).toFixed(1)} | ${fmt(r.runs[0].removed)} | ${caught} |`);
  }
  lines.push('', `Current / baseline, best run each: ${(best(current) / best(baseline)).toFixed(3)}; 1-minute load average ${sideBySide.load?.before?.toFixed(1) ?? loadBefore.toFixed(1)} before these runs.`, '', SIDE_END);
  return lines;
}
const kinds = Object.keys(runs[NO_EMBED].recall);
const noEmbed = runs[NO_EMBED];
const full = runs[FULL];
const embedLow = runs[EMBED_LOW];
const md = [
  '# Decontam benchmark',
  '',
  `${result.date.slice(0, 10)} on ${result.machine.cpu}, ${result.machine.cores} cores, ${result.machine.memoryGiB} GiB, Node ${result.machine.node}. One run each (wall time from process start to exit, GNU time for peak RSS); 1-minute load average ${result.load.before.toFixed(1)} before the runs and ${result.load.after.toFixed(1)} after (other processes shared the cores).`,
  `Input: ${fmt(records)} pairs (\`tidepool sample\` seed 13, no duplicates, through \`tidepool ingest\`, with ${planted.length} planted leaks appended as a jsonl). Benchmarks: ${humaneval.length} HumanEval-like and ${mbpp.length} MBPP-like problems generated by this script (function-shaped tasks from ${FAMILIES.length} families; doctests and asserts computed by python3).`,
  'Detector seconds are the time the main thread spent in each (embedding: waiting for the workers\' vectors plus the onnxruntime similarity search; the hashing embedder runs on the default worker threads).',
  '',
  '| configuration | pairs | wall s | rows/s | exact s | ngram s | embedding s | peak RSS MiB | removed | removed but not planted |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...Object.entries(runs).map(([name, r]) => `| tidepool decontam, ${name} | ${fmt(r.summary.records)} | ${r.seconds.toFixed(1)} | ${fmt(r.rowsPerSecond)} | ${r.summary.detectorSeconds.exact.toFixed(1)} | ${r.summary.detectorSeconds.ngram.toFixed(1)} | ${r.summary.detectorSeconds.embedding.toFixed(1)} | ${r.peakRssMiB} | ${fmt(r.summary.removed)} | ${r.falsePositives.any} |`),
  `| bigcode-style peer (python3, substring \`in\`), ${fmt(peer.records)} pairs, extrapolated | ${fmt(records)} | ~${fmt(peer.extrapolatedSeconds)} | ${fmt(peer.rowsPerSecond)} | — | — | — | ${peerRun.peakRssMiB} | — | ${peer.falsePositives} (of ${fmt(peer.records)}) |`,
  '',
  'Recall on the planted leaks (leaks removed by each detector, out of those planted):',
  '',
  '| leak kind | planted | exact | ngram | embedding, cosine >= 0.9 | embedding, cosine >= 0.5 | any, --no-embed run | any, full run | bigcode-style peer |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...kinds.map((k) => `| ${k} | ${noEmbed.recall[k].planted} | ${full.recall[k].exact} | ${full.recall[k].ngram} | ${full.recall[k].embedding} | ${embedLow.recall[k].embedding} | ${noEmbed.recall[k].any} | ${full.recall[k].any} | ${peer.recall[k]} |`),
  `| removed but not planted | — | ${full.falsePositives.exact} | ${full.falsePositives.ngram} | ${full.falsePositives.embedding} | ${embedLow.falsePositives.embedding} | ${noEmbed.falsePositives.any} | ${full.falsePositives.any} | ${peer.falsePositives} (of ${fmt(peer.records)}) |`,
  '',
  ...sideBySideLines(),
  ...recallSectionFromFile(join(resultsDir, 'decontam-recall.json')),
  '',
].join('\n');
writeFileSync(join(resultsDir, 'decontam.md'), md);
process.stdout.write(md);
