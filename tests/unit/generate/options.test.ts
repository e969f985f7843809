import { describe, expect, it } from 'vitest';
import { answerByteLimit, resolveGenerateOptions, type GenerateOptions } from '../../../src/generate/options.js';

const base: GenerateOptions = { data: 'd', coreset: 'c', out: 'o', model: 'm', baseURL: 'http://127.0.0.1:8000/v1', apiKey: 'k' };

describe('resolveGenerateOptions: endpoint and answer limits', () => {
  it('derives the answer byte limit from --reply-tokens unless given, and defaults the outage window to 60 s', () => {
    expect(resolveGenerateOptions(base)).toMatchObject({ maxAnswerBytes: answerByteLimit(2048), unreachableSeconds: 60 });
    expect(resolveGenerateOptions({ ...base, replyTokens: 100 }).maxAnswerBytes).toBe(100 * 32 + 65_536);
    expect(resolveGenerateOptions({ ...base, maxAnswerBytes: 5000, unreachableSeconds: 0.5 })).toMatchObject({ maxAnswerBytes: 5000, unreachableSeconds: 0.5 });
  });

  it('rejects a base URL that is not http(s), naming it without its credentials, with every other problem at once', () => {
    let error: unknown;
    try {
      resolveGenerateOptions({ ...base, baseURL: 'ftp://user:secret@host/v1?token=zzz', maxAnswerBytes: 0 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'E_USAGE' });
    const message = (error as Error).message;
    expect(message).toContain('base-url must be an http:// or https:// URL');
    expect(message).toContain('"ftp://host/v1?token=REDACTED"');
    expect(message).toContain('max-answer-bytes must be a positive integer');
    expect(message).not.toMatch(/secret|zzz/);
    expect(() => resolveGenerateOptions({ ...base, baseURL: 'localhost:8000' })).toThrow(/base-url/);
  });
});
