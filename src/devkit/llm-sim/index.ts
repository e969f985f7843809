/** The scripted OpenAI-compatible server and the scripted model that answers tidepool's prompts. */
export * from './server.js';
export * from './scripted-model.js';
export * from './hash.js';
export * from './batch-api.js';
