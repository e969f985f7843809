#!/usr/bin/env node
// Writes a real-code embedding matrix (bench/lib/real-code.mjs) as a float32 .npy.
// Usage: node bench/real-code-npy.mjs --rows 100000 --dim 384 --out bench/out/real-code.npy
// (the work guard's fixture: --rows 2000 --dim 48 --out tests/fixtures/select/real-code-2000x48.npy)
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultSources, embedUnits, realCodeUnits } from './lib/real-code.mjs';

const { values } = parseArgs({ options: { rows: { type: 'string' }, dim: { type: 'string', default: '384' }, out: { type: 'string' } } });
const rows = Number(values.rows);
const dim = Number(values.dim);
if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(dim) || dim < 1 || values.out === undefined) throw new Error('usage: --rows N --dim D --out PATH');
const root = new URL('..', import.meta.url).pathname;
const { writeNpy } = await import(join(root, 'dist', 'store', 'npy.js'));
const units = realCodeUnits(defaultSources(root), rows);
if (units.length < rows) throw new Error(`only ${units.length} code units found in ${defaultSources(root).map((s) => s.root).join(', ')}; ask for fewer rows`);
const vectors = await embedUnits(units, dim, join(root, 'dist'));
mkdirSync(dirname(values.out), { recursive: true });
await writeNpy(values.out, vectors, rows, dim);
process.stderr.write(`${rows} x ${dim} real-code embeddings (${new Set(units).size} distinct units) -> ${values.out}\n`);
