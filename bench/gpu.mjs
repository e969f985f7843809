#!/usr/bin/env node
// GPU benchmark (issue 6), made to run on a lent GPU machine (see bench/device/README.md) in one or
// two 10-minute calls, every phase time-boxed and skippable:
//   select  `tidepool select --backend webgpu` (fp32, fp16) on a seeded Gaussian-mixture workload
//           (bench/select.mjs's generator and seeds: the same matrix as the CPU benchmark), side by
//           side with PyTorch's naive greedy on the same GPU (bench/peers/torch_greedy.py: one
//           full pass per pick, forms mm / compiled / sub, fp32 and fp16), picks compared under the
//           CPU benchmark's near-tie rule, and against the CPU backend's picks when available.
//   embed   `tidepool embed --device webgpu` (and cuda when onnxruntime-node has its CUDA provider)
//           with a MiniLM-L6-shaped and a roberta-large-shaped model (random weights, built with
//           writeNativeModel), side by side with transformers' BertModel in fp16 and fp32
//           (bench/peers/torch_embed.py) on exactly the token ids tidepool's tokenizer produces.
// Writes OUT/gpu.json and OUT/gpu.md (the device, driver, CUDA, WebGPU adapter, every figure).
//
// Usage: node bench/gpu.mjs [--out bench/results] [--phases select,embed] [--workload L] [--budget 570]
//   select:  --workload tiny|XS|S|M|L  --k K  --precisions fp32,fp16  --torch-forms mm,compiled,sub
//            --torch-max-seconds 30 (each torch loop stops there and is extrapolated to k)
//            --tidepool-cpu auto|yes|no (auto: run the CPU backend only when no reference picks
//            from bench/select.mjs were carried, see --reference)
//   embed:   --models minilm,large (mini: the 2-layer native model, for smoke tests)  --rows-mini 2000  --rows-minilm 50000  --rows-large 4000  --embed-devices webgpu,cuda
//            --torch-embed-precisions fp16,fp32  --embed-threads N  --check 64
//   --no-torch: tidepool alone (e.g. on SwiftShader, to prove the driver end to end).
//   --merge FILE: an earlier gpu.json whose phases not run now are kept (a second call's results
//     join the first's).
//   --combine A.json,B.json: runs nothing; writes OUT/gpu.json and gpu.md from the gpu.json of
//     several calls (for each phase, the last file that has it).
//   --budget SECONDS: wall-clock budget of the whole run; runs that would not fit are skipped and
//     said so. Results are rewritten after every run, so a killed run still leaves them.
//   --work DIR (default bench/out/gpu): inputs and outputs (the L matrix is 6 GB).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { clearInterval, clearTimeout, setInterval } from 'node:timers';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, workerData } from 'node:worker_threads';
import { tableFromIPC } from 'apache-arrow';
import { isCompleteNpy, mixtureRows, mixtureSetup as sharedMixtureSetup, npyHeader, sfc32, writeGaussianMixtureNpy } from './lib/gaussian.mjs';
import { describeMachine } from './lib/machine.mjs';

// Workloads: bench/select.mjs's (same seeds, so the same matrices) plus `tiny`, a seconds-long smoke test.
const WORKLOADS = {
  tiny: { n: 5_000, d: 64, k: 50 },
  XS: { n: 20_000, d: 64, k: 50 },
  S: { n: 100_000, d: 384, k: 1_000 },
  M: { n: 1_000_000, d: 768, k: 5_000 },
  L: { n: 2_000_000, d: 768, k: 20_000 },
};
const SELECT_MJS_WORKLOADS = new Set(['XS', 'S', 'M', 'L']); // the others are this file's own
const MIXTURE = { clusters: 64, spreadMin: 0.4, spreadMax: 1.2 }; // as bench/select.mjs
const NEAR_TIE = 1e-6; // as bench/select.mjs
const TARGET_SECONDS = { L: 10 }; // issue 6: L end to end under 10 s on an H100
const SAMPLE_SEED = 11; // as bench/embed.mjs
const CHUNK_BYTES = 16 * 1024 * 1024;

const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'bin', 'tidepool.js');

// ---------------------------------------------------------------------------------------------
// Input generation: bench/lib/gaussian.mjs's stream, cut across worker threads.
// Every row consumes exactly 1 + d uniforms when d is even (one to pick its cluster, d for d/2
// Box-Muller pairs), so a worker can skip to its first row by drawing and dropping uniforms, then
// produce byte-identical rows. Checked against writeGaussianMixtureNpy before every use.

/** The mixture's centers, weights and spreads: the first draws of the stream, as writeGaussianMixtureNpy makes them. */
function mixtureSetup({ d, clusters, spreadMin, spreadMax, seed }) {
  const uniform = sfc32(seed);
  return { uniform, ...sharedMixtureSetup(uniform, { d, clusters, spreadMin, spreadMax }) };
}

