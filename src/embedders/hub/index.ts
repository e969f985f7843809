export { hubSettingsFromEnv, DEFAULT_HUB_ENDPOINT, type HubSettings } from './settings.js';
export { looksLikeRepoId, parseRepoRef, type RepoRef } from './repo-id.js';
export { repoCache, type RepoCache } from './cache-layout.js';
export { planModelFiles } from './model-files.js';
export { resolveHubModel, type ResolvedHubModel, type ResolveDeps } from './resolve.js';
export type { FetchLike } from './http.js';
