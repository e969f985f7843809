/**
 * URLs as tidepool writes them anywhere (manifests, journals, progress and log lines, error messages):
 * without userinfo (`user:password@`) and with the values of secret-looking query (or fragment)
 * parameters replaced by `REDACTED`. An endpoint such as `https://user:pw@host/v1?api_key=...` must
 * work when given, but the credentials in it must never reach a file or a terminal log.
 */

/** What a redacted value is replaced with. */
export const REDACTED = 'REDACTED';

/** Whole parameter names (lower case, `-` read as `_`) or their last `_` part that hold secrets. */
const SECRET_NAME = /(?:^|_)(?:key|apikey|token|secret|password|passwd|passphrase|pwd|pass|sig|signature|credential|credentials|auth|authorization|session|jwt)$/;
/** Fragments that mark a secret wherever they stand in the name (`apiKey`, `accessToken`, `clientSecret`). */
const SECRET_PART = /apikey|api_key|token|secret|password|passwd/;

/** True for a query parameter name that looks like it carries a credential (case-insensitive). */
export function isSecretParameter(name: string): boolean {
  const normal = name.toLowerCase().replaceAll('-', '_');
  return SECRET_NAME.test(normal) || SECRET_PART.test(normal);
}

/**
 * `url` without userinfo and with secret-looking parameter values replaced. A URL that needs no change
 * comes back exactly as given; text that does not parse as a URL is cleaned by pattern instead.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactLoosely(url);
  }
  const query = redactParameters(parsed.search.slice(1));
  const fragment = redactParameters(parsed.hash.slice(1));
  if (parsed.username === '' && parsed.password === '' && query === undefined && fragment === undefined) return url;
  parsed.username = '';
  parsed.password = '';
  if (query !== undefined) parsed.search = query;
  if (fragment !== undefined) parsed.hash = fragment;
  return parsed.href;
}

/** `text` with every URL in it passed through {@link redactUrl} (for messages that quote other libraries). */
export function redactUrls(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi, (url) => redactUrl(url));
}

/** `a=1&key=x` with secret values replaced, or undefined when nothing is secret. */
function redactParameters(text: string): string | undefined {
  if (!text.includes('=')) return undefined;
  const found = { secret: false };
  const parts = text.split('&').map((part) => {
    const equals = part.indexOf('=');
    if (equals === -1) return part;
    let name = part.slice(0, equals);
    try {
      name = decodeURIComponent(name.replaceAll('+', ' '));
    } catch {
      // A malformed escape: judge the name as written.
    }
    if (!isSecretParameter(name)) return part;
    found.secret = true;
    return `${part.slice(0, equals)}=${REDACTED}`;
  });
  return found.secret ? parts.join('&') : undefined;
}

/** Pattern-based cleaning for text that is not a whole URL (a malformed one, or one inside prose). */
function redactLoosely(text: string): string {
  return text
    .replace(/(\/\/)[^/?#@\s]*@/g, '$1')
    .replace(/([?&#;]|^)([^=&#?\s]+)=([^&#\s]*)/g, (match, lead: string, name: string) => (isSecretParameter(name) ? `${lead}${name}=${REDACTED}` : match));
}
