// describeValue shows a bad option value in a message: never a URL's credentials.
import { describe, expect, it } from 'vitest';
import { describeValue } from '../../../src/util/options.js';

describe('describeValue', () => {
  it('names the value and its type, shortened past 60 characters', () => {
    expect(describeValue(3)).toBe('3 (a number)');
    expect(describeValue(['a', ''])).toBe('["a",""] (a list)');
    expect(describeValue('x'.repeat(80))).toBe(`"${'x'.repeat(56)}... (a string)`);
  });

  it('hides the user and password of a URL, in a string or a list', () => {
    expect(describeValue('https://user:s3cret@gpu1:8080')).toBe('"https://***@gpu1:8080" (a string)');
    expect(describeValue(['http://tok@a:1', ''])).toBe('["http://***@a:1",""] (a list)');
    expect(describeValue('user@example.com')).toBe('"user@example.com" (a string)');
  });
});
