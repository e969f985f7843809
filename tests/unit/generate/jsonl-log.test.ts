import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasErrorCode, TidepoolError } from '../../../src/errors.js';
import { AppendLog, closeAll, openTruncated, scanLines } from '../../../src/generate/jsonl-log.js';

const root = mkdtempSync(join(tmpdir(), 'tidepool-jsonl-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});
let fileCount = 0;
const freshPath = (): string => join(root, `log-${fileCount++}.jsonl`);

const MIB = 1 << 20;

interface Line {
  text: string;
  offset: number;
  length: number;
}

function scan(path: string): { lines: Line[]; size: number } {
  const lines: Line[] = [];
  const size = scanLines(path, (text, offset, length) => lines.push({ text, offset, length }));
  return { lines, size };
}

/** Offsets and byte lengths of `texts` written one per line, computed by hand. */
function expectedLines(texts: readonly string[]): Line[] {
  let offset = 0;
  return texts.map((text) => {
    const length = Buffer.byteLength(text, 'utf8');
    const line = { text, offset, length };
    offset += length + 1;
    return line;
  });
}

const bytesOf = (texts: readonly string[]): number => texts.reduce((sum, text) => sum + Buffer.byteLength(text, 'utf8') + 1, 0);

describe('scanLines', () => {
  it('returns 0 for a missing file and does not create it', () => {
    const path = freshPath();
    expect(scan(path)).toEqual({ lines: [], size: 0 });
    expect(existsSync(path)).toBe(false);
  });

  it('reports every line with byte offsets and lengths, multi-byte text included', () => {
    const texts = ['{"a":1}', 'héllo wörld', '€uro 𝄞 clef', '日本語のテキスト', 'plain'];
    const path = freshPath();
    writeFileSync(path, texts.map((t) => `${t}\n`).join(''));
    const { lines, size } = scan(path);
    expect(lines).toEqual(expectedLines(texts));
    expect(size).toBe(bytesOf(texts));
    const raw = readFileSync(path);
    for (const line of lines) expect(raw.subarray(line.offset, line.offset + line.length).toString('utf8')).toBe(line.text);
  });

  it('skips empty lines but counts their bytes', () => {
    const path = freshPath();
    writeFileSync(path, 'a\n\nbc\n\n\nd\n');
    expect(scan(path)).toEqual({ lines: [{ text: 'a', offset: 0, length: 1 }, { text: 'bc', offset: 3, length: 2 }, { text: 'd', offset: 8, length: 1 }], size: 10 });
  });

  it('reads lines across the 1 MiB read chunk, with a multi-byte character split by the boundary', () => {
    // Line 0 puts the 3-byte "€" at bytes MIB-2..MIB, straddling the first chunk boundary.
    const texts = [`${'a'.repeat(MIB - 2)}€b`];
    for (let i = 0, total = bytesOf(texts); total < 2.5 * MIB; i++) {
      const text = `{"i":${i},"s":"${'é𝄞x'.repeat(i % 97)}${'z'.repeat((i * 7919) % 3000)}"}`;
      texts.push(text);
      total += Buffer.byteLength(text) + 1;
    }
    const path = freshPath();
    writeFileSync(path, texts.map((t) => `${t}\n`).join(''));
    expect(statSync(path).size).toBeGreaterThan(2 * MIB);
    const { lines, size } = scan(path);
    expect(lines.length).toBe(texts.length);
    expect(lines).toEqual(expectedLines(texts));
    expect(size).toBe(statSync(path).size);
  });

  it('reads one line longer than two chunks', () => {
    const texts = ['first', '€'.repeat(Math.ceil((2.2 * MIB) / 3)), 'last'];
    const path = freshPath();
    writeFileSync(path, texts.map((t) => `${t}\n`).join(''));
    expect(scan(path).lines).toEqual(expectedLines(texts));
  });

  it('cuts a torn last line off the file and keeps the whole lines', () => {
    const texts = ['{"k":1}', '{"k":"ü"}'];
    const path = freshPath();
    writeFileSync(path, `${texts.map((t) => `${t}\n`).join('')}{"k":"tor€`);
    const { lines, size } = scan(path);
    expect(lines).toEqual(expectedLines(texts));
    expect(size).toBe(bytesOf(texts));
    expect(statSync(path).size).toBe(bytesOf(texts));
    expect(readFileSync(path, 'utf8')).toBe('{"k":1}\n{"k":"ü"}\n');
    // A second scan finds nothing more to cut.
    expect(scan(path)).toEqual({ lines, size });
  });

  it('cuts a torn tail that follows more than 1 MiB of whole lines', () => {
    const texts = Array.from({ length: 1200 }, (_, i) => `{"i":${i},"pad":"${'ß'.repeat(500)}"}`);
    const path = freshPath();
    writeFileSync(path, `${texts.map((t) => `${t}\n`).join('')}{"i":1200,"pad":"${'ß'.repeat(300)}`);
    const { lines, size } = scan(path);
    expect(bytesOf(texts)).toBeGreaterThan(MIB);
    expect(lines).toEqual(expectedLines(texts));
    expect(size).toBe(bytesOf(texts));
    expect(statSync(path).size).toBe(bytesOf(texts));
  });

  it('a file holding only a torn line is cut to empty', () => {
    const path = freshPath();
    writeFileSync(path, '{"half":');
    expect(scan(path)).toEqual({ lines: [], size: 0 });
    expect(statSync(path).size).toBe(0);
  });
});

describe('AppendLog', () => {
  it('append then read round-trips each value at the offset it reports', () => {
    const path = freshPath();
    const log = AppendLog.open(path, scanLines(path, () => undefined));
    const values: unknown[] = [{ a: 1 }, 'héllo €', [1, 2, { nested: '𝄞' }], null, { big: 'x'.repeat(5000) }];
    const spots = values.map((value) => log.append(value));
    let offset = 0;
    for (const [i, value] of values.entries()) {
      const length = Buffer.byteLength(JSON.stringify(value), 'utf8');
      expect(spots[i]).toEqual({ offset, length });
      offset += length + 1;
      expect(JSON.parse(log.read(spots[i]!.offset, spots[i]!.length))).toEqual(value);
    }
    expect(log.size).toBe(offset);
    expect(statSync(path).size).toBe(offset);
    log.close();
    expect(scan(path).lines.map(({ offset: o, length }) => ({ offset: o, length }))).toEqual(spots);
  });

  it('appends after the whole lines of a reopened log', () => {
    const path = freshPath();
    writeFileSync(path, '{"old":1}\n{"old":2}\n{"torn":');
    const log = AppendLog.open(path, scanLines(path, () => undefined));
    const spot = log.append({ fresh: 'ü' });
    expect(spot).toEqual({ offset: 20, length: Buffer.byteLength('{"fresh":"ü"}') });
    log.close();
    expect(readFileSync(path, 'utf8')).toBe('{"old":1}\n{"old":2}\n{"fresh":"ü"}\n');
  });

  it('a log that cannot be opened fails with E_OUTPUT naming the path', () => {
    const path = join(root, 'no-such-folder', 'log.jsonl');
    let error: unknown;
    try {
      AppendLog.open(path, 0);
    } catch (caught) {
      error = caught;
    }
    expect(hasErrorCode(error, 'E_OUTPUT')).toBe(true);
    expect((error as Error).message).toContain(path);
  });
});

describe('openTruncated', () => {
  it('cuts the file to a size and appends after it', () => {
    const path = freshPath();
    writeFileSync(path, '{"keep":"é"}\n{"drop":1}\n{"drop":2}\n');
    const keep = Buffer.byteLength('{"keep":"é"}\n');
    const log = openTruncated(path, keep);
    expect(log.size).toBe(keep);
    expect(statSync(path).size).toBe(keep);
    const spot = log.append({ next: 3 });
    expect(spot).toEqual({ offset: keep, length: '{"next":3}'.length });
    expect(log.read(spot.offset, spot.length)).toBe('{"next":3}');
    log.close();
    expect(readFileSync(path, 'utf8')).toBe('{"keep":"é"}\n{"next":3}\n');
  });

  it('creates a missing file', () => {
    const path = freshPath();
    const log = openTruncated(path, 0);
    log.append(1);
    log.close();
    expect(readFileSync(path, 'utf8')).toBe('1\n');
  });

  it('appending after a cut keeps offsets consistent with a fresh scan', () => {
    const path = freshPath();
    const first = AppendLog.open(path, 0);
    const spots = [first.append({ n: 1 }), first.append({ n: 2 })];
    first.close();
    appendFileSync(path, '{"n":3}\n');
    const log = openTruncated(path, spots[1]!.offset + spots[1]!.length + 1);
    const added = log.append({ n: 'ñ' });
    log.close();
    expect(scan(path).lines).toEqual(expectedLines(['{"n":1}', '{"n":2}', '{"n":"ñ"}']));
    expect(added).toEqual(expectedLines(['{"n":1}', '{"n":2}', '{"n":"ñ"}']).map(({ offset, length }) => ({ offset, length }))[2]);
  });
});

describe('a full disk', () => {
  /** A path that is a symbolic link to /dev/full: every write to it fails with ENOSPC. */
  const fullPath = (): string => {
    const path = freshPath();
    symlinkSync('/dev/full', path);
    return path;
  };

  it('a flush that fails is an E_NO_SPACE TidepoolError naming the file, and every later call on the log says so again', () => {
    const path = fullPath();
    const log = openTruncated(path, 0);
    log.append({ n: 1 });
    let error: unknown;
    try {
      log.flush();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TidepoolError);
    expect(error).toMatchObject({ code: 'E_NO_SPACE', message: expect.stringContaining(path) as unknown, details: { path, errno: 'ENOSPC' } });
    expect(() => {
      log.append({ n: 2 });
    }).toThrow(expect.objectContaining({ code: 'E_NO_SPACE' }) as Error);
    expect(() => {
      log.flush();
    }).toThrow(expect.objectContaining({ code: 'E_NO_SPACE' }) as Error);
    expect(() => {
      log.close();
    }).toThrow(expect.objectContaining({ code: 'E_NO_SPACE' }) as Error);
  });

  it('a failed write at the end of an event-loop turn throws nothing out of the timer: the next call on the log reports it', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => {
      uncaught.push(error);
    };
    process.on('uncaughtException', onUncaught);
    try {
      const log = openTruncated(fullPath(), 0);
      log.append({ n: 1 });
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(uncaught).toEqual([]);
      expect(() => {
      log.append({ n: 2 });
    }).toThrow(expect.objectContaining({ code: 'E_NO_SPACE' }) as Error);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('an injected write that runs out of space half way leaves the whole lines before it readable', () => {
    const path = freshPath();
    let room = 25;
    const write = (fd: number, buffer: Buffer, offset: number): number => {
      if (room <= 0) throw Object.assign(new Error('EDQUOT: disk quota exceeded, write'), { code: 'EDQUOT' });
      const n = writeSync(fd, buffer, offset, Math.min(room, buffer.length - offset));
      room -= n;
      return n;
    };
    const log = openTruncated(path, 0, write);
    log.append({ n: 1 });
    log.flush();
    log.append({ text: 'this line does not fit' });
    expect(() => {
      log.flush();
    }).toThrow(expect.objectContaining({ code: 'E_NO_SPACE', details: { path, errno: 'EDQUOT' } }) as Error);
    expect(() => {
      log.close();
    }).toThrow(expect.objectContaining({ code: 'E_NO_SPACE' }) as Error);
    // The torn tail is cut when the log is scanned again; the line written before is intact.
    expect(scan(path).lines.map((line) => line.text)).toEqual(['{"n":1}']);
  });

  it('closeAll closes every log even when one fails, then throws the first failure', () => {
    const good = openTruncated(freshPath(), 0);
    const full = openTruncated(fullPath(), 0);
    const other = openTruncated(freshPath(), 0);
    good.append({ a: 1 });
    full.append({ b: 1 });
    other.append({ c: 1 });
    expect(() => {
      closeAll([good, full, other]);
    }).toThrow(expect.objectContaining({ code: 'E_NO_SPACE' }) as Error);
    expect(readFileSync(other.path, 'utf8')).toBe('{"c":1}\n');
    expect(readFileSync(good.path, 'utf8')).toBe('{"a":1}\n');
  });
});
