#!/usr/bin/env node
// Builds tidepool's native addons with node-gyp, against the headers of the Node running this script.
// Run by `npm run build` (so by `npm ci`). Each is optional: tidepool runs without it, more slowly.
//   native/fork: the fork server that runs JavaScript programs in warm sandboxes (src/exec/warm-node-server.ts;
//     node.h, so built for this Node version only). Without it each program starts a new Node (about 2x slower).
//   native/mmap: read-only file mappings (src/store/mapped-file.ts; N-API, any Node version). Without it
//     `select` copies a .npy input into memory instead of reading it in place (slower to load).
// Without a C/C++ compiler (or Node's headers and no network for node-gyp to fetch them) a build fails: this
// script then says so and exits 0 (`tidepool doctor` tells what runs). Set TIDEPOOL_REQUIRE_ADDONS=1 to make
// a failure fatal.
// Usage: node scripts/build-addons.mjs [fork|mmap ...]   (default: both)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ADDONS = {
  fork: { file: 'tidepool_fork.node', without: 'JavaScript programs in warm sandboxes will each start a new Node (about 2x slower)' },
  mmap: { file: 'tidepool_mmap.node', without: '`select` will copy .npy inputs into memory instead of mapping them (slower to load)' },
};
const prefix = dirname(dirname(process.execPath));
// npm sets npm_config_node_gyp for scripts; else npm's own copy beside this Node.
const nodeGyp = [process.env.npm_config_node_gyp, join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')].find((path) => path !== undefined && path !== '' && existsSync(path));
// This Node's own headers when they are installed beside it (no download); else node-gyp finds or fetches them.
const nodedir = existsSync(join(prefix, 'include', 'node', 'node.h')) ? [`--nodedir=${prefix}`] : [];
const required = process.env.TIDEPOOL_REQUIRE_ADDONS === '1';

/** Builds native/NAME; returns whether it was built (a failure is said, and fatal under TIDEPOOL_REQUIRE_ADDONS=1). */
function build(name) {
  const { file, without } = ADDONS[name];
  const folder = join(root, 'native', name);
  const fail = (reason) => {
    process.stderr.write(
      `build-addons: native/${name} was not built (${reason}). ${without}; install a C++ compiler, make and python3 ` +
        '(Debian: `apt-get install g++ make python3`) and run `npm run build` again.\n',
    );
    if (required) process.exit(1);
    return false;
  };
  if (nodeGyp === undefined) return fail('node-gyp not found: it comes with npm');
  const started = performance.now();
  const result = spawnSync(process.execPath, [nodeGyp, 'rebuild', '--release', ...nodedir], { cwd: folder, encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout}${result.stderr}`.split('\n').filter((line) => /error|ERR!/i.test(line)).slice(-12).join('\n') + '\n');
    return fail(`node-gyp exited ${String(result.status ?? result.signal)}`);
  }
  const built = join(folder, 'build', 'Release', file);
  if (!existsSync(built)) return fail(`node-gyp said ok but ${built} is missing`);
  process.stderr.write(`build-addons: ${built} (Node ${process.versions.node}, ABI ${process.versions.modules}) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return true;
}

const names = process.argv.slice(2);
for (const name of names) if (!(name in ADDONS)) throw new Error(`unknown addon ${name}: choose from ${Object.keys(ADDONS).join(', ')}`);
for (const name of names.length > 0 ? names : Object.keys(ADDONS)) build(name);
