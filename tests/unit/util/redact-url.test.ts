import { describe, expect, it } from 'vitest';
import { isSecretParameter, redactUrl, redactUrls } from '../../../src/util/redact-url.js';

describe('redactUrl', () => {
  it('drops userinfo and replaces secret-looking parameter values, keeping everything else', () => {
    expect(redactUrl('http://user:secret@127.0.0.1:8000/v1?api_key=zzz')).toBe('http://127.0.0.1:8000/v1?api_key=REDACTED');
    expect(redactUrl('http://user@host/v1')).toBe('http://host/v1');
    expect(redactUrl('https://host/v1?api-version=2024-06-01&Key=abc&x=1')).toBe('https://host/v1?api-version=2024-06-01&Key=REDACTED&x=1');
    expect(redactUrl('https://acct.blob.core.windows.net/c?sv=2022&se=2030&sig=ab%2Fcd')).toBe('https://acct.blob.core.windows.net/c?sv=2022&se=2030&sig=REDACTED');
    expect(redactUrl('https://s3/b?X-Amz-Credential=AK&X-Amz-Signature=f0&X-Amz-Date=1')).toBe('https://s3/b?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&X-Amz-Date=1');
    expect(redactUrl('https://host/cb#access_token=t0k&state=s')).toBe('https://host/cb#access_token=REDACTED&state=s');
  });

  it('returns a URL with nothing to hide exactly as given', () => {
    for (const url of ['http://127.0.0.1:8000/v1', 'https://api.openai.com/v1/', 'http://[::1]:9/v1?model=x&max=2']) expect(redactUrl(url)).toBe(url);
  });

  it('recognises secret parameter names case-insensitively, and leaves look-alikes', () => {
    for (const name of ['key', 'KEY', 'api_key', 'api-key', 'apikey', 'apiKey', 'token', 'access_token', 'accessToken', 'secret', 'client_secret', 'password', 'passwd', 'pwd', 'sig', 'signature', 'subscription-key', 'X-Amz-Security-Token']) {
      expect(isSecretParameter(name), name).toBe(true);
    }
    for (const name of ['model', 'api-version', 'keyboard', 'monkey_business', 'sv', 'se', 'design', 'limit']) expect(isSecretParameter(name), name).toBe(false);
  });

  it('cleans text that is not a URL by pattern, and every URL inside a message', () => {
    expect(redactUrl('h://a b:c@d/?token=1')).not.toMatch(/b:c|token=1/);
    expect(redactUrls('cannot reach http://u:pw@h:1/v1?token=t1 (connect ECONNREFUSED); see https://ok.example/x?q=1')).toBe('cannot reach http://h:1/v1?token=REDACTED (connect ECONNREFUSED); see https://ok.example/x?q=1');
  });
});
