/**
 * Output files of `tidepool export`, written as records stream in: JSON (array or lines) through a
 * 1 MiB buffer, Parquet one row group at a time. Each writes `<path>.partial`, which `finish()`
 * completes and `commit()` renames into place, so a crash or an error never leaves a half-written file
 * under the final name (and the caller can record the finished file's checksum before it is published).
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { ParquetWriter, fileWriter, type ColumnSource, type SchemaElement } from 'hyparquet-writer';
import { TidepoolError } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { PARQUET_COLUMNS, closeFrame, formatItem, frameItem, parquetRow, type ExportFormat, type FormatOptions, type ParquetRow } from './formats.js';
import type { ExportRecord } from './record.js';

/** Where exported records go. */
export interface RecordSink {
  /** Appends one record. */
  write(record: ExportRecord): Promise<void>;
  /** `<path>.partial`, where the file is written until {@link RecordSink.commit}. */
  readonly partialPath: string;
  /** Completes the partial file (nothing is renamed yet). */
  finish(): Promise<void>;
  /** Renames the finished partial file into place. */
  commit(): Promise<void>;
  /** Removes the partial file (after an error, before the commit). */
  abort(): Promise<void>;
}

/** Characters gathered before a write to the file. */
const FLUSH_CHARS = 1 << 20;

function outputError(path: string, error: unknown): TidepoolError {
  return new TidepoolError('E_OUTPUT', `cannot write ${path}: ${(error as Error).message}. Check that the folder is writable and has free space.`, { path }, { cause: error });
}

/** Completes `<path>.partial` with `finish`; any failure is an `E_OUTPUT` naming `path`. */
async function finishPartial(path: string, finish: () => void | Promise<void>): Promise<void> {
  try {
    await finish();
  } catch (error) {
    throw outputError(path, error);
  }
}

/** Renames `<path>.partial` to `path`; a failure is an `E_OUTPUT` naming `path`. */
async function publish(path: string): Promise<void> {
  try {
    await rename(`${path}.partial`, path);
  } catch (error) {
    throw outputError(path, error);
  }
}

/** A text file written through a buffer to `<path>.partial`, renamed to `path` by {@link BufferedTextFile.commit}. */
export class BufferedTextFile {
  private text = '';
  private closed = false;

  private constructor(readonly path: string, private readonly handle: FileHandle) {}

  /** Where the file is written until it is committed. */
  get partialPath(): string {
    return `${this.path}.partial`;
  }

  /** Opens `<path>.partial` for writing. */
  static async create(path: string): Promise<BufferedTextFile> {
    try {
      return new BufferedTextFile(path, await open(`${path}.partial`, 'w'));
    } catch (error) {
      throw outputError(path, error);
    }
  }

  /** Appends text; writes to the file once a MiB has gathered. */
  async append(text: string): Promise<void> {
    this.text += text;
    if (this.text.length >= FLUSH_CHARS) await this.flush();
  }

  /** Writes what is buffered and closes the partial file. */
  async finish(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await finishPartial(this.path, () => this.handle.close());
  }

  /** Renames the finished partial file into place. */
  async commit(): Promise<void> {
    await publish(this.path);
  }

  /** Closes and removes the partial file (also after {@link BufferedTextFile.finish}, before the commit). */
  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.handle.close().catch(() => undefined);
    }
    await rm(`${this.path}.partial`, { force: true });
  }

  private async flush(): Promise<void> {
    if (this.text === '') return;
    const text = this.text;
    this.text = '';
    try {
      await this.handle.write(text);
    } catch (error) {
      throw outputError(this.path, error);
    }
  }
}

/** Alpaca, ShareGPT or messages items as a JSON array or JSON Lines. */
export class JsonRecordSink implements RecordSink {
  private count = 0;

  private constructor(
    private readonly file: BufferedTextFile,
    private readonly format: Exclude<ExportFormat, 'parquet'>,
    private readonly layout: 'array' | 'lines',
    private readonly options: FormatOptions,
  ) {}

  /** Opens `path` for items of `format` laid out as `layout`. */
  static async create(path: string, format: Exclude<ExportFormat, 'parquet'>, layout: 'array' | 'lines', options: FormatOptions): Promise<JsonRecordSink> {
    return new JsonRecordSink(await BufferedTextFile.create(path), format, layout, options);
  }

