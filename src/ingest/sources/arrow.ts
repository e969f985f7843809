/** Arrow IPC reader: one record batch at a time, only the columns ingest knows, as plain objects. */
import { readArrowBatches } from '../../store/arrow-file.js';
import { KNOWN_FIELDS } from '../record.js';
import type { ReadHooks, SourceItem } from './types.js';

/** Reads an Arrow IPC file (file or stream format) as batches of records; rows are numbered from 1. */
export async function* readArrow(path: string, totalBytes: number, hooks: ReadHooks = {}): AsyncGenerator<SourceItem[], void, undefined> {
  let row = 0;
  for await (const batch of readArrowBatches(path)) {
    const columns = KNOWN_FIELDS.flatMap((name) => {
      const vector = batch.getChild(name);
      return vector === null ? [] : [[name, vector] as const];
    });
    const items: SourceItem[] = new Array<SourceItem>(batch.numRows);
    for (let i = 0; i < batch.numRows; i++) {
      const value: Record<string, unknown> = {};
      for (const [name, vector] of columns) value[name] = vector.get(i) as unknown;
      items[i] = { kind: 'record', line: ++row, value };
    }
    yield items;
  }
  // The IPC reader does not expose its byte position; progress jumps to done when the file ends.
  hooks.onBytes?.(totalBytes);
}
