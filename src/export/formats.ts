/**
 * The export formats, one record at a time. Pure: an {@link ExportRecord} in, the text of one JSON
 * item (or one Parquet row) out; the shell adds the framing ({@link frameItem}, {@link closeFrame}).
 */
import type { ExportRecord } from './record.js';

/** Formats `tidepool export` writes. */
export const EXPORT_FORMATS = ['alpaca', 'sharegpt', 'messages', 'parquet'] as const;

/** One of {@link EXPORT_FORMATS}. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** How items are laid out in the output file: a JSON array, JSON Lines, or Parquet rows. */
export type OutputLayout = 'array' | 'lines' | 'parquet';

/** Per-format switches. */
export interface FormatOptions {
  /** alpaca, sharegpt: add `task`, `language` (and for alpaca `id`) to each item. */
  withMetadata: boolean;
  /** messages: a system message put before the user turn; null for none. */
  system: string | null;
}

/** The user's turn: the instruction, then a blank line and the input when there is one. */
export function humanTurn(record: ExportRecord): string {
  return record.input === '' ? record.instruction : `${record.instruction}\n\n${record.input}`;
}

/** Alpaca: `{"instruction", "input", "output"}` (+ `task`, `language`, `id` with metadata). */
export function alpacaItem(record: ExportRecord, options: FormatOptions): Record<string, unknown> {
  const item: Record<string, unknown> = { instruction: record.instruction, input: record.input, output: record.output };
  if (options.withMetadata) {
    item.task = record.task;
    item.language = record.language;
    item.id = record.id;
  }
  return item;
}

/** ShareGPT: `{"id", "conversations": [human, gpt]}` (`id` only when the record has one; + `task`, `language` with metadata). */
export function shareGptItem(record: ExportRecord, options: FormatOptions): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  if (record.id !== null) item.id = record.id;
  item.conversations = [
    { from: 'human', value: humanTurn(record) },
    { from: 'gpt', value: record.output },
  ];
  if (options.withMetadata) {
    item.task = record.task;
    item.language = record.language;
  }
  return item;
}

/** OpenAI chat fine-tuning: `{"messages": [system?, user, assistant]}` and nothing else (the API reads only `messages`). */
export function messagesItem(record: ExportRecord, options: FormatOptions): Record<string, unknown> {
  const messages: { role: string; content: string }[] = [];
  if (options.system !== null) messages.push({ role: 'system', content: options.system });
  messages.push({ role: 'user', content: humanTurn(record) }, { role: 'assistant', content: record.output });
  return { messages };
}

/** The JSON text of one item of a JSON format (no framing, no newline). */
export function formatItem(format: Exclude<ExportFormat, 'parquet'>, record: ExportRecord, options: FormatOptions): string {
  switch (format) {
    case 'alpaca':
      return JSON.stringify(alpacaItem(record, options));
    case 'sharegpt':
      return JSON.stringify(shareGptItem(record, options));
    case 'messages':
      return JSON.stringify(messagesItem(record, options));
  }
}

/**
 * The bytes written for item number `index` (0-based): in a JSON array the opening bracket or a
 * separator comes first; in JSON Lines a newline ends each item.
 */
export function frameItem(layout: 'array' | 'lines', index: number, text: string): string {
  if (layout === 'lines') return `${text}\n`;
  return index === 0 ? `[\n${text}` : `,\n${text}`;
}

/** The bytes that end a file of `count` items. */
export function closeFrame(layout: 'array' | 'lines', count: number): string {
  if (layout === 'lines') return '';
  return count === 0 ? '[]\n' : '\n]\n';
}

/** A row of the Parquet export, keyed by column name. */
export interface ParquetRow {
  id: string | null;
  task: string | null;
  language: string | null;
  target_language: string | null;
  instruction: string;
  input: string;
  output: string;
  source_row_id: bigint | null;
  generator_model: string | null;
}

/** Parquet columns, in file order. */
export const PARQUET_COLUMNS = ['id', 'task', 'language', 'target_language', 'instruction', 'input', 'output', 'source_row_id', 'generator_model'] as const;

/** The Parquet row of a record (`source_row_id` as a bigint, as INT64 columns take it). */
export function parquetRow(record: ExportRecord): ParquetRow {
  return {
    id: record.id,
    task: record.task,
    language: record.language,
    target_language: record.targetLanguage,
    instruction: record.instruction,
    input: record.input,
    output: record.output,
    source_row_id: record.sourceRowId === null ? null : BigInt(record.sourceRowId),
    generator_model: record.generatorModel,
  };
}
