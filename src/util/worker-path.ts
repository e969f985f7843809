/** Where a compiled piscina worker module lives. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InternalError } from '../errors.js';

/**
 * The compiled `worker.js` beside a `pool` module (`poolUrl` = its `import.meta.url`: `ingest/`,
 * `embedders/`). Under a TypeScript runner (tests) that module is `src/<folder>/pool.ts`, and worker
 * threads cannot load TypeScript, so the compiled copy in dist/ is used (built by `npm run build`).
 */
export function compiledWorkerPath(poolUrl: string, stage: string): string {
  const here = fileURLToPath(poolUrl);
  const path = here.endsWith('.ts') ? here.replace(/[\\/]src[\\/]([^\\/]+)[\\/]pool\.ts$/, '/dist/$1/worker.js') : here.replace(/pool\.js$/, 'worker.js');
  if (!existsSync(path)) throw new InternalError(`${stage} worker not found at ${path}; run \`npm run build\``);
  return path;
}

/**
 * `execArgv` for piscina workers: the parent's flags plus `--no-experimental-require-module`. piscina
 * first tries `require()` on the worker file, and Node 20.19+ then loads our ES module through
 * require(esm), which can abort the whole process ("v8::Module::IsGraphAsync must be used on an
 * instantiated module", seen in CI). With require(esm) off in the worker, that `require()` fails
 * cleanly and piscina falls back to `import()`.
 */
export function workerExecArgv(): string[] {
  return [...process.execArgv.filter((flag) => flag !== '--experimental-require-module'), '--no-experimental-require-module'];
}
