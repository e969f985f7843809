/**
 * Stages meet only through `store/` (DESIGN.md): a stage folder may import its own folder and the
 * shared ones below, never another stage's folder, so each stage stays a unit a launcher can run alone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** The stage folders under `src/`. */
const STAGES = ['ingest', 'embed', 'select', 'generate', 'decontam', 'export', 'report'];

/** What any stage may import besides its own folder: the first path segment under `src/`. */
const SHARED = new Set(['store', 'backends', 'util', 'embedders', 'types', 'errors.ts', 'version.ts']);

/** Every `.ts` file under `dir`, recursively. */
function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

// Static `import ... from`, `export ... from`, bare `import '...'` and dynamic `import('...')`.
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}\/[^'"]+)\1/gm;

/** `file:line -> target` for each relative import of `file` that leaves its stage for another part of `src/`. */
function crossings(stage: string, file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[2]!;
    const target = relative(SRC, resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
    const top = target.split(sep)[0]!;
    if (top === '..' || top === stage || SHARED.has(top)) continue;
    const line = text.slice(0, match.index).split('\n').length;
    found.push(`${relative(SRC, file)}:${line} imports ${specifier}`);
  }
  return found;
}

describe('architecture', () => {
  it('has every stage folder it checks', () => {
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    expect(folders).toEqual(expect.arrayContaining(STAGES));
  });

  it('finds the imports it looks for (guards the pattern itself)', () => {
    const probe = ["import { a } from '../select/x.js';", "export { b } from '../ingest/y.js';", "const c = await import('../report/z.js');", "import type { D } from '../store/d.js';"];
    const specifiers = probe.flatMap((line) => [...line.matchAll(IMPORT)].map((match) => match[2]));
    expect(specifiers).toEqual(['../select/x.js', '../ingest/y.js', '../report/z.js', '../store/d.js']);
  });

  it('no stage imports another stage: only its own folder, store/, backends/, util/, embedders/, types/, errors.ts, version.ts', () => {
    const violations = STAGES.flatMap((stage) => typeScriptFiles(join(SRC, stage)).flatMap((file) => crossings(stage, file)));
    expect(violations).toEqual([]);
  });
});
