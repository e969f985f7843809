/**
 * Which file `tidepool export` reads, and its records one at a time: a decontam folder's `kept.jsonl`
 * (preferred), a generate folder's `instructions.jsonl`, or a `.jsonl` / `.jsonl.gz` file given directly.
 * Lines stream in blocks (bounded memory whatever the file size); every unreadable line comes out as a reject.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LOCK_FILE } from '../store/output-lock.js';
import { TidepoolError } from '../errors.js';
import { parseLine, readJsonlBlocks } from '../store/jsonl.js';
import { toExportRecord, type ExportRecord, type ExportRejectReason } from './record.js';

/** File a `tidepool decontam` folder keeps its clean records in. */
export const KEPT_FILE = 'kept.jsonl';
/** File a `tidepool generate` folder keeps its accepted records in. */
export const INSTRUCTIONS_FILE = 'instructions.jsonl';

/** The input file chosen. */
export interface ExportInput {
  file: string;
  /** Folder whose `manifest.json` describes the file. */
  dir: string;
  /** `kept` (decontam output), `instructions` (generate output) or `file` (any other file). */
  kind: 'kept' | 'instructions' | 'file';
  bytes: number;
}

const HOW = `pass the output folder of \`tidepool generate\` (holds ${INSTRUCTIONS_FILE}) or of \`tidepool decontam\` (holds ${KEPT_FILE}), or a .jsonl file of instruction records`;

function kindOf(file: string): ExportInput['kind'] {
  const name = basename(file);
  return name === KEPT_FILE ? 'kept' : name === INSTRUCTIONS_FILE ? 'instructions' : 'file';
}

async function fileSize(path: string): Promise<number | null> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : null;
  } catch {
    return null;
  }
}

/**
 * Picks the file to read from `input` (a folder or a file).
 * @throws TidepoolError `E_INPUT_MISSING` when nothing readable is there, naming what was found.
 */
export async function resolveExportInput(input: string): Promise<ExportInput> {
  let info;
  try {
    info = await stat(input);
  } catch (error) {
    throw new TidepoolError('E_INPUT_MISSING', `--input ${input} does not exist: ${HOW}`, { path: input }, { cause: error });
  }
  if (!info.isDirectory()) return { file: input, dir: dirname(input), kind: kindOf(input), bytes: info.size };
  for (const name of [KEPT_FILE, INSTRUCTIONS_FILE]) {
    const file = join(input, name);
    const bytes = await fileSize(file);
    if (bytes !== null) return { file, dir: input, kind: kindOf(file), bytes };
  }
  // tidepool's own claim files (a run writing into this folder) say nothing about what it holds.
  const entries = (await readdir(input).catch(() => [] as string[])).filter((name) => !name.endsWith(LOCK_FILE));
  const found = entries.length === 0 ? 'it is empty' : `it holds ${entries.slice(0, 8).join(', ')}${entries.length > 8 ? ', ...' : ''}`;
  throw new TidepoolError('E_INPUT_MISSING', `--input ${input} holds neither ${KEPT_FILE} nor ${INSTRUCTIONS_FILE} (${found}): ${HOW}`, { path: input });
}

/** A line of the input: an exportable record, or why it is not one. */
export type InputItem =
  | { kind: 'record'; line: number; record: ExportRecord }
  | { kind: 'reject'; line: number; reason: ExportRejectReason; field: string; detail: string; raw: string };

/** Characters of a bad line kept in the rejects file. */
const RAW_KEEP = 1000;

function excerpt(text: string): string {
  return text.length > RAW_KEEP ? `${text.slice(0, RAW_KEEP)}… (truncated)` : text;
}

/**
 * Reads `file` line by line (1-based line numbers; blank lines skipped), in blocks of complete lines.
 * @param onBytes called with the raw bytes read so far (for progress).
 */
export async function* readExportItems(file: string, maxLineBytes: number, onBytes?: (bytes: number) => void): AsyncGenerator<InputItem[], void, undefined> {
  for await (const pieces of readJsonlBlocks(file, maxLineBytes, { onBytes })) {
    const items: InputItem[] = [];
    for (const piece of pieces) {
      if (piece.kind === 'reject') {
        items.push({ kind: 'reject', line: piece.line, reason: piece.reason, field: '', detail: piece.detail, raw: piece.raw });
        continue;
      }
      const bytes = piece.bytes;
      let line = piece.firstLine;
      for (let start = 0; start < bytes.length; line++) {
        const lineStart = start;
        const newline = bytes.indexOf(0x0a, start);
        const end = newline === -1 ? bytes.length : newline;
        const parsed = parseLine(bytes, lineStart, end, line);
        start = end + 1;
        if (parsed === null) continue;
        if (parsed.kind === 'reject') {
          const reason = parsed.reason === 'invalid_utf8' ? 'invalid_utf8' : 'invalid_json';
          items.push({ kind: 'reject', line, reason, field: '', detail: parsed.detail, raw: excerpt(parsed.raw) });
          continue;
        }
        const checked = toExportRecord(parsed.value);
        if (checked.ok) items.push({ kind: 'record', line, record: checked.record });
        else items.push({ kind: 'reject', line, reason: checked.reason, field: checked.field, detail: checked.detail, raw: excerpt(bytes.toString('utf8', lineStart, Math.min(end, lineStart + 4 * RAW_KEEP))) });
      }
    }
    if (items.length > 0) yield items;
  }
}
