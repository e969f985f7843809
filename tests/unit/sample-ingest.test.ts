import { describe, it, expect } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runIngest } from '../../src/ingest/index.js';
import { runSample } from '../../src/devkit/sample/index.js';

// What benchmarks rely on: ingest keeps exactly the good rows, de-duplicates exactly the duplicates and
// near duplicates, and rejects each bad line for the reason its kind names.
describe('a sample through ingest', () => {
  it('keeps the good rows, drops the copies and rejects the bad lines by kind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tidepool-sample-ingest-'));
    try {
      const file = join(dir, 'sample.jsonl.gz');
      const sample = await runSample({ rows: 3000, seed: 9, out: file, badLineRate: 0.04, duplicateRate: 0.05, nearDuplicateRate: 0.05 });
      const summary = await runIngest({ inputs: [file], out: join(dir, 'ingested') });
      const { counts } = sample;
      expect(summary.read).toBe(3000);
      expect(summary.kept).toBe(counts.good);
      expect(summary.duplicates).toBe(counts.duplicate + counts.near_duplicate);
      expect(summary.filtered).toBe(0);
      expect(summary.rejectedByReason).toEqual({
        invalid_json: counts.invalid_json,
        missing_field: counts.missing_field,
        mistyped_field: counts.mistyped_field,
        invalid_utf8: counts.invalid_utf8,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
