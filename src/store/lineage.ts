/**
 * Where a stage's input came from, and whether its inputs belong together. Every manifest records, in
 * `lineage`, the checksums of the files its outputs derive from (`pairs`, `embeddings`, `coreset`); a
 * stage that reads several upstream files compares them, so a coreset selected from other embeddings,
 * or embeddings of other pairs, is refused with both runs named instead of being silently mixed.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { TidepoolError } from '../errors.js';
import { MANIFEST_FILE, readManifest, type Manifest } from './manifest.js';
import { assertNotLocked } from './output-lock.js';

/** The tables that cross stage boundaries and that lineage follows. */
export type LineageTable = 'pairs' | 'embeddings' | 'coreset';

/** One file a result derives from. */
export interface LineageRef {
  path: string;
  sha256: string;
  /** When the run that wrote it finished, where known. */
  createdAt?: string;
}

/** The files a result derives from, by table. */
export type Lineage = Partial<Record<LineageTable, LineageRef>>;

/** An upstream file as its folder's manifest describes it. */
export interface UpstreamFile {
  path: string;
  bytes: number;
  /** The manifest of the run that wrote it; null for a file from outside tidepool (no manifest beside it). */
  manifest: Manifest | null;
  sha256: string | undefined;
  rows: number | undefined;
  /** What it derives from, this file included (when its checksum is known). */
  lineage: Lineage;
}

/**
 * Reads what the manifest beside `path` says about it, refusing a file that a live run is still
 * writing, and one that differs from its manifest (size), which only a cut-off or tampered run leaves.
 * A file with no manifest beside it (from outside tidepool) comes back with `manifest: null`.
 */
export async function readUpstream(path: string, table: LineageTable): Promise<UpstreamFile> {
  const dir = dirname(path);
  if (!existsSync(path)) throw new TidepoolError('E_INPUT_MISSING', `${path} not found; check the path (it should be the output of \`tidepool ${table === 'pairs' ? 'ingest' : table === 'embeddings' ? 'embed' : 'select'}\`)`, { path });
  assertNotLocked(dir);
  const bytes = statSync(path).size;
  if (!existsSync(join(dir, MANIFEST_FILE))) return { path, bytes, manifest: null, sha256: undefined, rows: undefined, lineage: {} };
  const manifest = await readManifest(dir);
  const described = manifest.outputs.find((output) => basename(output.path) === basename(path));
  if (described === undefined) return { path, bytes, manifest: null, sha256: undefined, rows: undefined, lineage: {} };
  if (described.bytes !== bytes) {
    throw new TidepoolError('E_INPUT_MISMATCH', `${path} is not the file its manifest describes (${bytes} bytes; ${join(dir, MANIFEST_FILE)} from the ${manifest.stage} run of ${manifest.createdAt} says ${described.bytes}): it was replaced or cut off after that run. Rerun \`tidepool ${manifest.stage}\` into ${dir}.`, { path, bytes, expected: described.bytes });
  }
  const lineage: Lineage = { ...(manifest.lineage ?? {}), [table]: { path, sha256: described.sha256, createdAt: manifest.createdAt } };
  return { path, bytes, manifest, sha256: described.sha256, rows: described.rows, lineage };
}

/** The lineage of a file whose checksum was computed here (no manifest to read it from). */
export function withChecksum(upstream: UpstreamFile, table: LineageTable, sha256: string): UpstreamFile {
  return { ...upstream, sha256, lineage: { ...upstream.lineage, [table]: { path: upstream.path, sha256 } } };
}

function describeRef(ref: LineageRef): string {
  return `${ref.path} (sha256 ${ref.sha256.slice(0, 12)}…${ref.createdAt === undefined ? '' : `, written ${ref.createdAt}`})`;
}

/**
 * Throws `E_INPUT_MISMATCH` when `a` and `b` derive from different `table` files. Where either does not
 * know its `table` source (a file from outside tidepool) there is nothing to compare.
 * @param fix what to do about it, in words.
 */
export function assertSameSource(table: LineageTable, a: { label: string; lineage: Lineage }, b: { label: string; lineage: Lineage }, fix: string): void {
  const left = a.lineage[table];
  const right = b.lineage[table];
  if (left === undefined || right === undefined || left.sha256 === right.sha256) return;
  throw new TidepoolError(
    'E_INPUT_MISMATCH',
    `${a.label} and ${b.label} do not belong together: ${a.label} comes from ${describeRef(left)}, but ${b.label} comes from ${describeRef(right)}. ${fix}`,
    { table, left, right },
  );
}
