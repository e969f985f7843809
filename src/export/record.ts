/**
 * One input line of `tidepool export` checked and reduced to the fields the output formats need.
 * Pure: a parsed JSON value in, an {@link ExportRecord} or a reason it cannot be exported out.
 */

/** The fields of an instruction record every export format draws from. */
export interface ExportRecord {
  /** Null when the line has no `id`. */
  id: string | null;
  task: string | null;
  language: string | null;
  /** Translation samples only. */
  targetLanguage: string | null;
  instruction: string;
  /** Empty string when the line has none. */
  input: string;
  output: string;
  /** `provenance.rowId`: the source pair's `row_id` in `pairs.arrow`. */
  sourceRowId: number | null;
  /** `provenance.generator.model`. */
  generatorModel: string | null;
}

/** Why a line was not exported (stable codes, counted in the summary and the rejects file). */
export type ExportRejectReason =
  | 'invalid_json'
  | 'invalid_utf8'
  | 'line_too_long'
  | 'truncated_gzip'
  | 'corrupt_gzip'
  | 'not_an_object'
  | 'missing_field'
  | 'mistyped_field';

/** Result of {@link toExportRecord}. */
export type RecordCheck =
  | { ok: true; record: ExportRecord }
  | { ok: false; reason: ExportRejectReason; field: string; detail: string };

const REQUIRED_STRINGS = ['instruction', 'output'] as const;
const OPTIONAL_STRINGS = ['id', 'task', 'language', 'targetLanguage', 'input'] as const;

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function objectOrNull(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/**
 * Checks a parsed line of `instructions.jsonl` / `kept.jsonl`: `instruction` and `output` must be
 * strings; `id`, `task`, `language`, `targetLanguage` and `input` may be absent (or null) but must be
 * strings when present. Provenance is read where it is well-formed and ignored where it is not: it
 * only feeds the Parquet metadata columns and the card.
 */
export function toExportRecord(value: unknown): RecordCheck {
  const object = objectOrNull(value);
  if (object === null) return { ok: false, reason: 'not_an_object', field: '', detail: `expected a JSON object per line, found ${describeType(value)}` };
  for (const field of REQUIRED_STRINGS) {
    const found = object[field];
    if (found === undefined || found === null) return { ok: false, reason: 'missing_field', field, detail: `"${field}" is missing; every line needs "instruction" and "output" strings` };
    if (typeof found !== 'string') return { ok: false, reason: 'mistyped_field', field, detail: `"${field}" should be a string, found ${describeType(found)}` };
  }
  for (const field of OPTIONAL_STRINGS) {
    const found = object[field];
    if (found !== undefined && found !== null && typeof found !== 'string') {
      return { ok: false, reason: 'mistyped_field', field, detail: `"${field}" should be a string when present, found ${describeType(found)}` };
    }
  }
  const text = (field: (typeof OPTIONAL_STRINGS)[number]): string | null => (object[field] as string | null | undefined) ?? null;
  const provenance = objectOrNull(object.provenance);
  const rowId = provenance?.rowId;
  const generator = objectOrNull(provenance?.generator);
  const model = generator?.model;
  return {
    ok: true,
    record: {
      id: text('id'),
      task: text('task'),
      language: text('language'),
      targetLanguage: text('targetLanguage'),
      instruction: object.instruction as string,
      input: text('input') ?? '',
      output: object.output as string,
      sourceRowId: typeof rowId === 'number' && Number.isSafeInteger(rowId) && rowId >= 0 ? rowId : null,
      generatorModel: typeof model === 'string' ? model : null,
    },
  };
}
