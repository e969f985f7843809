// The JavaScript side of bench/decontam-recall.mjs: clean functions harvested from node_modules
// (bench/lib/js-functions.mjs, cached under bench/out), the JS benchmark solutions, and their copies
// planted after each JS transformation of src/devkit/contamination/js (built, from dist/).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { harvestJsFunctions } from './js-functions.mjs';

const DESCRIPTIONS = {
  verbatim: 'the benchmark code as it is (prompt comment + declaration + solution), problem text as the record\'s docstring',
  rename: 'function, parameters and locals renamed consistently by an acorn scope walk (shorthand properties expanded; fresh names per seed)',
  'strip-comments': 'comments and JSDoc removed (found by acorn), record docstring empty',
  prettier: 'prettier 3 with its defaults (double quotes, semicolons, its parentheses and line breaks)',
  style: 'prettier with seeded options (single/double quotes, semicolons or none, arrow parentheses, trailing commas, width 60-120, 2/4 spaces or tabs), then redundant parentheses around half the return arguments, initialisers and if/while tests',
  'no-prompt': 'the entry point\'s declaration + solution only (the problem comment gone)',
  embedded: 'the code among 4 real function declarations from node_modules, in one record',
  'rename-strip-prettier': 'the case the issue reports, for JS: rename, then strip-comments, then prettier; prompt kept',
  all: 'no-prompt, rename, strip-comments, style (prettier with seeded options + parentheses), embedded, in that order',
};

/**
 * Clean JS functions (`cleanTarget` of them, fewer when `base` holds fewer: then said in `describe`),
 * the solutions of the JS benchmark files `paths` and their planted copies.
 */
export async function plantJavaScript({ root, work, paths, seeds, cleanTarget, base }) {
  const contamination = await import(join(root, 'dist', 'devkit', 'contamination', 'index.js'));
  const cachePath = join(work, `js-clean-${cleanTarget}.json`);
  if (!existsSync(cachePath)) {
    process.stderr.write(`harvesting ${cleanTarget} JavaScript functions from ${base} -> ${cachePath}\n`);
    writeFileSync(cachePath, JSON.stringify(harvestJsFunctions(base, cleanTarget)));
  }
  const { functions, counts } = JSON.parse(readFileSync(cachePath, 'utf8'));
  const clean = functions.map(({ repo, path, func_name: funcName, language, docstring, code }) => ({ repo, path, func_name: funcName, language, docstring, code }));
  const solutions = [];
  for (const path of paths) {
    const stem = basename(path).replace(/\.jsonl$/, '');
    for (const text of readFileSync(path, 'utf8').split('\n')) {
      if (text.trim() === '') continue;
      const solution = contamination.jsSolutionOf(stem, JSON.parse(text));
      if (solution !== undefined) solutions.push({ ...solution, benchmark: stem });
    }
  }
  // Neighbours of embedded copies: short function declarations (clean code, never counted).
  const neighbours = functions.filter((f) => f.declaration && f.code.split('\n').length <= 30).map((f) => f.code);
  const planted = [];
  for (const transformation of contamination.JS_TRANSFORMATIONS) planted.push(...(await contamination.plantJsCopies(solutions, transformation, seeds, neighbours)));
  const describe = `${counts.filesRead} files read, ${counts.minified} minified or over 1 MiB and ${counts.bundled} bundled skipped, ${counts.duplicates} duplicate functions kept once; function declarations, methods, function expressions and arrow functions of 3-200 lines, nested ones included, dedented${functions.length < cleanTarget ? `; only ${functions.length} found of ${cleanTarget} asked for` : ''}`;
  return { clean, harvest: counts, base, describe, solutions, planted, benchmarks: [...new Set(solutions.map((s) => s.benchmark))], transformations: [...contamination.JS_TRANSFORMATIONS], seeded: [...contamination.JS_SEEDED], descriptions: DESCRIPTIONS };
}
