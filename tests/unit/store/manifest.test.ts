import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeFile, sha256File, sha256FileInBackground } from '../../../src/store/manifest.js';

const dir = mkdtempSync(join(tmpdir(), 'tidepool-manifest-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('file checksums', () => {
  // Larger than the worker's 4 MiB read buffer, and not a multiple of it.
  const bytes = randomBytes((9 << 20) + 12345);
  const path = join(dir, 'data.bin');
  writeFileSync(path, bytes);
  const expected = createHash('sha256').update(bytes).digest('hex');

  it('sha256File and the background worker agree with a one-shot hash of the bytes', async () => {
    expect(await sha256File(path)).toBe(expected);
    const background = sha256FileInBackground(path);
    expect(await background.sha256).toBe(expected);
    background.cancel();
    expect(await describeFile(path, 7, sha256FileInBackground(path).sha256)).toEqual({ path, bytes: bytes.length, sha256: expected, rows: 7 });
  });

  it('an empty file has the empty digest', async () => {
    const empty = join(dir, 'empty.bin');
    writeFileSync(empty, '');
    expect(await sha256FileInBackground(empty).sha256).toBe(createHash('sha256').digest('hex'));
  });

  it('a missing file rejects with E_INPUT_MISSING naming the file', async () => {
    const missing = join(dir, 'nope.bin');
    await expect(sha256FileInBackground(missing).sha256).rejects.toMatchObject({ code: 'E_INPUT_MISSING', message: expect.stringContaining(missing) as unknown });
  });

  it('a cancelled checksum rejects instead of hanging', async () => {
    const background = sha256FileInBackground(path);
    background.cancel();
    await expect(background.sha256).rejects.toMatchObject({ code: 'E_INPUT_MISSING' });
  });
});
