export { startHubSim, type HubSim, type HubSimOptions, type HubSimRequest } from './server.js';
export { commitOf, readRepoFiles, type RepoFile } from './repo-files.js';