/** Worker: rows [firstRow, firstRow + rows) into the file at their place. */
function generateRows({ path, d, clusters, spreadMin, spreadMax, seed, firstRow, rows, dataOffset }) {
  const { uniform, ...setup } = mixtureSetup({ d, clusters, spreadMin, spreadMax, seed });
  const fill = mixtureRows(uniform, { d, clusters }, setup);
  uniform.skip(firstRow * (1 + d));
  const rowsPerChunk = Math.max(1, Math.floor(CHUNK_BYTES / (d * 4)));
  const chunk = new Float32Array(rowsPerChunk * d);
  const fd = openSync(path, 'r+');
  try {
    for (let first = firstRow; first < firstRow + rows; first += rowsPerChunk) {
      const count = Math.min(rowsPerChunk, firstRow + rows - first);
      fill(chunk, count);
      const bytes = Buffer.from(chunk.buffer, 0, count * d * 4);
      let position = dataOffset + first * d * 4;
      for (let written = 0; written < bytes.length; ) {
        const wrote = writeSync(fd, bytes, written, bytes.length - written, position);
        written += wrote;
        position += wrote;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** writeGaussianMixtureNpy's output, made by `threads` workers. */
async function writeMixtureParallel(path, { n, d, seed, threads }) {
  const header = npyHeader(n, d);
  const partial = `${path}.partial`;
  const fd = openSync(partial, 'w');
  writeSync(fd, header);
  ftruncateSync(fd, header.length + n * d * 4);
  closeSync(fd);
  const workers = Math.max(1, Math.min(threads, Math.ceil(n / 1000)));
  const jobs = [];
  for (let w = 0; w < workers; w++) {
    const firstRow = Math.floor((n * w) / workers);
    const rows = Math.floor((n * (w + 1)) / workers) - firstRow;
    const data = { path: partial, n, d, ...MIXTURE, seed, firstRow, rows, dataOffset: header.length };
    jobs.push(new Promise((done, fail) => {
      const worker = new Worker(new URL(import.meta.url), { workerData: data });
      worker.on('error', fail);
      worker.on('exit', (code) => (code === 0 ? done() : fail(new Error(`generator worker exited with ${code}`))));
    }));
  }
  await Promise.all(jobs);
  renameSync(partial, path);
}

function sha256File(path) {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(CHUNK_BYTES);
  try {
    for (let read; (read = readSync(fd, buffer, 0, buffer.length, null)) > 0; ) hash.update(buffer.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** The parallel generator gives writeGaussianMixtureNpy's bytes (small shapes, uneven splits). */
async function parallelGeneratorMatches(work) {
  const reference = sfc32(777);
  const mine = sfc32(777);
  for (let i = 0; i < 1000; i++) if (reference() !== mine()) return false;
  for (let i = 0; i < 12_345; i++) reference();
  mine.skip(12_345);
  for (let i = 0; i < 1000; i++) if (reference() !== mine()) return false;
  for (const [n, d, threads] of [[3001, 64, 3], [1000, 10, 4]]) {
    const serial = join(work, `gen-check-serial-${n}x${d}.npy`);
    const parallel = join(work, `gen-check-parallel-${n}x${d}.npy`);
    writeGaussianMixtureNpy(serial, { n, d, ...MIXTURE, seed: 12345 });
    await writeMixtureParallel(parallel, { n, d, seed: 12345, threads });
    const same = sha256File(serial) === sha256File(parallel);
    rmSync(serial, { force: true });
    rmSync(parallel, { force: true });
    if (!same) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Small helpers.

let started = 0;
let deadline = Infinity;
function log(message) {
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
}
const remainingSeconds = () => (deadline - performance.now()) / 1000;
const count = (x) => Math.round(x).toLocaleString('en-US');
const ratio = (x) => (x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toFixed(2));
const fixed = (x, digits = 1) => (x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(digits));

function lastJson(stdout) {
  const line = stdout.trimEnd().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}

/** MiB of GPU memory in use (nvidia-smi, first GPU), or null. */
function gpuMemoryUsedMiB() {
  const run = spawnSync('nvidia-smi', ['--query-gpu=memory.used', '--format=csv,noheader,nounits', '-i', '0'], { encoding: 'utf8', timeout: 5000 });
  const value = run.status === 0 ? Number(run.stdout.trim()) : NaN;
  return Number.isFinite(value) ? value : null;
}

/** Every process below `pid` (from /proc), deepest first. */
function descendantsOf(pid) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  const out = [];
  const walk = (p) => {
    for (const c of children.get(p) ?? []) {
      walk(c);
      out.push(c);
    }
  };
  walk(pid);
  return out;
}

/**
 * Runs a command with a time limit (past it, the command and every process it started are
 * stopped); wall time and peak RSS from GNU time when installed; the peak GPU memory over the run (nvidia-smi every second, minus what was in use
 * before). Its stderr is echoed, indented.
 */
function timedRun(command, args, { timeoutSeconds = Infinity, env = process.env } = {}) {
  const gnuTime = existsSync('/usr/bin/time');
  const [file, argv] = gnuTime ? ['/usr/bin/time', ['-f', '__TIME__ %e %M', command, ...args]] : [command, args];
  return new Promise((done) => {
    const baseline = gpuMemoryUsedMiB();
    let peak = baseline;
    const poll = baseline === null ? null : setInterval(() => {
      const used = gpuMemoryUsedMiB();
      if (used !== null) peak = Math.max(peak, used);
    }, 1000);
    const begin = performance.now();
    // Not detached: a new session would outlive the device call if this process were killed.
    const child = spawn(file, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    let partialLine = '';
    child.stderr.on('data', (chunk) => {
      const text = chunk.toString();
      stderr = (stderr + text).slice(-20_000);
      const lines = (partialLine + text).split(/\r?\n|\r/);
      partialLine = lines.pop();
      for (const line of lines) if (line.trim() !== '' && !line.startsWith('__TIME__')) process.stderr.write(`        | ${line.slice(0, 300)}\n`);
    });
    const killGroup = (signal) => {
      for (const pid of [...descendantsOf(child.pid), child.pid]) {
        try {
          process.kill(pid, signal);
        } catch {
          // already gone
        }
      }
    };
    const timer = Number.isFinite(timeoutSeconds) ? setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 10_000).unref();
    }, Math.max(1, timeoutSeconds) * 1000) : null;
    child.on('close', (status, signal) => {
      if (timer !== null) clearTimeout(timer);
      if (poll !== null) clearInterval(poll);
      const match = /__TIME__ ([\d.]+) (\d+)/.exec(stderr);
      done({
        status, signal, timedOut,
        seconds: match ? Number(match[1]) : (performance.now() - begin) / 1000,
        peakRssMiB: match ? Math.round(Number(match[2]) / 1024) : null,
        peakGpuMiB: baseline === null ? null : peak - baseline,
        stdout, stderrTail: stderr.slice(-2000),
      });
    });
  });
}

function npyHeaderOf(descr, shape) {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const unpadded = 10 + dict.length + 1;
  const total = Math.ceil(unpadded / 64) * 64;
  const header = Buffer.alloc(total);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(header, 0);
  header.writeUInt16LE(total - 10, 8);
  header.write(`${dict}${' '.repeat(total - unpadded)}\n`, 10, 'latin1');
  return header;
}

/** A float32 or int32 .npy (v1, C order) as {shape, data}. */
function readNpy(path) {
  const bytes = readFileSync(path);
  const length = bytes.readUInt16LE(8);
  const dict = bytes.toString('latin1', 10, 10 + length);
  const descr = /'descr': '([^']+)'/.exec(dict)?.[1];
  const shape = (/'shape': \(([^)]*)\)/.exec(dict)?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const body = bytes.subarray(10 + length);
  const copy = new Uint8Array(body).buffer;
  if (descr === '<f4') return { shape, data: new Float32Array(copy) };
  if (descr === '<i4') return { shape, data: new Int32Array(copy) };
  throw new Error(`${path}: unsupported dtype ${descr}`);
}

/** float32 -> nearest float16 (ties to even), as a number: the value tidepool's and torch's fp16 copies hold. */
function roundHalf(x) {
  if (!Number.isFinite(x) || x === 0) return x;
  const magnitude = Math.abs(x);
  if (magnitude >= 65520) return Math.sign(x) * Infinity;
  let exponent = Math.floor(Math.log2(magnitude));
  if (2 ** exponent > magnitude) exponent -= 1;
  else if (2 ** (exponent + 1) <= magnitude) exponent += 1;
  const quantum = 2 ** (Math.max(exponent, -14) - 10);
  const scaled = magnitude / quantum;
  const floor = Math.floor(scaled);
  const rest = scaled - floor;
  const rounded = rest > 0.5 || (rest === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
  return Math.sign(x) * rounded * quantum;
}

/**
 * First pick where two pick lists differ, with both candidates' float64 Euclidean min-distances to
 * the common earlier picks there (the rule of bench/peers/kcenter_peer.py --agreement, on the
 * float16-rounded values when `half`).
 */
function agreementOf(npyPath, d, a, b, { half = false } = {}) {
  const compared = Math.min(a.length, b.length);
  let index = 0;
  while (index < compared && a[index] === b[index]) index++;
  if (index === compared) return { compared, firstDifference: null, text: compared === Math.max(a.length, b.length) ? `all ${compared} picks agree` : `the first ${compared} picks agree (the shorter list, a time-boxed run, has ${compared})` };
  if (index === 0) return { compared, firstDifference: 0, a: { row: a[0] }, b: { row: b[0] }, text: `first picks differ: ${a[0]} vs ${b[0]}` };
  const fd = openSync(npyPath, 'r');
  const headerLength = 10 + (() => {
    const head = Buffer.alloc(10);
    readSync(fd, head, 0, 10, 0);
    return head.readUInt16LE(8);
  })();
  const buffer = Buffer.alloc(d * 4);
  const rowOf = (r) => {
    readSync(fd, buffer, 0, d * 4, headerLength + r * d * 4);
    const values = new Float64Array(d);
    for (let j = 0; j < d; j++) values[j] = half ? roundHalf(buffer.readFloatLE(j * 4)) : buffer.readFloatLE(j * 4);
    return values;
  };
  try {
    const ra = rowOf(a[index]);
    const rb = rowOf(b[index]);
    let da = Infinity;
    let db = Infinity;
    for (let i = 0; i < index; i++) {
      const e = rowOf(a[i]);
      let sa = 0;
      let sb = 0;
      for (let j = 0; j < d; j++) {
        sa += (e[j] - ra[j]) ** 2;
        sb += (e[j] - rb[j]) ** 2;
      }
      da = Math.min(da, sa);
      db = Math.min(db, sb);
    }
    da = Math.sqrt(da);
    db = Math.sqrt(db);
    const rel = Math.max(da, db) > 0 ? Math.abs(da - db) / Math.max(da, db) : 0;
    const nearTie = rel <= NEAR_TIE;
    return {
      compared, firstDifference: index, a: { row: a[index], minDistance: da }, b: { row: b[index], minDistance: db }, relativeDifference: rel, nearTie,
      text: `first ${index} picks agree; at pick ${index} rows ${a[index]} (min-distance ${da.toPrecision(9)}) and ${b[index]} (${db.toPrecision(9)}): relative difference ${rel.toExponential(2)}, ${nearTie ? 'a near-tie within 1e-6' : 'NOT a near-tie (above 1e-6)'}`,
    };
  } finally {
    closeSync(fd);
  }
}

function coresetPicks(path) {
  const table = tableFromIPC(readFileSync(path));
  const rank = table.getChild('rank').toArray();
  const rows = table.getChild('row_id').toArray();
  const picks = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) picks[Number(rank[i])] = Number(rows[i]);
  return picks;
}

// ---------------------------------------------------------------------------------------------
// The machine.

function deviceFacts(python, withTorch) {
  const smi = spawnSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total,pci.bus_id,clocks.max.sm,power.limit', '--format=csv,noheader'], { encoding: 'utf8', timeout: 20_000 });
  let nvidia = null;
  if (smi.status === 0) {
    const [name, driver, memory, bus, maxSmClock, powerLimit] = smi.stdout.trim().split('\n')[0].split(',').map((s) => s.trim());
    const plain = spawnSync('nvidia-smi', [], { encoding: 'utf8', timeout: 20_000 });
    nvidia = { name, driver, memory, bus, maxSmClock, powerLimit, cuda: /CUDA Version:\s*([\d.]+)/.exec(plain.stdout ?? '')?.[1] ?? null };
  }
  const doctorRun = spawnSync(process.execPath, [cli, 'doctor', '--json'], { encoding: 'utf8', timeout: 120_000 });
  const doctor = doctorRun.status === 0 ? lastJson(doctorRun.stdout) : null;
  let torch = null;
  if (withTorch) {
    const probe = spawnSync(python, ['-c', [
      'import json, torch',
      'try:\n import transformers; tv = transformers.__version__\nexcept Exception as e:\n tv = None',
      'ok = torch.cuda.is_available()',
      'print(json.dumps({"torch": torch.__version__, "cuda": torch.version.cuda, "available": ok, "device": torch.cuda.get_device_name() if ok else None, "capability": list(torch.cuda.get_device_capability()) if ok else None, "transformers": tv}))',
    ].join('\n')], { encoding: 'utf8', timeout: 120_000 });
    torch = probe.status === 0 ? lastJson(probe.stdout) : { available: false, error: (probe.stderr ?? '').slice(-500) };
  }
  const preferred = doctor?.facts?.webgpu?.preferred ?? null;
  return {
    nvidia,
    webgpuAdapter: preferred === null ? null : { description: preferred.description, vendor: preferred.vendor, architecture: preferred.architecture, device: preferred.device, isFallbackAdapter: preferred.isFallbackAdapter, shaderF16: preferred.shaderF16, limits: preferred.limits },
    webgpuAdapters: (doctor?.facts?.webgpu?.adapters ?? []).map((a) => ({ backend: a.backend, name: a.name })),
    onnx: doctor?.facts?.onnx ?? null,
    vulkan: doctor?.facts?.vulkan ? { loader: doctor.facts.vulkan.loader, icds: (doctor.facts.vulkan.icds ?? []).map((i) => i.path), override: doctor.facts.vulkan.override ?? null } : null,
    nvidiaDriver: doctor?.facts?.nvidiaDriver ?? null,
    doctorStatus: doctor?.status ?? null,
    torch,
    env: Object.fromEntries(['VK_DRIVER_FILES', 'VK_ICD_FILENAMES', 'LD_LIBRARY_PATH'].map((name) => [name, process.env[name] ?? null])),
  };
}

// ---------------------------------------------------------------------------------------------
// Phase: select.

async function ensureSelectInput(work, name, { n, d }, threads, notes) {
  const path = join(work, `select-${name}.npy`);
  const seed = createHash('sha1').update(`tidepool-select-${name}`).digest().readUInt32LE(0);
  if (isCompleteNpy(path, n, d)) return { path, seed, generation: null };
  const begin = performance.now();
  let method = 'serial';
  if (d % 2 === 0 && threads > 1 && (await parallelGeneratorMatches(work))) {
    method = `${threads} worker threads`;
    log(`generating ${count(n)} x ${d} Gaussian mixture (${method}) -> ${path}`);
    await writeMixtureParallel(path, { n, d, seed, threads });
  } else {
    if (d % 2 === 0 && threads > 1) notes.push('the parallel generator did not reproduce writeGaussianMixtureNpy here: generated serially');
    log(`generating ${count(n)} x ${d} Gaussian mixture (serial) -> ${path}`);
    writeGaussianMixtureNpy(path, { n, d, ...MIXTURE, seed });
  }
  return { path, seed, generation: { seconds: (performance.now() - begin) / 1000, method } };
}

/** CPU-backend picks of bench/select.mjs for this workload (same input, k, first row), when carried. */
function cpuReference(referenceDir, name, k) {
  const manifestPath = join(referenceDir, `select-${name}-cpu-manifest.json`);
  const coresetPath = join(referenceDir, `select-${name}-cpu-coreset.arrow`);
  if (!existsSync(manifestPath) || !existsSync(coresetPath)) return null;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const p = manifest.parameters ?? {};
  if (p.k !== k || p.first !== 0 || p.precision !== 'fp32' || p.backend !== 'cpu') return null;
  return { picks: coresetPicks(coresetPath), sha256: manifest.inputs?.[0]?.sha256 ?? null, radius: manifest.counts?.radius ?? null, seconds: manifest.counts?.seconds ?? null, threads: p.threads ?? null, createdAt: manifest.createdAt ?? null };
}

async function selectPhase(options, save) {
  const name = options.workload;
  const workload = { ...WORKLOADS[name], ...(options.k ? { k: options.k } : {}) };
  const notes = [];
  const phase = { workload: { name, ...workload, ...MIXTURE, rows: 'unit-normalised float32', first: 0 }, input: null, contenders: [], agreement: [], reference: null, notes };
  save(phase);
  const input = await ensureSelectInput(options.work, name, workload, options.genThreads, notes);
  phase.input = { path: input.path, bytes: statSync(input.path).size, seed: input.seed, generation: input.generation, sha256: null };
  log(`select ${name}: ${count(workload.n)} x ${workload.d}, k = ${count(workload.k)}; input ready`);
  const reference = cpuReference(options.reference, name, workload.k);

  const picksOf = new Map();
  const record = (contender, picks) => {
    if (contender.skipped) log(`${contender.label}: skipped (${contender.skipped})`);
    phase.contenders.push(contender);
    if (picks) picksOf.set(contender.id, picks);
    save(phase);
  };

  const tidepool = async (backend, precision) => {
    const id = `tidepool-${backend}-${precision}`;
    const label = `tidepool select --backend ${backend}${precision === 'fp16' ? ' --precision fp16' : ''}`;
    const limit = Math.min(options.runTimeout, remainingSeconds() - 20);
    if (limit < 15) return record({ id, label, kind: 'tidepool', backend, precision, skipped: 'budget' });
    const out = join(options.work, `select-${name}-${backend}-${precision}`);
    rmSync(out, { recursive: true, force: true }); // a finished output folder would be resumed
    log(`${label} ...`);
    const run = await timedRun(process.execPath, [cli, 'select', '--embeddings', input.path, '--k', String(workload.k), '--out', out, '--first', '0', '--json', '--backend', backend, '--precision', precision], { timeoutSeconds: limit });
    const summary = run.status === 0 ? lastJson(run.stdout) : null;
    if (summary === null) {
      log(`  FAILED (status ${run.status}${run.timedOut ? `, killed after ${limit.toFixed(0)} s` : ''})`);
      return record({ id, label, kind: 'tidepool', backend, precision, failed: run.timedOut ? `timed out after ${limit.toFixed(0)} s` : `exit ${run.status}`, stderrTail: run.stderrTail });
    }
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    phase.input.sha256 ??= manifest.inputs?.[0]?.sha256 ?? null;
    const { picks: inline, ...rest } = summary;
    const picks = inline ?? coresetPicks(join(out, 'coreset.arrow'));
    log(`  ${run.seconds.toFixed(1)} s wall, ${summary.seconds.toFixed(1)} s inner, ${summary.passes} passes, radius ${summary.radius.toFixed(6)}, peak GPU ${run.peakGpuMiB ?? '?'} MiB`);
    return record({
      id, label, kind: 'tidepool', backend, precision, seconds: run.seconds, innerSeconds: summary.seconds, extrapolated: false, picksRun: picks.length,
      radius: summary.radius, passes: summary.passes, poolSize: summary.poolSize, randomBaselineRadius: summary.randomBaselineRadius,
      peakRssMiB: run.peakRssMiB, peakGpuMiB: run.peakGpuMiB, summary: rest,
      picksDigest: createHash('sha1').update(picks.join(',')).digest('hex').slice(0, 16),
    }, picks);
  };

  const torch = async (precision, form) => {
    const id = `torch-${form}-${precision}`;
    const label = `PyTorch naive greedy, ${form} form, ${precision}`;
    const room = remainingSeconds() - 30;
    const maxSeconds = Math.min(options.torchMaxSeconds, room - 90);
    if (room - 90 < 5) return record({ id, label, kind: 'torch', precision, form, skipped: 'budget' });
    const picksPath = join(options.work, `select-${name}-${id}.json`);
    rmSync(picksPath, { force: true });
    log(`${label} (loop time box ${maxSeconds.toFixed(0)} s) ...`);
    const run = await timedRun(options.python, [join(root, 'bench', 'peers', 'torch_greedy.py'), '--npy', input.path, '--k', String(workload.k), '--first', '0', '--precision', precision, '--form', form, '--max-seconds', String(maxSeconds), '--out', picksPath], { timeoutSeconds: Math.min(room, maxSeconds + 240), env: { ...process.env, PYTHONUNBUFFERED: '1' } });
    if (run.status !== 0 || !existsSync(picksPath)) {
      log(`  FAILED (status ${run.status}${run.timedOut ? ', killed' : ''})`);
      return record({ id, label, kind: 'torch', precision, form, failed: run.timedOut ? 'timed out' : `exit ${run.status}`, stderrTail: run.stderrTail });
    }
    const { picks, ...summary } = JSON.parse(readFileSync(picksPath, 'utf8'));
    const extrapolated = summary.picksRun < summary.k;
    // Charged like bench/select.mjs's extrapolated peers: measured wall time plus the picks not run at the measured per-pick cost.
    const seconds = run.seconds + (summary.extrapolatedSeconds - summary.seconds);
    log(`  ${summary.picksRun} picks in ${summary.seconds.toFixed(1)} s (${(summary.secondsPerPick * 1000).toFixed(2)} ms/pick), load ${summary.loadSeconds.toFixed(1)} s${extrapolated ? `, extrapolated to ${seconds.toFixed(1)} s wall` : ''}`);
    return record({
      id, label, kind: 'torch', precision, form, arithmetic: summary.arithmetic, seconds, measuredSeconds: run.seconds, innerSeconds: summary.loadSeconds + summary.extrapolatedSeconds,
      loopSeconds: summary.seconds, secondsPerPick: summary.secondsPerPick, loadSeconds: summary.loadSeconds, warmupSeconds: summary.warmupSeconds,
      extrapolated, picksRun: summary.picksRun, radius: summary.radius, peakRssMiB: run.peakRssMiB, peakGpuMiB: summary.peakGpuMiB, peakGpuMiBNvidiaSmi: run.peakGpuMiB, summary,
    }, picks);
  };

  for (const precision of options.precisions) await tidepool('webgpu', precision);
  if (options.torch) for (const form of options.torchForms) for (const precision of options.precisions) await torch(precision, form);
  const runCpu = options.tidepoolCpu === 'yes' || (options.tidepoolCpu === 'auto' && reference === null);
  if (runCpu) await tidepool('cpu', 'fp32');

  // Agreement under the near-tie rule.
  const sha = phase.input.sha256;
  if (reference !== null) {
    const sameInput = sha !== null && reference.sha256 === sha;
    phase.reference = { source: `bench/select.mjs CPU backend run of ${reference.createdAt ?? '?'} (${reference.threads ?? '?'} threads)`, sameInput, radius: reference.radius, seconds: reference.seconds };
    if (sameInput) picksOf.set('cpu-reference', reference.picks);
    else notes.push(`the carried CPU reference was made from another matrix (sha256 ${reference.sha256} vs ${sha}): not compared`);
  }
  const compare = (aId, bId, half) => {
    if (!picksOf.has(aId) || !picksOf.has(bId)) return;
    const result = agreementOf(input.path, workload.d, picksOf.get(aId), picksOf.get(bId), { half });
    phase.agreement.push({ a: aId, b: bId, onHalfValues: half, ...result });
    log(`picks ${aId} vs ${bId}: ${result.text}`);
  };
  compare('tidepool-webgpu-fp32', picksOf.has('cpu-reference') ? 'cpu-reference' : 'tidepool-cpu-fp32', false);
  for (const form of options.torchForms) {
    compare('tidepool-webgpu-fp32', `torch-${form}-fp32`, false);
    compare('tidepool-webgpu-fp16', `torch-${form}-fp16`, true);
  }
  save(phase);
  return phase;
}

// ---------------------------------------------------------------------------------------------
// Phase: embed.

async function embedPhase(options, save, facts) {
  const { MINI_BERT_CONFIG, writeNativeModel } = await import(join(root, 'dist', 'devkit', 'native-model', 'index.js'));
  const { TextTokenizer, loadModelFolder } = await import(join(root, 'dist', 'embedders', 'onnx', 'index.js'));
  const { DEFAULT_TEXT_TEMPLATE, compileTemplate } = await import(join(root, 'dist', 'store', 'pairs-template.js'));
  const { openPairs, readTextWindows } = await import(join(root, 'dist', 'store', 'pairs-input.js'));
  const MODELS = {
    mini: { label: 'tidepool-mini-bert (smoke tests)', config: MINI_BERT_CONFIG, rows: options.rowsMini },
    minilm: { label: 'MiniLM-L6 shape', config: { ...MINI_BERT_CONFIG, hiddenSize: 384, numHiddenLayers: 6, numAttentionHeads: 12, intermediateSize: 1536 }, rows: options.rowsMinilm },
    large: { label: 'roberta-large shape', config: { ...MINI_BERT_CONFIG, hiddenSize: 1024, numHiddenLayers: 24, numAttentionHeads: 16, intermediateSize: 4096 }, rows: options.rowsLarge },
  };
  const notes = [];
  const phase = { input: { generator: `tidepool sample --seed ${SAMPLE_SEED} --duplicate-rate 0 --near-duplicate-rate 0, then tidepool ingest`, text: DEFAULT_TEXT_TEMPLATE }, models: [], notes };
  save(phase);
  const cudaAvailable = facts.onnx?.available?.includes('cuda') ?? false;

  for (const id of options.models) {
    const spec = MODELS[id];
    const entry = { id, label: spec.label, config: spec.config, rows: spec.rows, contenders: [], agreement: [] };
    phase.models.push(entry);
    if (remainingSeconds() < 60) {
      entry.skipped = 'budget';
      save(phase);
      continue;
    }
    // Data: sampled pairs, ingested once per row count.
    const data = join(options.work, `embed-${spec.rows}-data`);
    if (!existsSync(join(data, 'pairs.arrow'))) {
      log(`sampling and ingesting ${count(spec.rows)} rows -> ${data}`);
      const jsonl = join(options.work, `embed-${spec.rows}.jsonl`);
      rmSync(data, { recursive: true, force: true });
      for (const args of [['sample', '--rows', String(spec.rows), '--out', jsonl, '--seed', String(SAMPLE_SEED), '--duplicate-rate', '0', '--near-duplicate-rate', '0', '-q'], ['ingest', jsonl, '--out', data, '-q']]) {
        const run = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        if (run.status !== 0) throw new Error(`tidepool ${args[0]} failed:\n${run.stderr.slice(-2000)}`);
      }
      rmSync(jsonl, { force: true });
    }
    // Model folder (random weights; rebuilt only when the config changed).
    const modelDir = join(options.work, 'models', id);
    const stamp = join(modelDir, '.config.json');
    if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== JSON.stringify(spec.config)) {
      log(`building the ${spec.label} model (${spec.config.numHiddenLayers} layers, hidden ${spec.config.hiddenSize}) -> ${modelDir}`);
      rmSync(modelDir, { recursive: true, force: true });
      await writeNativeModel(modelDir, spec.config);
      writeFileSync(stamp, JSON.stringify(spec.config));
    }
    // The token ids tidepool feeds the model, for the torch peer.
    const folder = await loadModelFolder(modelDir);
    const tokenizer = TextTokenizer.create(JSON.parse(folder.tokenizerJson), JSON.parse(folder.tokenizerConfigJson), folder.maxLength, join(modelDir, 'tokenizer.json'));
    const template = compileTemplate(DEFAULT_TEXT_TEMPLATE);
    const pairs = await openPairs(data, template);
    const ids = [];
    const lengths = [];
    let truncated = 0;
    for await (const window of readTextWindows(pairs, template, 8192)) {
      for (const text of window.texts) {
        const encoded = tokenizer.encode(text);
        lengths.push(encoded.ids.length);
        for (const token of encoded.ids) ids.push(token);
        if (encoded.truncated) truncated += 1;
      }
    }
    const idsPath = join(options.work, `embed-${id}-${spec.rows}-ids.npy`);
    const lengthsPath = join(options.work, `embed-${id}-${spec.rows}-lengths.npy`);
    writeFileSync(idsPath, Buffer.concat([npyHeaderOf('<i4', [ids.length]), Buffer.from(Int32Array.from(ids).buffer)]));
    writeFileSync(lengthsPath, Buffer.concat([npyHeaderOf('<i4', [lengths.length]), Buffer.from(Int32Array.from(lengths).buffer)]));
    Object.assign(entry, { rows: lengths.length, tokens: ids.length, truncated, maxLength: folder.maxLength, dim: folder.hiddenSize, meanTokensPerRow: ids.length / lengths.length });
    log(`embed ${spec.label}: ${count(lengths.length)} rows, ${count(ids.length)} tokens (${truncated} truncated at ${folder.maxLength})`);
    save(phase);

    const vectorsOf = new Map();
    for (const device of options.embedDevices) {
      const cid = `tidepool-${device}`;
      let label = `tidepool embed --device ${device}${options.embedThreads ? ` --threads ${options.embedThreads}` : ''}`;
      if (device === 'cuda' && !cudaAvailable) {
        entry.contenders.push({ id: cid, label, kind: 'tidepool', device, skipped: 'onnxruntime-node has no CUDA provider here (tidepool doctor)' });
        continue;
      }
      const out = join(options.work, `embed-${id}-${device}-out`);
      const attempt = async (threads) => {
        const limit = Math.min(options.runTimeout, remainingSeconds() - 20);
        if (limit < 20) return { skipped: 'budget' };
        rmSync(out, { recursive: true, force: true }); // a finished OUT would be resumed
        log(`${label} (${spec.label}) ...`);
        const run = await timedRun(process.execPath, [cli, 'embed', '--data', data, '--model', modelDir, '--out', out, '--device', device, '--json', ...(threads ? ['--threads', String(threads)] : [])], { timeoutSeconds: limit });
        return { run, limit, summary: run.status === 0 ? lastJson(run.stdout) : null };
      };
      let outcome = await attempt(options.embedThreads);
      // Seen on SwiftShader: two or more workers, each with its own onnxruntime WebGPU session, crash the process (SIGSEGV).
      const crashed = (o) => o.run && (o.run.signal === 'SIGSEGV' || o.run.status === 139 || /terminated by signal 11/.test(o.run.stderrTail));
      if (crashed(outcome) && options.embedThreads === null) {
        notes.push(`${spec.label}: \`${label}\` crashed (SIGSEGV) with its default worker count, min(cores, 4); retried with --threads 1`);
        log('  crashed (SIGSEGV) with the default workers: retrying with --threads 1');
        label = `${label} --threads 1`;
        outcome = await attempt(1);
      }
      if (outcome.skipped) {
        entry.contenders.push({ id: cid, label, kind: 'tidepool', device, skipped: outcome.skipped });
        save(phase);
        continue;
      }
      const { run, limit, summary } = outcome;
      if (summary === null) {
        log(`  FAILED (status ${run.status}${run.timedOut ? `, killed after ${limit.toFixed(0)} s` : ''})`);
        entry.contenders.push({ id: cid, label, kind: 'tidepool', device, failed: run.timedOut ? `timed out after ${limit.toFixed(0)} s` : crashed(outcome) ? 'crashed (SIGSEGV)' : `exit ${run.status}`, stderrTail: run.stderrTail });
        save(phase);
        continue;
      }
      log(`  ${run.seconds.toFixed(1)} s wall, ${Math.round(summary.rowsPerSecond)} rows/s while embedding, peak GPU ${run.peakGpuMiB ?? '?'} MiB`);
      entry.contenders.push({
        id: cid, label, kind: 'tidepool', device, seconds: run.seconds, rows: summary.rows, rowsPerSecond: summary.rows / run.seconds, tokensPerSecond: summary.tokens / run.seconds,
        innerRowsPerSecond: summary.rowsPerSecond, innerTokensPerSecond: summary.tokensPerSecond, tokens: summary.tokens, paddingFraction: summary.paddingFraction,
        peakRssMiB: run.peakRssMiB, peakGpuMiB: run.peakGpuMiB, summary,
      });
      const table = tableFromIPC(readFileSync(join(out, 'embeddings.arrow')));
      const column = table.getChild('embedding');
      vectorsOf.set(cid, Array.from({ length: Math.min(options.check, table.numRows) }, (_, i) => Float32Array.from(column.get(i).toArray())));
      save(phase);
    }
    if (options.torch) {
      for (const precision of options.torchEmbedPrecisions) {
        const cid = `torch-${precision}`;
        const label = `transformers BertModel ${precision} (SDPA)`;
        const room = remainingSeconds() - 20;
        if (room < 40) {
          entry.contenders.push({ id: cid, label, kind: 'torch', precision, skipped: 'budget' });
          continue;
        }
        const checkPath = join(options.work, `embed-${id}-${cid}-check.npy`);
        rmSync(checkPath, { force: true });
        log(`${label} (${spec.label}) ...`);
        const run = await timedRun(options.python, [join(root, 'bench', 'peers', 'torch_embed.py'), '--model-dir', modelDir, '--ids', idsPath, '--lengths', lengthsPath, '--precision', precision, '--onnx', folder.onnxPath, '--check', String(options.check), '--check-out', checkPath, '--max-seconds', String(Math.max(10, Math.min(options.torchMaxSeconds, room - 60)))], { timeoutSeconds: room, env: { ...process.env, PYTHONUNBUFFERED: '1' } });
        const summary = run.status === 0 ? lastJson(run.stdout) : null;
        if (summary === null) {
          log(`  FAILED (status ${run.status}${run.timedOut ? ', killed' : ''})`);
          entry.contenders.push({ id: cid, label, kind: 'torch', precision, failed: run.timedOut ? 'timed out' : `exit ${run.status}`, stderrTail: run.stderrTail });
          save(phase);
          continue;
        }
        log(`  ${Math.round(summary.rowsPerSecond)} rows/s (${summary.rows} rows in ${summary.seconds.toFixed(2)} s), build ${summary.buildSeconds.toFixed(1)} s, ${summary.weights.note}`);
        // Wall: the whole process, charged for rows a time box left out at the measured rate.
        const missing = summary.rowsTotal - summary.rows;
        const seconds = run.seconds + missing / summary.rowsPerSecond;
        entry.contenders.push({
          id: cid, label, kind: 'torch', precision, seconds, measuredSeconds: run.seconds, extrapolated: missing > 0, rows: summary.rowsTotal, rowsPerSecond: summary.rowsTotal / seconds,
          tokensPerSecond: summary.tokensTotal / seconds, innerRowsPerSecond: summary.rowsPerSecond, innerTokensPerSecond: summary.tokensPerSecond, tokens: summary.tokensTotal,
          paddingFraction: summary.paddingFraction, peakRssMiB: run.peakRssMiB, peakGpuMiB: summary.peakGpuMiB, peakGpuMiBNvidiaSmi: run.peakGpuMiB, summary,
        });
        if (existsSync(checkPath)) {
          const { shape, data: values } = readNpy(checkPath);
          vectorsOf.set(cid, Array.from({ length: shape[0] }, (_, i) => values.subarray(i * shape[1], (i + 1) * shape[1])));
        }
        save(phase);
      }
    }
    // Vectors: tidepool's against the peer's on the first rows (the peer loaded the ONNX weights).
    for (const a of [...vectorsOf.keys()].filter((key) => key.startsWith('tidepool-'))) {
      for (const b of [...vectorsOf.keys()].filter((key) => key.startsWith('torch-'))) {
        const va = vectorsOf.get(a);
        const vb = vectorsOf.get(b);
        let maxAbs = 0;
        let minCosine = 1;
        let rows = 0;
        for (let i = 0; i < Math.min(va.length, vb.length); i++) {
          if (Number.isNaN(vb[i][0])) continue; // the peer's time box left this row out
          let dot = 0;
          for (let j = 0; j < va[i].length; j++) {
            maxAbs = Math.max(maxAbs, Math.abs(va[i][j] - vb[i][j]));
            dot += va[i][j] * vb[i][j];
          }
          minCosine = Math.min(minCosine, dot);
          rows += 1;
        }
        entry.agreement.push({ a, b, rows, maxAbs, minCosine });
        log(`vectors ${a} vs ${b}: max |diff| ${maxAbs.toExponential(2)}, min cosine ${minCosine.toFixed(6)} over ${rows} rows`);
      }
    }
    const ours = entry.contenders.find((c) => c.kind === 'tidepool' && c.summary);
    if (ours && ours.tokens !== entry.tokens) notes.push(`${spec.label}: tidepool counted ${ours.tokens} tokens, the ids given to the peer hold ${entry.tokens}`);
    save(phase);
  }
  return phase;
}

// ---------------------------------------------------------------------------------------------
// Report.

function render(result) {
  const f = result.facts;
  const md = ['# GPU benchmark', ''];
  const gpu = f.nvidia ? `${f.nvidia.name} (${f.nvidia.memory}, driver ${f.nvidia.driver}, CUDA ${f.nvidia.cuda ?? '?'}, max SM clock ${f.nvidia.maxSmClock}, power limit ${f.nvidia.powerLimit})` : 'no NVIDIA GPU (nvidia-smi not found)';
  const adapter = f.webgpuAdapter ? `${f.webgpuAdapter.description} (${f.webgpuAdapter.vendor}/${f.webgpuAdapter.architecture}, shader-f16 ${f.webgpuAdapter.shaderF16 ? 'yes' : 'no'}${f.webgpuAdapter.isFallbackAdapter ? ', a SOFTWARE fallback adapter: no speed claim holds' : ''})` : 'none found';
  md.push(`${result.date.slice(0, 10)} on ${gpu}; host ${result.machine.cpu}, ${result.machine.cores} cores, ${result.machine.memoryGiB} GiB, Node ${result.machine.node}.`);
  md.push(`WebGPU adapter (tidepool doctor): ${adapter}; Vulkan loader ${f.vulkan?.loader ?? '?'}, ICDs ${(f.vulkan?.icds ?? []).join(', ') || '—'}. onnxruntime-node ${f.onnx?.version ?? '?'} providers: ${(f.onnx?.available ?? []).join(', ') || '—'}.`);
  md.push(f.torch?.available ? `Peers: PyTorch ${f.torch.torch} (CUDA ${f.torch.cuda}) on ${f.torch.device}, transformers ${f.torch.transformers ?? '—'}.` : 'Peers: PyTorch not run.');
  md.push('One run of each contender, run one after another (never two at once). "wall s" is the whole process (start to exit: reading and hashing the input, GPU set-up included); peak GPU MiB is what nvidia-smi saw in use over the run (polled every second) above what was in use before it.', '');
  const s = result.select;
  if (s) {
    const w = s.workload;
    md.push(`## Select ${w.name}: ${count(w.n)} x ${w.d}, k = ${count(w.k)}`, '');
    md.push(`Input: seeded mixture of ${w.clusters} Gaussian clusters, unit-length float32 rows (bench/select.mjs's generator, seed ${s.input?.seed ?? '?'}${SELECT_MJS_WORKLOADS.has(w.name) ? ': the same matrix as bench/select.mjs\'s ' + w.name : ''}${s.input?.sha256 ? `, sha256 ${s.input.sha256.slice(0, 16)}…` : ''})${s.input?.generation ? `, generated here in ${s.input.generation.seconds.toFixed(1)} s (${s.input.generation.method})` : ''}. First center row 0.`);
    md.push('tidepool: `tidepool select --embeddings X.npy --k K --first 0 --backend webgpu [--precision fp16]` (the random-subset baseline radius included); "inner s" is its own `seconds`. PyTorch: bench/peers/torch_greedy.py, one full pass per pick; "inner s" is its load onto the GPU plus the loop; a time-boxed loop is extrapolated linearly to k (marked), its wall s charged for the picks not run. "x" is the PyTorch contender\'s seconds over tidepool\'s at the same precision (wall / inner).', '');
    md.push('| contender | precision | wall s | inner s | picks run | ms/pick | passes | radius | peak GPU MiB | peak RSS MiB | x wall | x inner |');
    md.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const c of s.contenders) {
      if (c.skipped || c.failed) {
        md.push(`| ${c.label} | ${c.precision} | ${c.skipped ? `skipped (${c.skipped})` : `FAILED (${c.failed})`} | | | | | | | | | |`);
        continue;
      }
      const ours = s.contenders.find((t) => t.kind === 'tidepool' && t.backend === 'webgpu' && t.precision === c.precision && t.seconds);
      const x = (a, b) => (c.kind === 'torch' && ours && a && b ? ratio(a / b) : '—');
      md.push(`| ${c.label} | ${c.precision} | ${fixed(c.seconds)}${c.extrapolated ? ' (extrap.)' : ''} | ${fixed(c.innerSeconds)} | ${count(c.picksRun)} | ${c.secondsPerPick ? (c.secondsPerPick * 1000).toFixed(2) : '—'} | ${c.passes ?? '—'} | ${c.radius === null || c.radius === undefined ? '—' : c.radius.toFixed(6)} | ${c.peakGpuMiB ?? '—'} | ${c.peakRssMiB ?? '—'} | ${x(c.seconds, ours?.seconds)} | ${x(c.innerSeconds, ours?.innerSeconds)} |`);
    }
    md.push('');
    const fp32 = s.contenders.find((c) => c.id === 'tidepool-webgpu-fp32' && c.seconds);
    if (fp32 && TARGET_SECONDS[w.name]) md.push(`Target (issue 6): \`tidepool select --backend webgpu\` on ${w.name} end to end under ${TARGET_SECONDS[w.name]} s: ${fp32.seconds.toFixed(1)} s wall, ${fp32.seconds < TARGET_SECONDS[w.name] ? 'met' : 'NOT met'}.`, '');
    if (s.reference) md.push(`CPU reference: ${s.reference.source}, radius ${s.reference.radius?.toFixed(6) ?? '?'}, ${s.reference.seconds?.toFixed(1) ?? '?'} s on the machine of bench/results/select-${w.name}.md${s.reference.sameInput ? '' : ' (another input: not compared)'}.`, '');
    md.push(`Picks (near-tie rule of the CPU benchmark: where two pick lists first differ, both candidates' float64 min-distances to the common earlier picks must agree within ${NEAR_TIE.toExponential(0)} relative; fp16 lists are judged on the float16-rounded values):`, '');
    for (const a of s.agreement) md.push(`- ${a.a} vs ${a.b}: ${a.text}.`);
    for (const c of s.contenders.filter((t) => t.arithmetic)) md.push(`- ${c.label}: ${c.arithmetic}.`);
    md.push('');
    for (const note of s.notes) md.push(`Note: ${note}`, '');
  }
  const e = result.embed;
  if (e) {
    md.push('## Embed', '');
    md.push(`Input: ${e.input.generator}; text \`${e.input.text}\`. Models: BERT architecture built by writeNativeModel with random weights and the native WordPiece tokenizer (vocabulary 4,096), maximum length 256. tidepool: \`tidepool embed --device D\` (its defaults: workers = min(cores, 4), 16,384 batch tokens on a GPU, fp32 ONNX model). PyTorch: bench/peers/torch_embed.py, transformers BertModel from the folder's config.json with the ONNX model's weights, SDPA attention, rows sorted by length and cut at 16,384 batch tokens, on the same token ids; "inner" excludes building the model and padding the batches (tidepool's inner rows/s is its own \`rowsPerSecond\`, tokenizing included). "x" is tidepool's rows/s over the contender's (wall / inner).`, '');
    md.push('| model | contender | rows | wall s | rows/s | tokens/s | inner rows/s | inner tokens/s | padding | peak GPU MiB | x tidepool webgpu (wall / inner) |');
    md.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const m of e.models) {
      if (m.skipped) {
        md.push(`| ${m.label} | skipped (${m.skipped}) | | | | | | | | | |`);
        continue;
      }
      const ours = m.contenders.find((c) => c.id === 'tidepool-webgpu' && c.seconds);
      for (const c of m.contenders) {
        if (c.skipped || c.failed) {
          md.push(`| ${m.label} | ${c.label} | ${c.skipped ? `skipped (${c.skipped})` : `FAILED (${c.failed})`} | | | | | | | | |`);
          continue;
        }
        const x = ours && c !== ours ? `${ratio(ours.rowsPerSecond / c.rowsPerSecond)} / ${ratio(ours.innerRowsPerSecond / c.innerRowsPerSecond)}` : '—';
        md.push(`| ${m.label} | ${c.label} | ${count(c.rows)} | ${fixed(c.seconds)}${c.extrapolated ? ' (extrap.)' : ''} | ${count(c.rowsPerSecond)} | ${count(c.tokensPerSecond)} | ${count(c.innerRowsPerSecond)} | ${count(c.innerTokensPerSecond)} | ${c.paddingFraction === undefined || c.paddingFraction === null ? '—' : c.paddingFraction.toFixed(3)} | ${c.peakGpuMiB ?? '—'} | ${x} |`);
      }
    }
    md.push('');
    for (const m of e.models.filter((model) => !model.skipped)) {
      const cfg = m.config;
      md.push(`- **${m.label}** (${cfg.numHiddenLayers} layers, hidden ${cfg.hiddenSize}, ${cfg.numAttentionHeads} heads, FFN ${cfg.intermediateSize}): ${count(m.rows)} rows, ${m.meanTokensPerRow?.toFixed(1) ?? '?'} tokens/row, ${count(m.truncated ?? 0)} truncated.`);
      for (const a of m.agreement) md.push(`  Vectors ${a.a} vs ${a.b}: max |diff| ${a.maxAbs.toExponential(2)}, min cosine ${a.minCosine.toFixed(6)} over the first ${a.rows} rows.`);
    }
    md.push('');
    for (const note of e.notes) md.push(`Note: ${note}`, '');
  }
  for (const note of result.notes) md.push(`Note: ${note}`, '');
  return `${md.join('\n').trimEnd()}\n`;
}

// ---------------------------------------------------------------------------------------------

/** --combine: one gpu.json/gpu.md from the gpu.json files of several calls (later files win per phase). */
function combine(files, outDir) {
  const runs = files.map((file) => JSON.parse(readFileSync(file, 'utf8')));
  const result = { ...runs.at(-1), notes: [], select: null, embed: null, combinedFrom: runs.map((r) => ({ date: r.date, gpu: r.facts?.nvidia?.name ?? null, phases: ['select', 'embed'].filter((p) => r[p]) })) };
  for (const run of runs) {
    for (const phase of ['select', 'embed']) if (run[phase]) result[phase] = run[phase];
    for (const note of run.notes ?? []) if (!/come from an earlier run/.test(note)) result.notes.push(note);
  }
  const gpus = new Set(runs.map((r) => r.facts?.nvidia?.name ?? 'none'));
  result.notes.push(`combined from ${runs.length} runs (${runs.map((r) => r.date).join(', ')})${gpus.size > 1 ? `: on DIFFERENT devices (${[...gpus].join(', ')})` : ''}; the header describes the last`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'gpu.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(outDir, 'gpu.md'), render(result));
  process.stdout.write(render(result));
}

async function main() {
  started = performance.now();
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: join(root, 'bench', 'results') },
      work: { type: 'string', default: join(root, 'bench', 'out', 'gpu') },
      reference: { type: 'string', default: join(root, 'bench', 'out', 'device-carry', 'reference') },
      phases: { type: 'string', default: 'select,embed' },
      workload: { type: 'string', default: 'L' },
      k: { type: 'string' },
      precisions: { type: 'string', default: 'fp32,fp16' },
      'tidepool-cpu': { type: 'string', default: 'auto' },
      'no-torch': { type: 'boolean', default: false },
      'torch-forms': { type: 'string', default: 'mm,compiled,sub' },
      'torch-max-seconds': { type: 'string', default: '30' },
      python: { type: 'string', default: 'python3' },
      models: { type: 'string', default: 'minilm,large' },
      'rows-mini': { type: 'string', default: '2000' },
      'rows-minilm': { type: 'string', default: '50000' },
      'rows-large': { type: 'string', default: '4000' },
      'embed-devices': { type: 'string', default: 'webgpu,cuda' },
      'torch-embed-precisions': { type: 'string', default: 'fp16,fp32' },
      'embed-threads': { type: 'string' },
      check: { type: 'string', default: '64' },
      budget: { type: 'string', default: '570' },
      'run-timeout': { type: 'string', default: '300' },
      'gen-threads': { type: 'string', default: String(availableParallelism()) },
      merge: { type: 'string' },
      combine: { type: 'string' },
    },
  });
  if (values.combine) return combine(values.combine.split(','), resolve(values.out));
  const list = (name) => values[name].split(',').map((s) => s.trim()).filter(Boolean);
  const positive = (name) => {
    const value = Number(values[name]);
    if (!(value > 0)) throw new Error(`--${name} must be a positive number, got ${values[name]}`);
    return value;
  };
  const options = {
    work: resolve(values.work),
    reference: resolve(values.reference),
    phases: list('phases'),
    workload: values.workload,
    k: values.k === undefined ? null : positive('k'),
    precisions: list('precisions'),
    tidepoolCpu: values['tidepool-cpu'],
    torch: !values['no-torch'],
    torchForms: list('torch-forms'),
    torchMaxSeconds: positive('torch-max-seconds'),
    python: values.python,
    models: list('models'),
    rowsMini: positive('rows-mini'),
    rowsMinilm: positive('rows-minilm'),
    rowsLarge: positive('rows-large'),
    embedDevices: list('embed-devices'),
    torchEmbedPrecisions: list('torch-embed-precisions'),
    embedThreads: values['embed-threads'] === undefined ? null : positive('embed-threads'),
    check: positive('check'),
    runTimeout: positive('run-timeout'),
    genThreads: positive('gen-threads'),
  };
  if (!(options.workload in WORKLOADS)) throw new Error(`unknown workload ${options.workload}: choose from ${Object.keys(WORKLOADS).join(', ')}`);
  for (const p of options.phases) if (!['select', 'embed'].includes(p)) throw new Error(`unknown phase ${p}: select, embed`);
  for (const p of [...options.precisions, ...options.torchEmbedPrecisions]) if (!['fp32', 'fp16'].includes(p)) throw new Error(`unknown precision ${p}`);
  for (const f of options.torchForms) if (!['mm', 'compiled', 'sub'].includes(f)) throw new Error(`unknown torch form ${f}`);
  for (const m of options.models) if (!['mini', 'minilm', 'large'].includes(m)) throw new Error(`unknown model ${m}: minilm, large, mini`);
  if (!['auto', 'yes', 'no'].includes(options.tidepoolCpu)) throw new Error('--tidepool-cpu is auto, yes or no');
  if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) throw new Error('dist/ missing: run `npm run build` (or unpack the device carry) first');
  deadline = started + positive('budget') * 1000;
  const outDir = resolve(values.out);
  mkdirSync(outDir, { recursive: true });
  mkdirSync(options.work, { recursive: true });

  log('collecting device facts (nvidia-smi, tidepool doctor, torch) ...');
  const facts = deviceFacts(options.python, options.torch);
  const result = { benchmark: 'gpu', date: new Date().toISOString(), machine: describeMachine(), facts, options: { ...options, budget: Number(values.budget) }, notes: [], select: null, embed: null };
  log(`GPU: ${facts.nvidia ? `${facts.nvidia.name}, driver ${facts.nvidia.driver}, CUDA ${facts.nvidia.cuda}` : 'none (nvidia-smi)'}; WebGPU adapter: ${facts.webgpuAdapter ? `${facts.webgpuAdapter.description}${facts.webgpuAdapter.isFallbackAdapter ? ' (SOFTWARE fallback)' : ''}` : 'NONE'}; torch: ${facts.torch ? (facts.torch.available ? `${facts.torch.torch} on ${facts.torch.device}` : 'not usable') : 'not run'}`);
  if (facts.webgpuAdapter === null) result.notes.push('tidepool doctor found no WebGPU adapter: the tidepool GPU runs fail');
  if (options.torch && !facts.torch?.available) {
    result.notes.push(`PyTorch with CUDA is not usable here (${facts.torch?.error?.trim().split('\n').at(-1) ?? 'no CUDA device'}): torch peers skipped`);
    options.torch = false;
  }
  if (values.merge && existsSync(values.merge)) {
    const previous = JSON.parse(readFileSync(values.merge, 'utf8'));
    for (const phase of ['select', 'embed']) {
      if (options.phases.includes(phase) || !previous[phase]) continue;
      result[phase] = { ...previous[phase], previousRun: { date: previous.date, gpu: previous.facts?.nvidia?.name ?? null } };
      const before = previous.facts?.nvidia?.name ?? null;
      result.notes.push(`the ${phase} figures come from an earlier run (${previous.date}${before ? ` on ${before}` : ''})${before !== (facts.nvidia?.name ?? null) ? ' on ANOTHER device' : ''}`);
    }
  }
  const save = () => {
    writeFileSync(join(outDir, 'gpu.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(outDir, 'gpu.md'), render(result));
  };
  save();
  if (options.phases.includes('select')) {
    try {
      await selectPhase(options, (phase) => {
        result.select = phase;
        save();
      });
    } catch (error) {
      result.notes.push(`select phase failed: ${error.stack ?? error}`);
      log(`select phase FAILED: ${error.stack ?? error}`);
    }
    save();
  }
  if (options.phases.includes('embed')) {
    try {
      await embedPhase(options, (phase) => {
        result.embed = phase;
        save();
      }, facts);
    } catch (error) {
      result.notes.push(`embed phase failed: ${error.stack ?? error}`);
      log(`embed phase FAILED: ${error.stack ?? error}`);
    }
    save();
  }
  result.seconds = (performance.now() - started) / 1000;
  save();
  log(`done in ${result.seconds.toFixed(0)} s: ${join(outDir, 'gpu.json')}, gpu.md`);
  process.stdout.write(render(result));
}

if (isMainThread) await main();
else generateRows(workerData);
