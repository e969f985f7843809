/**
 * The Hub's HTTP interface, the part a model download needs: the revision's file list
 * (`/api/models/{repo}/revision/{revision}`), a file's metadata (HEAD on `/{repo}/resolve/{revision}/{file}`)
 * and its bytes (GET, with a Range to resume). Every failure becomes an error naming repo, revision and file.
 */
import { TidepoolError } from '../../errors.js';
import type { RepoRef } from './repo-id.js';

/** The fetch the client calls (injected in tests; Node's own otherwise). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** How to reach the Hub. */
export interface HubClient {
  endpoint: string;
  token: string | undefined;
  fetch: FetchLike;
}

/** What the Hub says about one file before it is downloaded. */
export interface FileMetadata {
  /** The revision's commit (X-Repo-Commit). */
  commit: string;
  /** Blob name: X-Linked-Etag (LFS files: their SHA-256), else ETag, quotes stripped. */
  etag: string;
  /** Bytes, when the Hub said (X-Linked-Size, else Content-Length). */
  size: number | undefined;
  /** Where the bytes are: the redirect target for a large file, else the resolve URL. */
  location: string;
}

/** A revision's commit and file list. */
export interface RepoListing {
  commit: string;
  files: string[];
}

/** The README's recipe for a repo with no ONNX export. */
export function exportRecipe(repo: string): string {
  return `Export it once on a machine with internet: \`optimum-cli export onnx --model ${repo} --task feature-extraction DIR\` (or in Python: SentenceTransformer("${repo}", backend="onnx").save("DIR")), then pass --model DIR.`;
}

function where(ref: RepoRef, file?: string): string {
  return file === undefined ? `${ref.repo}@${ref.revision}` : `${file} of ${ref.repo}@${ref.revision}`;
}

function authHeaders(client: HubClient): Record<string, string> {
  return client.token === undefined ? {} : { authorization: `Bearer ${client.token}` };
}

function resolveUrl(client: HubClient, ref: RepoRef, file: string): string {
  const path = file.split('/').map(encodeURIComponent).join('/');
  return `${client.endpoint}/${ref.repo}/resolve/${encodeURIComponent(ref.revision)}/${path}`;
}

async function send(client: HubClient, url: string, init: RequestInit, ref: RepoRef, file?: string): Promise<Response> {
  try {
    return await client.fetch(url, init);
  } catch (error) {
    throw new TidepoolError('E_HUB_UNREACHABLE', `cannot reach the Hub at ${client.endpoint} for ${where(ref, file)}: ${(error as Error).message}. Check the network or HF_ENDPOINT; a model already in the cache is used with --offline (or HF_HUB_OFFLINE=1).`, { repo: ref.repo, revision: ref.revision, file, endpoint: client.endpoint }, { cause: error });
  }
}

/** Turns a failed answer into the error a user can act on. */
export function statusError(response: Response, ref: RepoRef, file?: string): TidepoolError {
  const details = { repo: ref.repo, revision: ref.revision, file, status: response.status };
  if (response.status === 401 || response.status === 403) {
    return new TidepoolError('E_HUB_AUTH', `the Hub refused ${where(ref, file)} (HTTP ${response.status}): the repo is private or gated. Accept its licence on https://huggingface.co/${ref.repo} while logged in, then set HF_TOKEN to a token of that account (https://huggingface.co/settings/tokens).`, details);
  }
  if (response.status === 404) {
    const kind = response.headers.get('x-error-code');
    if (kind === 'EntryNotFound' && file !== undefined) {
      return new TidepoolError('E_MODEL_MISSING', `${ref.repo}@${ref.revision} exists but has no file ${file}. ${file.endsWith('.onnx') ? exportRecipe(ref.repo) : 'Check the repo\'s files on the Hub.'}`, details);
    }
    if (kind === 'RevisionNotFound') return new TidepoolError('E_MODEL_MISSING', `the Hub repo ${ref.repo} has no revision "${ref.revision}". Name a branch, tag or commit that exists, or leave out @revision for main.`, details);
    return new TidepoolError('E_MODEL_MISSING', `the Hub has no model repo ${ref.repo} (or it is private: set HF_TOKEN). Check the spelling, e.g. sentence-transformers/all-MiniLM-L6-v2.`, details);
  }
  return new TidepoolError('E_HUB_UNREACHABLE', `the Hub answered HTTP ${response.status} for ${where(ref, file)}. Try again later; a model already in the cache is used with --offline.`, details);
}

