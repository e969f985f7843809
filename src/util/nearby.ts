/** What a "not found" message can point at instead: the entries of the nearest folder that exists. */
import { readdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Describes what exists near a path that does not: the nearest existing folder above it and up to
 * `limit` of its entries (folders end in `/`), e.g. `work/ holds embed/, ingest/, select/`. Cheap: one
 * directory listing. Returns '' when nothing can be listed.
 * @param limit entries named before the rest are counted. @default 12
 */
export function describeNearby(path: string, limit = 12): string {
  let folder = dirname(path);
  // Climb to the nearest folder that exists (a typo may sit in any part of the path).
  while (!isDirectory(folder)) {
    const parent = dirname(folder);
    if (parent === folder) return '';
    folder = parent;
  }
  let names: string[];
  try {
    names = readdirSync(folder, { withFileTypes: true })
      .filter((entry) => !entry.name.startsWith('.'))
      .map((entry) => (entry.isDirectory() ? `${entry.name}/` : entry.name))
      .sort();
  } catch {
    return '';
  }
  const shown = folder === '.' ? './' : folder.endsWith('/') ? folder : `${folder}/`;
  if (names.length === 0) return `${shown} is empty`;
  const more = names.length > limit ? ` and ${names.length - limit} more` : '';
  return `${shown} holds ${names.slice(0, limit).join(', ')}${more}`;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(resolve(path)).isDirectory();
  } catch {
    return false;
  }
}
