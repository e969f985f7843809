/**
 * `org/name[@revision]` -> a model folder on disk (a snapshot of the Hugging Face cache). The cache
 * is read first, so a model Python already downloaded needs no network; what is missing comes from
 * the Hub unless offline, where the error names the missing file instead.
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TidepoolError } from '../../errors.js';
import { AUTO_VARIANT, autoPreference, chooseOnnxVariant, listOnnxVariants } from '../onnx/variants.js';
import { findStaticLayout } from '../static/model-folder.js';
import { cachedCommit, repoCache, writeRef, type RepoCache } from './cache-layout.js';
import { downloadFile } from './download.js';
import { exportRecipe, listRepo, type FetchLike, type HubClient } from './http.js';
import { isStaticMetadata, ONNX_FILES, PLAIN_CPU, planModelFiles, REQUIRED_FILES, staticMetadataFiles, type VariantRequest } from './model-files.js';
import { parseRepoRef, type RepoRef } from './repo-id.js';
import type { ProgressSink } from '../../util/progress.js';
import type { HubSettings } from './settings.js';

/** Where a Hub id resolved to. */
export interface ResolvedHubModel {
  repo: string;
  revision: string;
  commit: string;
  /** The snapshot folder, ready for loadModelFolder (onnx) or loadStaticModelFolder (static). */
  dir: string;
  /** What the snapshot holds: an ONNX export, or a static (model2vec / StaticEmbedding) model. */
  kind: 'onnx' | 'static';
  /** Files fetched now (empty when the cache had everything). */
  downloaded: string[];
  /** Lines for the log (how the cached files decided the variant). */
  notes: string[];
}

/** What resolution may use besides the settings. */
export interface ResolveDeps extends VariantRequest {
  fetch?: FetchLike;
  /** A line per downloaded file. @default nothing */
  log?: (line: string) => void;
  /** Where each download's progress line goes (stderr in the CLI); none when undefined, as with -q. */
  progress?: ProgressSink | undefined;
}

interface CachedSnapshot {
  commit: string;
  dir: string;
  kind: 'onnx' | 'static';
  missing: string[];
  notes: string[];
}