/** Lists the revision's files (`siblings[].rfilename`) and its commit (`sha`). */
export async function listRepo(client: HubClient, ref: RepoRef): Promise<RepoListing> {
  const url = `${client.endpoint}/api/models/${ref.repo}/revision/${encodeURIComponent(ref.revision)}`;
  const response = await send(client, url, { headers: authHeaders(client) }, ref);
  if (!response.ok) throw statusError(response, ref);
  const body = (await response.json()) as { sha?: unknown; siblings?: { rfilename?: unknown }[] };
  if (typeof body.sha !== 'string' || !Array.isArray(body.siblings)) {
    throw new TidepoolError('E_HUB_UNREACHABLE', `the Hub at ${client.endpoint} answered ${where(ref)} without "sha" and "siblings": is HF_ENDPOINT a Hugging Face Hub?`, { repo: ref.repo, revision: ref.revision });
  }
  return { commit: body.sha, files: body.siblings.flatMap((sibling) => (typeof sibling.rfilename === 'string' ? [sibling.rfilename] : [])) };
}

function stripEtag(value: string | null): string | undefined {
  if (value === null) return undefined;
  return value.replace(/^W\//, '').replace(/"/g, '');
}

/**
 * HEAD on the resolve URL. Same-host redirects (a renamed repo) are followed; a redirect elsewhere
 * (large files on a CDN) ends the walk: the Hub's own answer carries the metadata.
 */
export async function fileMetadata(client: HubClient, ref: RepoRef, file: string): Promise<FileMetadata> {
  let url = resolveUrl(client, ref, file);
  for (let hop = 0; hop < 5; hop += 1) {
    const response = await send(client, url, { method: 'HEAD', redirect: 'manual', headers: { ...authHeaders(client), 'accept-encoding': 'identity' } }, ref, file);
    const isRedirect = response.status >= 300 && response.status < 400;
    if (!response.ok && !isRedirect) throw statusError(response, ref, file);
    const location = isRedirect ? response.headers.get('location') : null;
    const target = location === null ? url : new URL(location, url).toString();
    if (isRedirect && new URL(target).host === new URL(url).host && response.headers.get('x-linked-etag') === null) {
      url = target;
      continue;
    }
    const commit = response.headers.get('x-repo-commit');
    const etag = stripEtag(response.headers.get('x-linked-etag')) ?? stripEtag(response.headers.get('etag'));
    if (commit === null || etag === undefined || etag === '') {
      throw new TidepoolError('E_HUB_UNREACHABLE', `the Hub at ${client.endpoint} answered ${where(ref, file)} without X-Repo-Commit or ETag, so the file cannot be cached. Is HF_ENDPOINT a Hugging Face Hub (a proxy may strip headers)?`, { repo: ref.repo, revision: ref.revision, file });
    }
    const sizeHeader = response.headers.get('x-linked-size') ?? (isRedirect ? null : response.headers.get('content-length'));
    return { commit, etag, size: sizeHeader === null ? undefined : Number(sizeHeader), location: target };
  }
  throw new TidepoolError('E_HUB_UNREACHABLE', `too many redirects for ${where(ref, file)} at ${client.endpoint}.`, { repo: ref.repo, revision: ref.revision, file });
}

/** GET the file's bytes from `from` on (a Range request when resuming). The token goes only to the Hub's own host. */
export async function fetchBytes(client: HubClient, ref: RepoRef, file: string, location: string, from: number): Promise<Response> {
  const sameHost = new URL(location).host === new URL(client.endpoint).host;
  const headers: Record<string, string> = { 'accept-encoding': 'identity', ...(sameHost ? authHeaders(client) : {}), ...(from > 0 ? { range: `bytes=${from}-` } : {}) };
  const response = await send(client, location, { headers }, ref, file);
  if (!response.ok) throw statusError(response, ref, file);
  return response;
}
