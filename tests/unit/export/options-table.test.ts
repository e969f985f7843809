import { describe, expect, it } from 'vitest';
import { EXPORT_OPTIONS, resolveExportOptions, type ExportOptions } from '../../../src/export/options.js';
import { pipelineNaming } from '../../../src/util/options.js';
import { expectEveryEntry, flagOf, namedOptions, usageProblems } from '../ingest/option-table.js';

/** One bad value for every option, under the table's name. */
const BAD: Record<string, unknown> = { format: 'csv', out: '', withMetadata: 'yes', system: 5, card: 5, rowGroupRows: 0, force: 'yes' };
const options = { ...BAD, input: 'gen' } as unknown as ExportOptions;

describe('resolveExportOptions: every option of EXPORT_OPTIONS', () => {
  const tested = Object.keys(BAD);

  it('tests every entry of the table', () => {
    expectEveryEntry(EXPORT_OPTIONS, tested, {});
  });

  it('names each bad option by its flag, all in one error', () => {
    const problems = usageProblems('export', () => resolveExportOptions(options));
    expect(namedOptions(problems)).toEqual(tested.map((name) => flagOf(EXPORT_OPTIONS, name)).sort());
    expect(problems).toContain('--format must be one of "alpaca", "sharegpt", "messages", "parquet", got "csv" (a string)');
  });

  it('names each bad option by its pipeline key with pipelineNaming', () => {
    const problems = usageProblems('export', () => resolveExportOptions(options, pipelineNaming('export')));
    expect(namedOptions(problems)).toEqual(tested.map((name) => `export.${name}`).sort());
  });

  it('names both options of a cross-field rule', () => {
    expect(usageProblems('export', () => resolveExportOptions({ input: 'gen', format: 'sharegpt', out: 'o.jsonl', system: 'be brief' }, pipelineNaming('export'))))
      .toEqual(['export.system applies only to export.format messages, not sharegpt; drop it or set export.format to messages']);
  });
});
