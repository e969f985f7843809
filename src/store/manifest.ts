/**
 * `manifest.json` beside every stage output: provenance (tool and schema version, parameters,
 * inputs with checksums), row counts and timings. Written atomically (temp file + rename).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { TidepoolError } from '../errors.js';
import { SCHEMA_VERSION, TOOL_VERSION } from '../version.js';
import { writeFileAtomically } from '../util/atomic-file.js';
import type { Lineage } from './lineage.js';

/** An input file as recorded in a manifest. */
export interface ManifestFile {
  path: string;
  bytes: number;
  sha256: string;
  /** Rows it held, where known. */
  rows?: number;
}

/** The manifest every stage writes beside its outputs. */
export interface Manifest {
  schemaVersion: number;
  tool: { name: 'tidepool'; version: string };
  stage: string;
  createdAt: string;
  /** The stage's resolved parameters (never secrets). */
  parameters: Record<string, unknown>;
  inputs: ManifestFile[];
  outputs: ManifestFile[];
  /** Row counts and other tallies. */
  counts: Record<string, unknown>;
  /** Wall-clock timings in seconds. */
  timings: Record<string, number>;
  /** The upstream files (pairs, embeddings, coreset) the outputs derive from, by checksum (see lineage.ts). */
  lineage?: Lineage;
  /** Where a cluster executor ran the stage: the scheduler and its job ids (`shards`, `merge`, `job`). */
  executor?: { name: string; jobs: Record<string, string> };
}

/** The file name every stage uses. */
export const MANIFEST_FILE = 'manifest.json';

/** Builds a manifest with the tool fields filled in. */
export function newManifest(fields: Omit<Manifest, 'schemaVersion' | 'tool' | 'createdAt'>, now: Date = new Date()): Manifest {
  return { schemaVersion: SCHEMA_VERSION, tool: { name: 'tidepool', version: TOOL_VERSION }, createdAt: now.toISOString(), ...fields };
}

/** Writes `dir/manifest.json` atomically (a full disk is `E_NO_SPACE`, see {@link writeFileAtomically}). */
export async function writeManifest(dir: string, manifest: Manifest): Promise<string> {
  const path = join(dir, MANIFEST_FILE);
  await writeFileAtomically(path, `${JSON.stringify(manifest, null, 2)}\n`);
  return path;
}

/** Reads and checks `dir/manifest.json`. */
/**
 * Adds where a cluster executor ran the stage to the manifest in `dir` (its outputs and their checksums
 * are untouched); a folder without a manifest is left as it is.
 */
export async function recordExecutor(dir: string, executor: NonNullable<Manifest['executor']>): Promise<void> {
  const manifest = await readManifest(dir).catch(() => undefined);
  if (manifest === undefined) return;
  await writeManifest(dir, { ...manifest, executor });
}

export async function readManifest(dir: string): Promise<Manifest> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new TidepoolError('E_MANIFEST', `no manifest at ${path}: ${(error as Error).message}. Run the stage that writes ${dir} first.`, { path }, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TidepoolError('E_MANIFEST', `${path} is not valid JSON (${(error as Error).message}); delete ${dir} and rerun the stage`, { path }, { cause: error });
  }
  const manifest = (typeof value === 'object' && value !== null ? value : {}) as Partial<Manifest>;
  if (typeof manifest.stage !== 'string' || !Array.isArray(manifest.inputs)) {
    throw new TidepoolError('E_MANIFEST', `${path} is not a tidepool manifest (missing "stage" or "inputs")`, { path });
  }
  if (manifest.schemaVersion !== SCHEMA_VERSION) {
    throw new TidepoolError('E_MANIFEST', `${path} has schema version ${String(manifest.schemaVersion)}; this tidepool reads version ${SCHEMA_VERSION}. Rerun the stage with this version.`, { path });
  }
  return manifest as Manifest;
}

/** Streams a file through SHA-256. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The worker of {@link sha256FileInBackground} (CommonJS, evaluated: no file to locate under a TypeScript runner). */
const HASH_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const hash = createHash('sha256');
const buffer = Buffer.allocUnsafe(1 << 22);
const fd = openSync(workerData, 'r');
try {
  for (let n = readSync(fd, buffer, 0, buffer.length, null); n > 0; n = readSync(fd, buffer, 0, buffer.length, null)) hash.update(buffer.subarray(0, n));
} finally {
  closeSync(fd);
}
parentPort.postMessage(hash.digest('hex'));
`;

/** A checksum being computed on a worker thread. */
export interface BackgroundDigest {
  /** The file's SHA-256 (hex); rejects with `E_INPUT_MISSING` when the file cannot be read. */
  readonly sha256: Promise<string>;
  /** Stops the worker (when the checksum will not be needed after all); harmless once it is done. */
  cancel(): void;
}

/**
 * {@link sha256File} on a worker thread, so hashing a large input overlaps the caller's own work (the
 * caller awaits it when it writes the manifest, and cancels it on the way out).
 */
export function sha256FileInBackground(path: string): BackgroundDigest {
  const worker = new Worker(HASH_WORKER, { eval: true, workerData: path });
  const sha256 = new Promise<string>((resolve, reject) => {
    worker.once('message', (hex: string) => {
      resolve(hex);
    });
    worker.once('error', (error) => {
      reject(new TidepoolError('E_INPUT_MISSING', `cannot read ${path} to checksum it: ${error.message}`, { path }, { cause: error }));
    });
    worker.once('exit', (code) => {
      reject(new TidepoolError('E_INPUT_MISSING', `checksumming ${path} stopped before the end (worker exit ${code})`, { path }));
    });
  });
  // A failure matters only to whoever awaits the checksum.
  sha256.catch(() => undefined);
  return {
    sha256,
    cancel: () => {
      void worker.terminate();
    },
  };
}

/** Describes a file for a manifest (size and SHA-256; `sha256` when it is being computed already). */
export async function describeFile(path: string, rows?: number, sha256Digest?: Promise<string>): Promise<ManifestFile> {
  const [info, sha256] = await Promise.all([stat(path), sha256Digest ?? sha256File(path)]);
  return rows === undefined ? { path, bytes: info.size, sha256 } : { path, bytes: info.size, sha256, rows };
}
