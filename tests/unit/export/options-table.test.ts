import { describe, expect, it } from 'vitest';
import { EXPORT_OPTIONS, resolveExportOptions, type ExportOptions } from '../../../src/export/options.js';
import { pipelineNaming } from '../../../src/util/options.js';
import { itChecksEveryOption, usageProblems } from '../../helpers/option-table.js';

/** One bad value for every option, under the table's name. */
const BAD: Record<string, unknown> = { format: 'csv', out: '', withMetadata: 'yes', system: 5, card: 5, rowGroupRows: 0, force: 'yes' };
const options = { ...BAD, input: 'gen' } as unknown as ExportOptions;

describe('resolveExportOptions: every option of EXPORT_OPTIONS', () => {
  const tested = Object.keys(BAD);

  itChecksEveryOption({ stage: 'export', table: EXPORT_OPTIONS, tested, example: '--format must be one of "alpaca", "sharegpt", "messages", "parquet", got "csv" (a string)', resolve: (naming) => resolveExportOptions(options, naming) });

  it('names both options of a cross-field rule', () => {
    expect(usageProblems('export', () => resolveExportOptions({ input: 'gen', format: 'sharegpt', out: 'o.jsonl', system: 'be brief' }, pipelineNaming('export'))))
      .toEqual(['export.system applies only to export.format messages, not sharegpt; drop it or set export.format to messages']);
  });
});
