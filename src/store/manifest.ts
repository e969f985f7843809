/**
 * `manifest.json` beside every stage output: provenance (tool and schema version, parameters,
 * inputs with checksums), row counts and timings. Written atomically (temp file + rename).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TidepoolError } from '../errors.js';
import { SCHEMA_VERSION, TOOL_VERSION } from '../version.js';

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
}

/** The file name every stage uses. */
export const MANIFEST_FILE = 'manifest.json';

/** Builds a manifest with the tool fields filled in. */
export function newManifest(fields: Omit<Manifest, 'schemaVersion' | 'tool' | 'createdAt'>, now: Date = new Date()): Manifest {
  return { schemaVersion: SCHEMA_VERSION, tool: { name: 'tidepool', version: TOOL_VERSION }, createdAt: now.toISOString(), ...fields };
}

/** Writes `dir/manifest.json` atomically. */
export async function writeManifest(dir: string, manifest: Manifest): Promise<string> {
  const path = join(dir, MANIFEST_FILE);
  await writeFile(`${path}.partial`, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(`${path}.partial`, path);
  return path;
}

/** Reads and checks `dir/manifest.json`. */
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

/** Describes a file for a manifest (size and SHA-256). */
export async function describeFile(path: string, rows?: number): Promise<ManifestFile> {
  const [info, sha256] = await Promise.all([stat(path), sha256File(path)]);
  return rows === undefined ? { path, bytes: info.size, sha256 } : { path, bytes: info.size, sha256, rows };
}
