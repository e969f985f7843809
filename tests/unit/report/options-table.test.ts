import { describe, expect, it } from 'vitest';
import { MAX_EVIDENCE, MAX_SAMPLE, REPORT_OPTIONS, resolveReportOptions, type ReportOptions } from '../../../src/report/options.js';
import { itChecksEveryOption } from '../../helpers/option-table.js';

/** One bad value for every option, under the table's name (`png: true` is the pipeline's; the API takes a path). */
const BAD: Record<string, unknown> = { png: ' ', chromium: 5, sample: MAX_SAMPLE + 1, seed: -1, evidence: MAX_EVIDENCE + 1 };
const options = { ...BAD, out: 'r.html', work: 'w' } as unknown as ReportOptions;

describe('resolveReportOptions: every option of REPORT_OPTIONS', () => {
  const tested = Object.keys(BAD);

  itChecksEveryOption({ stage: 'report', table: REPORT_OPTIONS, tested, example: `--sample must be an integer from 1 to ${MAX_SAMPLE}, got ${MAX_SAMPLE + 1} (a number)`, resolve: (naming) => resolveReportOptions(options, naming) });

  it('fills the defaults once, and reads an empty Chromium name as "search for it"', () => {
    expect(resolveReportOptions({ out: 'r.html', work: 'w', chromium: '' })).toMatchObject({ seed: 0, sample: 20_000, evidence: 20, chromium: '' });
  });
});
