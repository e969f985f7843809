/**
 * The rewritten copies a decontamination stage should catch: a benchmark solution after each
 * transformation alone, and after all of them (`all`: prompt absent, renamed, docstrings and
 * comments removed, re-printed by `ast.unparse` and black-style, embedded among other functions), and
 * the reported case (`rename-strip-reprint`: renamed, docstring-less, re-printed by ast.unparse).
 * Seeded and deterministic; the one step that needs Python (re-printing) is passed in.
 */
import { fnv1a32, seededRandom } from '../../util/random.js';
import { blackStyle } from './black-style.js';
import { embedAmong } from './embed.js';
import { renameIdentifiers } from './rename.js';
import type { BenchmarkSolution } from './solution.js';
import { stripDocs } from './strip-docs.js';

/** The transformations, in the order results are reported. */
export const TRANSFORMATIONS = ['verbatim', 'rename', 'strip-docs', 'reprint', 'black', 'no-prompt', 'embedded', 'rename-strip-reprint', 'all'] as const;

/** One transformation's name. */
export type Transformation = (typeof TRANSFORMATIONS)[number];

/** Transformations whose output depends on the seed (the others give one copy per solution). */
export const SEEDED: ReadonlySet<Transformation> = new Set(['rename', 'black', 'embedded', 'rename-strip-reprint', 'all']);

/** A planted copy: what a generated record holds (`T`: the transformations of its language). */
export interface PlantedCopy<T extends string = Transformation> {
  /** The benchmark solution's id (`<file stem>/<task id>`). */
  id: string;
  transformation: T;
  seed: number;
  code: string;
  /** The record's docstring: the problem text while the copy still carries it, else empty. */
  docstring: string;
}

/** What {@link plantCopies} needs besides the solutions. */
export interface PlantOptions {
  /** Real functions a copy is embedded among. */
  neighbours: readonly string[];
  /** Re-prints a batch of Python sources (e.g. {@link reprintWithPython}). */
  reprint: (sources: readonly string[]) => string[];
}

/** One copy of each solution per seed (one in all for unseeded transformations), transformed. */
export function plantCopies(solutions: readonly BenchmarkSolution[], transformation: Transformation, seeds: readonly number[], options: PlantOptions): PlantedCopy[] {
  const used = SEEDED.has(transformation) ? seeds : seeds.slice(0, 1);
  const jobs = used.flatMap((seed) => solutions.map((solution) => ({ solution, seed, random: seededRandom(fnv1a32(`${solution.id}#${seed}`)) })));
  const copies = jobs.map(({ solution, random }) => {
    switch (transformation) {
      case 'verbatim': return { code: solution.code, docstring: solution.text };
      case 'rename': return { code: renameIdentifiers(solution.code, random), docstring: solution.text };
      case 'strip-docs': return { code: stripDocs(solution.code), docstring: '' };
      case 'reprint': return { code: solution.code, docstring: solution.text };
      case 'black': return { code: blackStyle(solution.code, random), docstring: solution.text };
      case 'no-prompt': return { code: solution.bare, docstring: '' };
      case 'embedded': return { code: embedAmong(solution.code, options.neighbours, random), docstring: '' };
      case 'rename-strip-reprint': return { code: stripDocs(renameIdentifiers(solution.code, random)), docstring: '' };
      case 'all': return { code: stripDocs(renameIdentifiers(solution.bare, random)), docstring: '' };
    }
  });
  if (transformation === 'reprint' || transformation === 'rename-strip-reprint' || transformation === 'all') {
    const printed = options.reprint(copies.map((copy) => copy.code));
    copies.forEach((copy, i) => (copy.code = printed[i] ?? copy.code));
  }
  return jobs.map(({ solution, seed, random }, i) => {
    const copy = copies[i] ?? { code: '', docstring: '' };
    // `all` finishes after the re-print: black-style changes, then the surrounding file.
    const code = transformation === 'all' ? embedAmong(blackStyle(copy.code, random), options.neighbours, random) : copy.code;
    return { id: solution.id, transformation, seed, code, docstring: copy.docstring };
  });
}