/** A static model has no ONNX variants: a named one is noted, not an error (the repo is the user's choice). */
function staticNotes(ref: RepoRef, variant: string): string[] {
  return variant === AUTO_VARIANT ? [] : [`${ref.repo}@${ref.revision} is a static model, which has no ONNX variants: --variant ${variant} does not apply`];
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/**
 * The revision's snapshot in the cache, and what it lacks: for an ONNX model the required files and a
 * variant that `request` accepts among the ONNX files the snapshot has (auto picks among them, and says
 * so when the repo might have a better one); for a static model nothing more.
 */
async function fromCache(cache: RepoCache, ref: RepoRef, request: VariantRequest): Promise<CachedSnapshot | undefined> {
  const commit = await cachedCommit(cache, ref.revision);
  if (commit === undefined) return undefined;
  const dir = join(cache.snapshots, commit);
  const variant = request.variant ?? AUTO_VARIANT;
  const target = request.target ?? PLAIN_CPU;
  // A static model's tensors say so even beside an ONNX export of it (as planModelFiles prefers it).
  if ((await findStaticLayout(dir)) !== undefined) return { commit, dir, kind: 'static', missing: [], notes: staticNotes(ref, variant) };
  const variants = await listOnnxVariants(dir);
  const missing: string[] = [];
  const notes: string[] = [];
  for (const file of REQUIRED_FILES) if (!(await exists(join(dir, file)))) missing.push(file);
  if (variants.length === 0 && variant === AUTO_VARIANT) {
    missing.push(ONNX_FILES.join(' or '));
    return { commit, dir, kind: 'onnx', missing, notes };
  }
  try {
    const choice = chooseOnnxVariant(dir, variants, variant, target);
    const best = autoPreference(target)[0];
    if (variant === AUTO_VARIANT && best !== undefined && choice.variant.name !== best) {
      notes.push(`--variant auto chose ${choice.variant.name} among the ONNX files cached for ${ref.repo}@${ref.revision} (${variants.map((entry) => entry.name).join(', ')}); if the repo has ${best}, pass --variant ${best} to fetch it`);
    }
  } catch {
    missing.push(variant === AUTO_VARIANT ? `an ONNX variant for ${target.device}` : `the ONNX variant ${variant} (model_${variant}.onnx)`);
  }
  return { commit, dir, kind: 'onnx', missing, notes };
}

function offlineError(settings: HubSettings, ref: RepoRef, cache: RepoCache, found: { commit: string; missing: string[] } | undefined): TidepoolError {
  const what = found === undefined
    ? `has no snapshot of ${ref.repo}@${ref.revision} (no ${join(cache.refs, ref.revision)} nor a commit folder)`
    : `has ${ref.repo}@${ref.revision} (commit ${found.commit}) without ${found.missing.join(', ')}`;
  return new TidepoolError('E_MODEL_MISSING', `offline (--offline or HF_HUB_OFFLINE=1), and the Hugging Face cache ${settings.cacheDir} ${what}. Download it once with network (unset HF_HUB_OFFLINE), or point HF_HUB_CACHE at the cache that has it.`, { repo: ref.repo, revision: ref.revision, cacheDir: settings.cacheDir, missing: found?.missing });
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Resolves a Hub model id to a snapshot folder, downloading what the cache lacks unless offline. */
export async function resolveHubModel(spec: string, settings: HubSettings, deps: ResolveDeps = {}): Promise<ResolvedHubModel> {
  const ref = parseRepoRef(spec);
  const cache = repoCache(settings.cacheDir, ref.repo);
  const request: VariantRequest = { variant: deps.variant, target: deps.target };
  const found = await fromCache(cache, ref, request);
  if (found !== undefined && found.missing.length === 0) return { ...ref, commit: found.commit, dir: found.dir, kind: found.kind, downloaded: [], notes: found.notes };
  if (settings.offline) throw offlineError(settings, ref, cache, found);

  const client: HubClient = { endpoint: settings.endpoint, token: settings.token, fetch: deps.fetch ?? ((url, init) => fetch(url, init)) };
  const listing = await listRepo(client, ref);
  // Pin the listed commit, so a branch that moves mid-download cannot mix two commits' files.
  const pinned: RepoRef = { repo: ref.repo, revision: listing.commit };
  const dir = join(cache.snapshots, listing.commit);
  const downloaded: string[] = [];
  const fetchFile = async (file: string): Promise<void> => {
    const cached = await downloadFile(client, cache, pinned, file, { log: deps.log, progress: deps.progress });
    if (cached.fetched > 0 && !downloaded.includes(file)) downloaded.push(file);
  };
  // model2vec's file names are a transformers repo's too: its small metadata (fetched for an ONNX model anyway) decides before any weights come.
  const metadata = staticMetadataFiles(listing.files);
  for (const file of metadata) await fetchFile(file);
  const staticConfirmed = metadata.length === 0 ? false : isStaticMetadata(await readJson(join(dir, 'config.json')), await readJson(join(dir, 'modules.json')));
  const plan = planModelFiles(listing.files, request, `${ref.repo}@${ref.revision} (commit ${listing.commit})`, staticConfirmed);
  const details = { repo: ref.repo, revision: ref.revision, commit: listing.commit };
  if (plan.kind === 'none') throw new TidepoolError('E_MODEL_MISSING', `${ref.repo}@${ref.revision} has no ONNX export (neither model.onnx nor onnx/model.onnx) and is not a static (model2vec) model. ${exportRecipe(ref.repo)}`, details);
  if (plan.kind === 'onnx' && plan.missingRequired.length > 0) throw new TidepoolError('E_MODEL_INVALID', `${ref.repo}@${ref.revision} lacks ${plan.missingRequired.join(' and ')}, so it is not a transformers model folder tidepool can load.`, details);
  for (const file of plan.files) await fetchFile(file);
  // The ref last: a reader that finds refs/<revision> finds a complete snapshot behind it.
  await writeRef(cache, ref.revision, listing.commit);
  const notes = plan.kind === 'onnx' ? [`${ref.repo}@${ref.revision}: ONNX variant ${plan.choice.variant.name} (${plan.onnx}): ${plan.choice.reason}`] : [`${ref.repo}@${ref.revision}: a static model (${plan.layout} layout)`, ...staticNotes(ref, request.variant ?? AUTO_VARIANT)];
  return { ...ref, commit: listing.commit, dir, kind: plan.kind, downloaded, notes };
}
