/**
 * The server a warm sandbox runs for JavaScript programs (Node, CommonJS), as text: bound read-only into
 * the sandbox by warm.ts, with the fork addon (native/fork) beside it. It speaks the protocol of the
 * Python server (warm-server.ts) and keeps its rules: one run at a time, each program a fresh process
 * forked from the server, every other process killed and the writable folders emptied after each run,
 * then a marker the program could not know, then the reply.
 *
 * What differs: the forked process does not exec `node`; it is a copy of this already started Node,
 * which runs the program as its main module (`Module.runMain`, as `node /sandbox/main.js` does, module
 * syntax detected). That saves Node's start per program. The server warms Node's CommonJS loader and
 * `assert` once (a throw-away module) before it says it is ready, so each program finds them compiled.
 * A forked program ends through the addon's `_exit` (see native/fork/fork.cc for why), with the exit
 * code Node would give it: `process.exit(code)`, an uncaught exception, or `process.exitCode` once the
 * event loop runs dry (recorded after the 'exit' listeners ran).
 *
 * Kept in a TypeScript string so the build ships it with the rest; no backticks or dollar-brace in it.
 */
export const WARM_NODE_SOURCE = String.raw`'use strict';
const fs = require('node:fs');
const crypto = require('node:crypto');
const Module = require('node:module');
const addon = require('/.tidepool/tidepool_fork.node');

const CONTROL = 3;
const WRITABLE = ['/sandbox', '/dev/shm'];
const LIMITS = { cpu: 0, fsize: 1, nofile: 7, nproc: 6, as: 9 };

const pending = { buffer: Buffer.alloc(0) };

function readMore() {
  const chunk = Buffer.allocUnsafe(65536);
  for (;;) {
    try {
      const count = fs.readSync(0, chunk, 0, chunk.length, null);
      if (count === 0) return false;
      pending.buffer = Buffer.concat([pending.buffer, chunk.subarray(0, count)]);
      return true;
    } catch (error) {
      if (error.code !== 'EAGAIN' && error.code !== 'EINTR') throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

function readLine() {
  for (;;) {
    const newline = pending.buffer.indexOf(10);
    if (newline >= 0) {
      const line = pending.buffer.subarray(0, newline).toString('utf8');
      pending.buffer = pending.buffer.subarray(newline + 1);
      return line;
    }
    if (!readMore()) {
      if (pending.buffer.length > 0) throw new Error('the request ended mid-line');
      return null;
    }
  }
}

function readExact(count) {
  while (pending.buffer.length < count) {
    if (!readMore()) throw new Error('the request ended before its program');
  }
  const data = pending.buffer.subarray(0, count);
  pending.buffer = pending.buffer.subarray(count);
  return data;
}

function writeAll(fd, data) {
  let done = 0;
  while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done);
}

function reply(fields) {
  writeAll(CONTROL, Buffer.from(JSON.stringify(fields) + '\n'));
}

function removeTree(path) {
  for (const name of fs.readdirSync(path)) {
    const full = path + '/' + name;
    const stat = fs.lstatSync(full);
    if (stat.isDirectory()) {
      fs.chmodSync(full, 0o700);
      removeTree(full);
      fs.rmdirSync(full);
    } else {
      fs.unlinkSync(full);
    }
  }
}

function clean() {
  addon.killAll();
  for (const folder of WRITABLE) removeTree(folder);
  addon.removeIpc();
}

function limitTriples(limits) {
  const triples = [];
  for (const [name, value] of Object.entries(limits)) {
    if (!(name in LIMITS)) throw new Error('unknown limit ' + name);
    triples.push(LIMITS[name], value, name === 'cpu' ? value + 1 : value);
  }
  return triples;
}

function serve(request, program) {
  const path = '/sandbox/' + request.file;
  const descriptor = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o444);
  writeAll(descriptor, program);
  fs.closeSync(descriptor);
  const env = Object.entries(request.env).map(([name, value]) => name + '=' + value);
  const pid = addon.forkProgram(CONTROL, env, limitTriples(request.limits));
  if (pid === 0) return { child: path };
  const status = addon.waitFor(pid, request.wall * 1000);
  // Every process the program left (or, after a timeout, the program itself) goes before the reply.
  clean();
  const marker = crypto.randomBytes(16).toString('hex');
  writeAll(1, Buffer.from(marker));
  const fields = { timedOut: status === -1, exit: null, signal: null, marker };
  if (status !== -1) {
    if ((status & 0x7f) === 0) fields.exit = (status >> 8) & 0xff;
    else fields.signal = status & 0x7f;
  }
  return { fields };
}

// Compiles what most programs use (the CommonJS loader's paths, assert) in the server, once.
function warmUp() {
  const path = '/sandbox/tidepool-warm-up.js';
  fs.writeFileSync(path, "const assert = require('node:assert');\nassert.strictEqual(1 + 1, 2);\nassert.deepStrictEqual([1, { a: 2 }], [1, { a: 2 }]);\nassert.throws(() => { throw new Error('x'); });\nmodule.exports = 1;\n");
  Module._load(path, null, false);
  delete require.cache[path];
  require('node:assert');
}

function serveAll() {
  if (!addon.supported()) throw new Error('the fork addon does not support this Node (' + process.version + '): its platform has no worker-thread methods to redirect');
  addon.setDumpable(false);
  warmUp();
  clean();
  reply({ ready: true, pid: process.pid });
  for (;;) {
    const line = readLine();
    if (line === null) return null;
    const request = JSON.parse(line);
    const program = readExact(request.bytes);
    const served = serve(request, program);
    if (served.child !== undefined) return served.child;
    reply(served.fields);
  }
}

// In a forked child: runs the program as Node runs its main module, recording the exit code a natural
// end gives (process.exitCode after every 'exit' listener), whatever the program does to process.emit.
function runProgram(path) {
  process.argv = [process.execPath, path];
  // Math.random's state is seeded once per context, from the isolate's generator (copied from the server
  // into every child): a seed of the child's own, set before the program's first call, seeds it instead.
  // The flag is put back at once, so that contexts the program makes itself draw from the isolate as usual.
  const v8 = require('node:v8');
  v8.setFlagsFromString('--random-seed=' + crypto.randomInt(1, 2147483647));
  Math.random();
  v8.setFlagsFromString('--random-seed=0');
  Object.defineProperty(process, 'pid', { ...Object.getOwnPropertyDescriptor(process, 'pid'), value: addon.getpid() });
  let emit = process.emit;
  const recording = function (name, ...rest) {
    const result = Reflect.apply(emit, this, [name, ...rest]);
    if (name === 'exit') {
      const code = process.exitCode;
      addon.recordExit(code === undefined || code === null ? Number(rest[0]) || 0 : Number(code) | 0);
    }
    return result;
  };
  Object.defineProperty(process, 'emit', { configurable: true, enumerable: false, get: () => recording, set: (value) => { emit = value; } });
  Module.runMain(path);
}

const program = serveAll();
if (program !== null) runProgram(program);
`;
