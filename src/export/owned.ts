/**
 * Which files beside an export tidepool wrote. `<out>.tidepool.json` lists every file an export wrote
 * (path relative to the list's folder, bytes, SHA-256). An export replaces an existing file only when
 * that list says tidepool wrote exactly its present content; anything else (a project's README.md, a
 * file someone edited since, an unrelated file that happens to have the name) is refused unless the
 * caller passes `force`. A rerun over its own previous outputs needs no `force`, which `tidepool run`
 * relies on when it reruns a stage.
 */
import { lstat, readFile } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { TidepoolError } from '../errors.js';
import { sha256File } from '../store/manifest.js';
import { writeFileAtomically } from '../util/atomic-file.js';
import { TOOL_VERSION } from '../version.js';

/** Suffix of the list of written files: `<out>.tidepool.json`. */
export const OWNED_SUFFIX = '.tidepool.json';

/** What marks the list as tidepool's (its `kind` field). */
const OWNED_KIND = 'tidepool-export-files';

/** One file an export wrote. */
export interface OwnedFile {
  /** Absolute path. */
  path: string;
  bytes: number;
  sha256: string;
}

/** The list of `<out>.tidepool.json`: `absent` (no such file), `foreign` (a file tidepool did not write), or the files. */
export type OwnedList = { state: 'absent' } | { state: 'foreign'; reason: string } | { state: 'listed'; files: OwnedFile[] };

/** The list's path for an export to `out`. */
export function ownedListPath(out: string): string {
  return `${out}${OWNED_SUFFIX}`;
}

function isOwnedFile(value: unknown): value is { path: string; bytes: number; sha256: string } {
  const entry = value as Partial<OwnedFile> | null;
  return typeof entry === 'object' && entry !== null && typeof entry.path === 'string' && typeof entry.bytes === 'number' && typeof entry.sha256 === 'string';
}

/** Reads the list at `path` (paths resolved from its folder). */
export async function readOwnedList(path: string): Promise<OwnedList> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    return { state: 'foreign', reason: `cannot be read (${(error as Error).message})` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { state: 'foreign', reason: 'is not JSON' };
  }
  const list = value as { kind?: unknown; files?: unknown } | null;
  if (typeof list !== 'object' || list === null || list.kind !== OWNED_KIND || !Array.isArray(list.files)) return { state: 'foreign', reason: `has no "kind": "${OWNED_KIND}"` };
  const folder = dirname(resolve(path));
  return { state: 'listed', files: list.files.filter(isOwnedFile).map((file) => ({ ...file, path: resolve(folder, file.path) })) };
}

/** Writes the list at `path` atomically (paths stored relative to its folder, so the folder can move). */
export async function writeOwnedList(path: string, files: readonly OwnedFile[]): Promise<void> {
  const folder = dirname(resolve(path));
  const entries = files.map((file) => ({ path: relative(folder, file.path).split(sep).join('/'), bytes: file.bytes, sha256: file.sha256 }));
  const text = `${JSON.stringify({ kind: OWNED_KIND, tool: { name: 'tidepool', version: TOOL_VERSION }, note: 'files written by tidepool export; it replaces only these (unchanged) without --force', files: entries }, null, 2)}\n`;
  await writeFileAtomically(path, text);
}

/** Describes a finished file that will be published under `path` (it is read from `from`, e.g. its partial). */
export async function describeOwned(path: string, from: string): Promise<OwnedFile> {
  const [info, sha256] = await Promise.all([lstat(from), sha256File(from)]);
  return { path: resolve(path), bytes: info.size, sha256 };
}

/** True when the file at `path` has exactly the content the list says tidepool wrote there. */
async function writtenByTidepool(path: string, bytes: number, listed: readonly OwnedFile[]): Promise<boolean> {
  const candidates = listed.filter((file) => file.path === resolve(path) && file.bytes === bytes);
  if (candidates.length === 0) return false;
  const sha256 = await sha256File(path);
  return candidates.some((file) => file.sha256 === sha256);
}

/**
 * Checks that every existing file among `targets` was written by tidepool (per `list`), and the list
 * file itself is tidepool's.
 * @returns the files the list names (what a new list keeps until the new files are in place).
 * @throws TidepoolError `E_OUTPUT` naming every file tidepool did not write, unless `force`.
 */
export async function claimOutputs(targets: readonly string[], listPath: string, force: boolean): Promise<OwnedFile[]> {
  const list = await readOwnedList(listPath);
  const listed = list.state === 'listed' ? list.files : [];
  if (force) return listed;
  const foreign: string[] = [];
  if (list.state === 'foreign') foreign.push(`${listPath} (${list.reason})`);
  for (const target of new Set(targets.map((path) => resolve(path)))) {
    let info;
    try {
      info = await lstat(target);
    } catch {
      continue;
    }
    if (!info.isFile()) foreign.push(`${target} (${info.isDirectory() ? 'a folder' : 'not a regular file'})`);
    else if (!(await writtenByTidepool(target, info.size, listed))) foreign.push(`${target} (${list.state === 'listed' ? 'not written by tidepool, or changed since' : `not listed: no ${listPath}`})`);
  }
  if (foreign.length > 0) {
    throw new TidepoolError(
      'E_OUTPUT',
      `export would replace ${foreign.length === 1 ? 'a file' : 'files'} that tidepool did not write:\n  - ${foreign.join('\n  - ')}\n` +
        'Choose another --out (or --card), move the file(s) away, or pass --force to replace them.',
      { paths: foreign },
    );
  }
  return listed;
}
