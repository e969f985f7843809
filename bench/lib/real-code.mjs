// Real-code embeddings for the select benchmark and the work guard: code that nobody here wrote
// (Python's standard library, the JavaScript in node_modules), cut into units (blank-line separated
// blocks merged to 5-60 lines, the way a function or a class body reads), embedded by the project's
// hashing embedder (TF-IDF over code tokens, seeded random projection, unit length).
// Deterministic for a given set of files: files in sorted path order, units interleaved by source.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const MIN_LINES = 5;
const MAX_LINES = 60;

/** Source files under `root` with one of `extensions`, sorted, skipping folders named in `skip`. */
export function sourceFiles(root, extensions, skip = new Set(['__pycache__', '.bin'])) {
  const out = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!skip.has(entry.name)) walk(path);
      } else if (entry.isFile() && extensions.some((ext) => entry.name.endsWith(ext)) && statSync(path).size < 2_000_000) out.push(path);
    }
  };
  walk(root);
  return out;
}

/** Code units of one file: blank-line separated blocks, merged until MIN_LINES, split past MAX_LINES. */
export function codeUnits(text) {
  const units = [];
  let current = [];
  const flush = () => {
    if (current.some((line) => line.trim() !== '')) units.push(current.join('\n'));
    current = [];
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '' && current.length >= MIN_LINES) flush();
    else current.push(line);
    if (current.length >= MAX_LINES) flush();
  }
  flush();
  return units;
}

/**
 * Up to `count` units from the sources, interleaved round-robin (one unit of each source in turn),
 * each source's units in file order.
 * @param sources [{ name, root, extensions }]
 */
export function realCodeUnits(sources, count) {
  const streams = sources.map(({ root, extensions }) => {
    const files = sourceFiles(root, extensions);
    let file = 0;
    let pending = [];
    return () => {
      while (pending.length === 0 && file < files.length) pending = codeUnits(readFileSync(files[file++], 'utf8'));
      return pending.shift();
    };
  });
  const units = [];
  let open = streams.length;
  const done = new Set();
  while (units.length < count && open > 0) {
    streams.forEach((next, i) => {
      if (done.has(i) || units.length >= count) return;
      const unit = next();
      if (unit === undefined) {
        done.add(i);
        open--;
      } else units.push(unit);
    });
  }
  return units;
}

/** Hashing-embedder vectors (n x dim float32, unit length; an empty unit is a zero row) of `units`. */
export async function embedUnits(units, dim, distRoot) {
  const hashing = await import(join(distRoot, 'embedders', 'hashing', 'index.js'));
  const params = hashing.resolveHashingOptions({ dim, buckets: 2 ** 18 });
  const df = new hashing.DocumentFrequency(params.buckets);
  df.add(units);
  const embedder = new hashing.HashingEmbedder(params, df.idf());
  const out = new Float32Array(units.length * dim);
  for (let at = 0; at < units.length; at += 1024) embedder.embedInto(units.slice(at, at + 1024), out, at);
  return out;
}

/** The default real-code sources of this machine. */
export function defaultSources(root) {
  return [
    { name: 'python3.11-stdlib', root: '/usr/lib/python3.11', extensions: ['.py'] },
    { name: 'node_modules-js', root: join(root, 'node_modules'), extensions: ['.js', '.mjs', '.cjs'] },
  ];
}
