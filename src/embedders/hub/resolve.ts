/**
 * `org/name[@revision]` -> a model folder on disk (a snapshot of the Hugging Face cache). The cache
 * is read first, so a model Python already downloaded needs no network; what is missing comes from
 * the Hub unless offline, where the error names the missing file instead.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { TidepoolError } from '../../errors.js';
import { cachedCommit, repoCache, writeRef, type RepoCache } from './cache-layout.js';
import { downloadFile } from './download.js';
import { exportRecipe, listRepo, type FetchLike, type HubClient } from './http.js';
import { ONNX_FILES, planModelFiles, REQUIRED_FILES } from './model-files.js';
import { parseRepoRef, type RepoRef } from './repo-id.js';
import type { ProgressSink } from '../../util/progress.js';
import type { HubSettings } from './settings.js';

/** Where a Hub id resolved to. */
export interface ResolvedHubModel {
  repo: string;
  revision: string;
  commit: string;
  /** The snapshot folder, ready for loadModelFolder. */
  dir: string;
  /** Files fetched now (empty when the cache had everything). */
  downloaded: string[];
}

/** What resolution may use besides the settings. */
export interface ResolveDeps {
  fetch?: FetchLike;
  /** A line per downloaded file. @default nothing */
  log?: (line: string) => void;
  /** Where each download's progress line goes (stderr in the CLI); none when undefined, as with -q. */
  progress?: ProgressSink | undefined;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/** A complete model in the cache: the required files and an ONNX file in the revision's snapshot. */
async function fromCache(cache: RepoCache, ref: RepoRef): Promise<{ commit: string; dir: string; missing: string[] } | undefined> {
  const commit = await cachedCommit(cache, ref.revision);
  if (commit === undefined) return undefined;
  const dir = join(cache.snapshots, commit);
  const missing: string[] = [];
  for (const file of REQUIRED_FILES) if (!(await exists(join(dir, file)))) missing.push(file);
  let onnx = false;
  for (const file of ONNX_FILES) onnx ||= await exists(join(dir, file));
  if (!onnx) missing.push(ONNX_FILES.join(' or '));
  return { commit, dir, missing };
}

function offlineError(settings: HubSettings, ref: RepoRef, cache: RepoCache, found: { commit: string; missing: string[] } | undefined): TidepoolError {
  const what = found === undefined
    ? `has no snapshot of ${ref.repo}@${ref.revision} (no ${join(cache.refs, ref.revision)} nor a commit folder)`
    : `has ${ref.repo}@${ref.revision} (commit ${found.commit}) without ${found.missing.join(', ')}`;
  return new TidepoolError('E_MODEL_MISSING', `offline (--offline or HF_HUB_OFFLINE=1), and the Hugging Face cache ${settings.cacheDir} ${what}. Download it once with network (unset HF_HUB_OFFLINE), or point HF_HUB_CACHE at the cache that has it.`, { repo: ref.repo, revision: ref.revision, cacheDir: settings.cacheDir, missing: found?.missing });
}

/** Resolves a Hub model id to a snapshot folder, downloading what the cache lacks unless offline. */
export async function resolveHubModel(spec: string, settings: HubSettings, deps: ResolveDeps = {}): Promise<ResolvedHubModel> {
  const ref = parseRepoRef(spec);
  const cache = repoCache(settings.cacheDir, ref.repo);
  const found = await fromCache(cache, ref);
  if (found !== undefined && found.missing.length === 0) return { ...ref, commit: found.commit, dir: found.dir, downloaded: [] };
  if (settings.offline) throw offlineError(settings, ref, cache, found);

  const client: HubClient = { endpoint: settings.endpoint, token: settings.token, fetch: deps.fetch ?? ((url, init) => fetch(url, init)) };
  const listing = await listRepo(client, ref);
  const plan = planModelFiles(listing.files);
  const details = { repo: ref.repo, revision: ref.revision, commit: listing.commit };
  if (plan.onnx === undefined) throw new TidepoolError('E_MODEL_MISSING', `${ref.repo}@${ref.revision} has no ONNX export (neither model.onnx nor onnx/model.onnx). ${exportRecipe(ref.repo)}`, details);
  if (plan.missingRequired.length > 0) throw new TidepoolError('E_MODEL_INVALID', `${ref.repo}@${ref.revision} lacks ${plan.missingRequired.join(' and ')}, so it is not a transformers model folder tidepool can load.`, details);
  // Pin the listed commit, so a branch that moves mid-download cannot mix two commits' files.
  const pinned: RepoRef = { repo: ref.repo, revision: listing.commit };
  const downloaded: string[] = [];
  for (const file of plan.files) {
    const cached = await downloadFile(client, cache, pinned, file, { log: deps.log, progress: deps.progress });
    if (cached.fetched > 0) downloaded.push(file);
  }
  // The ref last: a reader that finds refs/<revision> finds a complete snapshot behind it.
  await writeRef(cache, ref.revision, listing.commit);
  return { ...ref, commit: listing.commit, dir: join(cache.snapshots, listing.commit), downloaded };
}
