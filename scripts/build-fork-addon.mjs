#!/usr/bin/env node
// Builds native/fork (the fork server that runs JavaScript programs in warm sandboxes, src/exec/warm-node-server.ts)
// with node-gyp, against the headers of the Node running this script. Run by `npm run build` (so by `npm ci`).
// Without a C++ compiler (or Node's headers and no network for node-gyp to fetch them) the build fails: this
// script then says so and exits 0, and tidepool runs each JavaScript program with a new Node instead (slower,
// as safe; `tidepool doctor` tells which). Set TIDEPOOL_REQUIRE_FORK_ADDON=1 to make that failure fatal.
// Usage: node scripts/build-fork-addon.mjs
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const folder = join(root, 'native', 'fork');
const prefix = dirname(dirname(process.execPath));
// npm sets npm_config_node_gyp for scripts; else npm's own copy beside this Node.
const nodeGyp = [process.env.npm_config_node_gyp, join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')].find((path) => path !== undefined && path !== '' && existsSync(path));
// This Node's own headers when they are installed beside it (no download); else node-gyp finds or fetches them.
const nodedir = existsSync(join(prefix, 'include', 'node', 'node.h')) ? [`--nodedir=${prefix}`] : [];

function fail(reason) {
  const required = process.env.TIDEPOOL_REQUIRE_FORK_ADDON === '1';
  process.stderr.write(
    `build-fork-addon: native/fork was not built (${reason}). JavaScript programs in warm sandboxes will each start a new Node ` +
      '(about 2x slower); install a C++ compiler, make and python3 (Debian: `apt-get install g++ make python3`) and run `npm run build` again.\n',
  );
  process.exit(required ? 1 : 0);
}

if (nodeGyp === undefined) fail('node-gyp not found: it comes with npm');
const started = performance.now();
const result = spawnSync(process.execPath, [nodeGyp, 'rebuild', '--release', ...nodedir], { cwd: folder, encoding: 'utf8' });
if (result.status !== 0) {
  process.stderr.write(`${result.stdout}${result.stderr}`.split('\n').filter((line) => /error|ERR!/i.test(line)).slice(-12).join('\n') + '\n');
  fail(`node-gyp exited ${String(result.status ?? result.signal)}`);
}
const built = join(folder, 'build', 'Release', 'tidepool_fork.node');
if (!existsSync(built)) fail(`node-gyp said ok but ${built} is missing`);
process.stderr.write(`build-fork-addon: ${built} (Node ${process.versions.node}, ABI ${process.versions.modules}) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