  /** {@inheritDoc RecordSink.write} */
  async write(record: ExportRecord): Promise<void> {
    await this.file.append(frameItem(this.layout, this.count, formatItem(this.format, record, this.options)));
    this.count++;
  }

  /** {@inheritDoc RecordSink.partialPath} */
  get partialPath(): string {
    return this.file.partialPath;
  }

  /** {@inheritDoc RecordSink.finish} */
  async finish(): Promise<void> {
    await this.file.append(closeFrame(this.layout, this.count));
    await this.file.finish();
  }

  /** {@inheritDoc RecordSink.commit} */
  async commit(): Promise<void> {
    await this.file.commit();
  }

  /** {@inheritDoc RecordSink.abort} */
  async abort(): Promise<void> {
    await this.file.abort();
  }
}

const text = (name: string, required: boolean): SchemaElement => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: required ? 'REQUIRED' : 'OPTIONAL' });

/** Parquet schema of the export (UTF8 strings; `source_row_id` INT64; only instruction, input and output are required). */
export const PARQUET_SCHEMA: SchemaElement[] = [
  { name: 'schema', num_children: PARQUET_COLUMNS.length },
  text('id', false),
  text('task', false),
  text('language', false),
  text('target_language', false),
  text('instruction', true),
  text('input', true),
  text('output', true),
  { name: 'source_row_id', type: 'INT64', repetition_type: 'OPTIONAL' },
  text('generator_model', false),
];

/** Parquet compression codec of the export: Snappy (pyarrow, datasets and DuckDB all read it). */
export const PARQUET_CODEC = 'SNAPPY';

/** Long text columns: min/max statistics of code are useless, so they are not written. */
const NO_STATISTICS = new Set<string>(['instruction', 'input', 'output']);

/** Rows of the Parquet export, written one row group of `rowGroupRows` at a time. */
export class ParquetRecordSink implements RecordSink {
  private rows: ParquetRow[] = [];
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly writer: ParquetWriter,
    private readonly rowGroupRows: number,
  ) {}

  /** Opens `<path>.partial` for writing. */
  static create(path: string, rowGroupRows: number): ParquetRecordSink {
    try {
      const writer = new ParquetWriter({
        writer: fileWriter(`${path}.partial`),
        schema: PARQUET_SCHEMA,
        codec: PARQUET_CODEC,
        kvMetadata: [{ key: 'tidepool.version', value: TOOL_VERSION }],
        createdBy: `tidepool ${TOOL_VERSION} (hyparquet-writer)`,
      });
      return new ParquetRecordSink(path, writer, rowGroupRows);
    } catch (error) {
      throw outputError(path, error);
    }
  }

  /** {@inheritDoc RecordSink.write} */
  async write(record: ExportRecord): Promise<void> {
    this.rows.push(parquetRow(record));
    if (this.rows.length >= this.rowGroupRows) await this.flush();
  }

  /** {@inheritDoc RecordSink.partialPath} */
  get partialPath(): string {
    return `${this.path}.partial`;
  }

  /** {@inheritDoc RecordSink.finish} */
  async finish(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await finishPartial(this.path, () => this.writer.finish());
  }

  /** {@inheritDoc RecordSink.commit} */
  async commit(): Promise<void> {
    await publish(this.path);
  }

  /** {@inheritDoc RecordSink.abort} */
  async abort(): Promise<void> {
    this.closed = true;
    this.rows = [];
    await rm(`${this.path}.partial`, { force: true });
  }

  /** Writes the buffered rows as one row group. */
  private async flush(): Promise<void> {
    if (this.rows.length === 0) return;
    const rows = this.rows;
    this.rows = [];
    const columnData: ColumnSource[] = PARQUET_COLUMNS.map((name) => ({
      name,
      data: rows.map((row) => row[name]),
      ...(NO_STATISTICS.has(name) ? { statistics: false } : {}),
    }));
    try {
      await this.writer.write({ columnData, rowGroupSize: rows.length });
    } catch (error) {
      throw outputError(this.path, error);
    }
  }
}
