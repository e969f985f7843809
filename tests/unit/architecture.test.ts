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
const SHARED = new Set(['store', 'backends', 'exec', 'util', 'embedders', 'types', 'errors.ts', 'version.ts']);

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

/** One import of a file into another part of `src/`: where it is, and the top folder it reaches. */
interface Crossing {
  where: string;
  into: string;
}

/** Each relative import of `file` that leaves `folder` for a part of `src/` not shared by every stage. */
function crossings(folder: string, file: string): Crossing[] {
  const text = readFileSync(file, 'utf8');
  const found: Crossing[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[2]!;
    const target = relative(SRC, resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
    const top = target.split(sep)[0]!;
    if (top === '..' || top === folder || SHARED.has(top)) continue;
    const line = text.slice(0, match.index).split('\n').length;
    found.push({ where: `${relative(SRC, file)}:${line} imports ${specifier}`, into: top });
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

  it('no stage imports another stage: only its own folder, store/, backends/, exec/, util/, embedders/, types/, errors.ts, version.ts', () => {
    const violations = STAGES.flatMap((stage) => typeScriptFiles(join(SRC, stage)).flatMap((file) => crossings(stage, file).map((found) => found.where)));
    expect(violations).toEqual([]);
  });

  it('the shared folders import no stage (else a stage would reach another through them)', () => {
    const shared = ['store', 'backends', 'exec', 'util', 'embedders'];
    const stageImports = shared.flatMap((folder) => typeScriptFiles(join(SRC, folder)).flatMap((file) => crossings(folder, file).filter((found) => STAGES.includes(found.into)).map((found) => found.where)));
    expect(stageImports).toEqual([]);
  });
});
