// Seeded Gaussian-mixture embedding matrices for the select benchmark, streamed to a float32 .npy.
// Every row is one cluster's center plus isotropic noise of that cluster's spread, then scaled to
// unit length, like sentence embeddings. Memory stays bounded (one chunk of rows at a time), so a
// 2,000,000 x 768 (6 GB) matrix is written without holding it.
import { closeSync, existsSync, openSync, readSync, renameSync, statSync, writeSync } from 'node:fs';

const CHUNK_BYTES = 16 * 1024 * 1024;

/**
 * sfc32: a small fast counting PRNG (period >= 2^32, ~2^127 on average); uniform in [0, 1).
 * `next.skip(count)` advances the state by `count` draws without making the floats (bench/gpu.mjs
 * starts each worker's rows there).
 */
export function sfc32(seed) {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next(); // mix the seed in
  next.skip = (count) => {
    let [A, B, C, D] = [a, b, c, d];
    for (let i = 0; i < count; i++) {
      const t = (((A + B) | 0) + D) | 0;
      D = (D + 1) | 0;
      A = B ^ (B >>> 9);
      B = (C + (C << 3)) | 0;
      C = (C << 21) | (C >>> 11);
      C = (C + t) | 0;
    }
    [a, b, c, d] = [A, B, C, D];
  };
  return next;
}

/** Standard normal deviates by Box-Muller, two per pair of uniforms. */
export function gaussian(uniform) {
  let spare = NaN;
  return () => {
    if (!Number.isNaN(spare)) {
      const value = spare;
      spare = NaN;
      return value;
    }
    const u = 1 - uniform(); // (0, 1]: log is finite
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * uniform();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

/** The NPY v1.0 header of an (n, d) little-endian float32 C-order matrix; data starts at a multiple of 64. */
export function npyHeader(n, d) {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${n}, ${d}), }`;
  const unpadded = 10 + dict.length + 1; // magic(6) + version(2) + length(2) + dict + '\n'
  const total = Math.ceil(unpadded / 64) * 64;
  const text = `${dict}${' '.repeat(total - unpadded)}\n`;
  const header = Buffer.alloc(10 + text.length);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(header, 0);
  header.writeUInt16LE(text.length, 8);
  header.write(text, 10, 'latin1');
  return header;
}

/** True when `path` is a float32 .npy of shape (n, d) with all its bytes (a cached matrix is reused). */
export function isCompleteNpy(path, n, d) {
  if (!existsSync(path)) return false;
  const expected = npyHeader(n, d);
  const fd = openSync(path, 'r');
  try {
    const found = Buffer.alloc(expected.length);
    readSync(fd, found, 0, found.length, 0);
    return found.equals(expected) && statSync(path).size === expected.length + n * d * 4;
  } finally {
    closeSync(fd);
  }
}

/**
 * The mixture's unit-length centers, cumulative weights and per-cluster noise scales: the first draws
 * of `uniform` (and of the normal stream built on it, returned for the rows that follow).
 */
export function mixtureSetup(uniform, { d, clusters, spreadMin, spreadMax }) {
  const normal = gaussian(uniform);
  const centers = new Float64Array(clusters * d);
  for (let c = 0; c < clusters; c++) {
    let norm = 0;
    for (let j = 0; j < d; j++) {
      const value = normal();
      centers[c * d + j] = value;
      norm += value * value;
    }
    norm = Math.sqrt(norm);
    for (let j = 0; j < d; j++) centers[c * d + j] /= norm;
  }
  const cumulative = new Float64Array(clusters);
  const noise = new Float64Array(clusters);
  let total = 0;
  for (let c = 0; c < clusters; c++) {
    total += 0.2 + uniform();
    cumulative[c] = total;
    noise[c] = (spreadMin + (spreadMax - spreadMin) * uniform()) / Math.sqrt(d);
  }
  return { normal, centers, cumulative, noise, total };
}

/**
 * Row maker of the mixture set up by {@link mixtureSetup} on `uniform`: `fill(out, count)` writes the
 * next `count` unit-length rows into `out` (row-major, d wide). Each row draws its cluster, then d
 * normals.
 */
export function mixtureRows(uniform, { d, clusters }, { normal, centers, cumulative, noise, total }) {
  const row = new Float64Array(d);
  return (out, count) => {
    for (let i = 0; i < count; i++) {
      const x = uniform() * total;
      let c = 0;
      while (c < clusters - 1 && cumulative[c] <= x) c++;
      const sigma = noise[c];
      let norm = 0;
      for (let j = 0; j < d; j++) {
        const value = centers[c * d + j] + sigma * normal();
        row[j] = value;
        norm += value * value;
      }
      const scale = 1 / Math.sqrt(norm);
      for (let j = 0; j < d; j++) out[i * d + j] = row[j] * scale;
    }
  };
}

/**
 * Writes an (n, d) Gaussian mixture with unit-length float32 rows to `path` (through `path.partial`,
 * renamed when complete). `clusters` centers are standard normal directions scaled to unit length;
 * cluster c has weight ~ U(0.2, 1.2) and spread s_c ~ U(spreadMin, spreadMax): its noise is
 * N(0, (s_c^2 / d) I), so the noise vector's length is about s_c. Rows draw their cluster independently.
 * @returns {{seconds: number, bytes: number}}
 */

export function writeGaussianMixtureNpy(path, { n, d, clusters = 64, spreadMin = 0.4, spreadMax = 1.2, seed = 1, onProgress = () => {} }) {
  const started = performance.now();
  const uniform = sfc32(seed);
  const fill = mixtureRows(uniform, { d, clusters }, mixtureSetup(uniform, { d, clusters, spreadMin, spreadMax }));

  const rowsPerChunk = Math.max(1, Math.floor(CHUNK_BYTES / (d * 4)));
  const chunk = new Float32Array(rowsPerChunk * d);
  const partial = `${path}.partial`;
  const fd = openSync(partial, 'w');
  try {
    writeSync(fd, npyHeader(n, d));
    for (let first = 0; first < n; first += rowsPerChunk) {
      const rows = Math.min(rowsPerChunk, n - first);
      fill(chunk, rows);
      const bytes = Buffer.from(chunk.buffer, 0, rows * d * 4);
      for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
      onProgress(first + rows, n);
    }
  } finally {
    closeSync(fd);
  }
  renameSync(partial, path);
  return { seconds: (performance.now() - started) / 1000, bytes: statSync(path).size };
}
