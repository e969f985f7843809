/** Expands the user's inputs (files and folders) into a sorted list of readable files with their formats. */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TidepoolError } from '../errors.js';

/** Input formats ingest reads. */
export type InputFormat = 'jsonl' | 'parquet' | 'arrow';

/** One input file. */
export interface InputFile {
  path: string;
  format: InputFormat;
  bytes: number;
}

const SUFFIXES: readonly (readonly [string, InputFormat])[] = [
  ['.jsonl', 'jsonl'], ['.jsonl.gz', 'jsonl'], ['.ndjson', 'jsonl'], ['.ndjson.gz', 'jsonl'],
  ['.parquet', 'parquet'], ['.arrow', 'arrow'], ['.feather', 'arrow'], ['.ipc', 'arrow'],
];

/** Human list of supported formats, for error messages. */
export const SUPPORTED_FORMATS = '.jsonl, .jsonl.gz (also .ndjson[.gz]), .parquet, .arrow (also .feather, .ipc)';

/** Format of a file from its name, or null when unsupported. */
export function formatOf(path: string): InputFormat | null {
  const lower = path.toLowerCase();
  for (const [suffix, format] of SUFFIXES) if (lower.endsWith(suffix)) return format;
  return null;
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) await walk(full, out);
    else if (entry.isFile()) out.push(full);
  }
}

/**
 * Resolves inputs: a file must have a supported format; a folder contributes every supported file
 * below it (others are ignored), sorted by path so runs are deterministic. Duplicated paths are read once.
 */
export async function discoverInputs(inputs: readonly string[]): Promise<InputFile[]> {
  if (inputs.length === 0) {
    throw new TidepoolError('E_USAGE', `no input given. Pass one or more files or folders (${SUPPORTED_FORMATS}).`);
  }
  const files: InputFile[] = [];
  const seen = new Set<string>();
  for (const input of inputs) {
    const path = resolve(input);
    let info;
    try {
      info = await stat(path);
    } catch {
      throw new TidepoolError('E_INPUT_MISSING', `input not found: ${input}. Check the path; supported formats are ${SUPPORTED_FORMATS}.`, { path: input });
    }
    const candidates: string[] = [];
    if (info.isDirectory()) {
      const all: string[] = [];
      await walk(path, all);
      candidates.push(...all.filter((file) => formatOf(file) !== null).sort());
      if (candidates.length === 0) {
        throw new TidepoolError('E_INPUT_EMPTY', `folder ${input} holds no input files (${all.length} other files ignored). Supported formats: ${SUPPORTED_FORMATS}.`, { path: input });
      }
    } else {
      if (formatOf(path) === null) {
        throw new TidepoolError('E_FORMAT_UNKNOWN', `unknown input format: ${input}. Supported formats: ${SUPPORTED_FORMATS}. Rename the file if its content is one of these.`, { path: input });
      }
      candidates.push(path);
    }
    for (const file of candidates) {
      if (seen.has(file)) continue;
      seen.add(file);
      const format = formatOf(file)!;
      files.push({ path: file, format, bytes: (await stat(file)).size });
    }
  }
  return files;
}
