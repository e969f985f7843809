#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build`, which `npm ci` runs through `prepare`.
// The `tidepool` command is bin/tidepool, a shell script that runs this file (and sets the huge-pages
// tunable for select first, so the relaunch below happens only when this file is run with `node` directly).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('tidepool: dist/ is missing. Run `npm ci` (or `npm run build`) in the tidepool folder first.\n');
  process.exit(2);
}
// A large `select` runs again under glibc's huge pages (dist/cli/huge-pages.js says why and when).
const hugePages = await import(new URL('../dist/cli/huge-pages.js', import.meta.url).href);
const relaunched = await hugePages.relaunchWithHugePages(process.argv.slice(2), fileURLToPath(import.meta.url));
if (relaunched !== null) {
  process.exitCode = relaunched;
} else {
  hugePages.watchParent();
  const { main } = await import(entry.href);
  process.exitCode = await main(process.argv.slice(2));
}
