/**
 * The rewritten copies of JavaScript benchmark solutions a decontamination stage should catch: each
 * transformation alone, the reported case (`rename-strip-prettier`) and all of them combined
 * (`all`: prompt absent, renamed, comments removed, re-printed by prettier with seeded quote,
 * semicolon and parenthesis choices, embedded among other functions). Seeded and deterministic.
 */
import { fnv1a32, seededRandom } from '../../../util/random.js';
import { embedAmong } from '../embed.js';
import type { BenchmarkSolution } from '../solution.js';
import type { PlantedCopy } from '../transform.js';
import { reprintWithPrettier } from './prettier.js';
import { renameJsWithMapping } from './rename.js';
import { stripJsComments } from './strip-comments.js';
import { jsStyle } from './style.js';

/** The JS transformations, in the order results are reported. */
export const JS_TRANSFORMATIONS = ['verbatim', 'rename', 'strip-comments', 'prettier', 'style', 'no-prompt', 'embedded', 'rename-strip-prettier', 'all'] as const;

/** One JS transformation's name. */
export type JsTransformation = (typeof JS_TRANSFORMATIONS)[number];

/** JS transformations whose output depends on the seed (the others give one copy per solution). */
export const JS_SEEDED: ReadonlySet<JsTransformation> = new Set(['rename', 'style', 'embedded', 'rename-strip-prettier', 'all']);

/** A planted JS copy: what a generated record holds, and the name its entry point has in it. */
export interface PlantedJsCopy extends PlantedCopy<JsTransformation> {
  /** The entry point's name in the copy (renamed by `rename`, `rename-strip-prettier` and `all`). */
  entryPoint: string;
}

/** A JS solution to plant: a {@link BenchmarkSolution} and its entry point. */
export interface JsBenchmarkSolution extends BenchmarkSolution {
  entryPoint: string;
}

async function plantOne(solution: JsBenchmarkSolution, transformation: JsTransformation, random: () => number, neighbours: readonly string[]): Promise<Omit<PlantedJsCopy, 'id' | 'transformation' | 'seed'>> {
  const { code, text, bare, entryPoint } = solution;
  const renamed = (source: string): { code: string; entryPoint: string } => {
    const { code: out, mapping } = renameJsWithMapping(source, random);
    return { code: out, entryPoint: mapping.get(entryPoint) ?? entryPoint };
  };
  switch (transformation) {
    case 'verbatim': return { code, docstring: text, entryPoint };
    case 'rename': return { ...renamed(code), docstring: text };
    case 'strip-comments': return { code: stripJsComments(code), docstring: '', entryPoint };
    case 'prettier': return { code: await reprintWithPrettier(code), docstring: text, entryPoint };
    case 'style': return { code: await jsStyle(code, random), docstring: text, entryPoint };
    case 'no-prompt': return { code: bare, docstring: '', entryPoint };
    case 'embedded': return { code: embedAmong(code, neighbours, random), docstring: '', entryPoint };
    case 'rename-strip-prettier': {
      const copy = renamed(code);
      return { code: await reprintWithPrettier(stripJsComments(copy.code)), docstring: '', entryPoint: copy.entryPoint };
    }
    case 'all': {
      const copy = renamed(bare);
      const styled = await jsStyle(stripJsComments(copy.code), random);
      return { code: embedAmong(styled, neighbours, random), docstring: '', entryPoint: copy.entryPoint };
    }
  }
}

/** One copy of each solution per seed (one in all for unseeded transformations), transformed. */
export async function plantJsCopies(solutions: readonly JsBenchmarkSolution[], transformation: JsTransformation, seeds: readonly number[], neighbours: readonly string[]): Promise<PlantedJsCopy[]> {
  const used = JS_SEEDED.has(transformation) ? seeds : seeds.slice(0, 1);
  const copies: PlantedJsCopy[] = [];
  for (const seed of used) {
    for (const solution of solutions) {
      const random = seededRandom(fnv1a32(`${solution.id}#${seed}`));
      copies.push({ id: solution.id, transformation, seed, ...(await plantOne(solution, transformation, random, neighbours)) });
    }
  }
  return copies;
}
