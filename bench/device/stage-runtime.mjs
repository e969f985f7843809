#!/usr/bin/env node
// Copies the runtime node_modules that `tidepool select|embed|doctor|sample|ingest` need on the
// device machine (Linux x64) into STAGE/node_modules, pruned: only the dependency closure of the
// packages below (resolved through package-lock.json, nested copies included), only the linux-x64
// native binaries, and no source maps, type declarations or TypeScript sources.
// Usage: node bench/device/stage-runtime.mjs STAGE
// Prints one JSON line: {packages, files, bytes, native: [{path, bytes}]}.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

// What dist/ imports on the paths the device runs (dist/cli/main.js statically, and the select,
// embed, doctor, sample and ingest commands lazily). openai, puppeteer-core and hyparquet-writer
// (generate, report, export) are left out.
const ROOTS = ['commander', 'yaml', 'webgpu', 'onnxruntime-node', 'onnx-proto', 'apache-arrow', 'piscina', '@huggingface/tokenizers', 'hyparquet', 'hyparquet-compressors'];
// Never needed at run time: type packages, and onnxruntime-node's install-script dependencies.
const SKIP_PACKAGES = new Set(['@types/node', '@types/long', '@webgpu/types', 'undici-types', 'adm-zip', 'global-agent']);
const SKIP_FILE = /(\.map|\.d\.[cm]?ts|\.ts|\.tsbuildinfo)$|^(README|CHANGELOG|HISTORY)(\.md|\.txt)?$/i;
const SKIP_DIR = new Set(['test', 'tests', '__tests__', 'docs', 'example', 'examples', '.github', 'benchmark', 'bench']);
// Per-package binary folders: keep only the linux-x64 build.
const PLATFORM_DIRS = {
  'onnxruntime-node': { dir: 'bin/napi-v6', keep: (rel) => rel === 'linux' || rel.startsWith('linux/x64') || rel === 'linux/x64' },
  webgpu: { dir: 'dist', keep: (rel) => rel.split('/')[0] === 'linux-x64' },
};

const stage = process.argv[2];
if (!stage) throw new Error('usage: node bench/device/stage-runtime.mjs STAGE');
const root = new URL('../..', import.meta.url).pathname;
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages;

/** The lock entry path a dependency `name` of the package at `from` resolves to (Node's lookup). */
function resolveDep(from, name) {
  let base = from;
  for (;;) {
    const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (lock[candidate] && existsSync(join(root, candidate))) return candidate;
    if (base === '') return null;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

const packages = new Set();
const queue = ROOTS.map((name) => {
  const path = resolveDep('', name);
  if (path === null) throw new Error(`${name} is not installed: run npm ci first`);
  return path;
});
while (queue.length > 0) {
  const path = queue.pop();
  if (packages.has(path)) continue;
  packages.add(path);
  const entry = lock[path];
  for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
    if (SKIP_PACKAGES.has(name)) continue;
    const resolved = resolveDep(path, name);
    if (resolved !== null) queue.push(resolved); // an optional dependency for another platform is absent
  }
}

let files = 0;
let bytes = 0;
const native = [];
function copyTree(source, target, pkgName, pkgRel) {
  for (const entry of readdirSync(source, { withFileTypes: true })) {
    const from = join(source, entry.name);
    const rel = pkgRel === '' ? entry.name : `${pkgRel}/${entry.name}`;
    const platform = PLATFORM_DIRS[pkgName];
    if (platform && rel.startsWith(`${platform.dir}/`) && !platform.keep(rel.slice(platform.dir.length + 1))) continue;
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || SKIP_DIR.has(entry.name)) continue;
      copyTree(from, join(target, entry.name), pkgName, rel);
    } else if (entry.isFile()) {
      if (SKIP_FILE.test(entry.name) && entry.name !== 'package.json') continue;
      mkdirSync(target, { recursive: true });
      copyFileSync(from, join(target, entry.name));
      const size = statSync(from).size;
      files += 1;
      bytes += size;
      if (/\.(node|so(\.\d+)*)$/.test(entry.name)) native.push({ path: relative(root, from), bytes: size });
    }
  }
}
for (const path of [...packages].sort()) {
  const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
  copyTree(join(root, path), join(stage, path), name, '');
}
process.stdout.write(`${JSON.stringify({ packages: packages.size, files, bytes, native })}\n`);
