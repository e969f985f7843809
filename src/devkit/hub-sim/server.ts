/**
 * A local stand-in for the Hugging Face Hub (127.0.0.1) serving one folder as repo `org/name` at one
 * commit, through the Hub's HTTP interface: `/api/models/{repo}/revision/{rev}`, HEAD/GET
 * `/{repo}/resolve/{rev}/{file}` with X-Repo-Commit and ETag, a redirect to `/lfs/{sha256}` (with
 * X-Linked-Etag / X-Linked-Size) for large files, Range requests, 401 for a gated repo without the
 * token, 404 with X-Error-Code for an unknown repo, revision or file, and switches to cut a body short
 * or corrupt it. `aliases` serve one file under more names, as a repo of ONNX variants does (tests count
 * which of them a download asked for).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { commitOf, readRepoFiles, type RepoFile } from './repo-files.js';

/** Options of {@link startHubSim}. */
export interface HubSimOptions {
  /** The folder served as the repo. */
  dir: string;
  /** @default "org/name" */
  repo?: string;
  /** Branches and tags, all at the one commit. @default ["main"] */
  revisions?: string[];
  /** When set, every request must carry `Authorization: Bearer <token>` (a gated repo), else 401. */
  token?: string;
  /** Files of this many bytes or more are LFS files, served through a redirect. @default 65536 */
  lfsThreshold?: number;
  /** Extra repo paths served with the bytes of a file the folder has: `{ 'onnx/model_qint8_avx512_vnni.onnx': 'onnx/model.onnx' }`. @default none */
  aliases?: Record<string, string>;
  /** Every answer waits this long, as a distant Hub does (so two downloads overlap in tests). @default 0 */
  latencyMs?: number;
}

/** One request the server received. */
export interface HubSimRequest {
  method: string;
  path: string;
  range: string | undefined;
  authorization: string | undefined;
}

/** A running stand-in. */
export interface HubSim {
  /** Base URL, for HF_ENDPOINT. */
  url: string;
  repo: string;
  commit: string;
  files: readonly RepoFile[];
  requests: HubSimRequest[];
  /** The next body of `file` stops after `bytes` bytes and the connection is destroyed. */
  cutNextBody(file: string, bytes: number): void;
  /** Bodies of this file are served with one byte flipped. */
  corrupt(file: string | undefined): void;
  close(): Promise<void>;
}

function notFound(response: ServerResponse, code: string, message: string): void {
  response.writeHead(404, { 'content-type': 'application/json', 'x-error-code': code });
  response.end(JSON.stringify({ error: message }));
}

function withAliases(files: RepoFile[], aliases: Record<string, string>): RepoFile[] {
  const extra = Object.entries(aliases).map(([path, source]) => {
    const file = files.find((entry) => entry.path === source);
    if (file === undefined) throw new Error(`hub-sim: alias ${path} names ${source}, which the folder lacks`);
    return { ...file, path };
  });
  return [...files, ...extra].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Starts the stand-in on 127.0.0.1 at a free port. */
export async function startHubSim(options: HubSimOptions): Promise<HubSim> {
  const repo = options.repo ?? 'org/name';
  const files = withAliases(await readRepoFiles(options.dir), options.aliases ?? {});
  const byPath = new Map(files.map((file) => [file.path, file]));
  const bySha256 = new Map(files.map((file) => [file.sha256, file]));
  const commit = commitOf(files);
  const revisions = new Set([...(options.revisions ?? ['main']), commit]);
  const lfsThreshold = options.lfsThreshold ?? 65536;
  const requests: HubSimRequest[] = [];
  let cut: { file: string; bytes: number } | undefined;
  let corrupted: string | undefined;
  const sockets = new Set<Socket>();

  function sendBody(request: IncomingMessage, response: ServerResponse, file: RepoFile, headers: Record<string, string>): void {
    let bytes = file.bytes;
    if (corrupted === file.path) {
      bytes = Buffer.from(bytes);
      bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
    }
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    const start = range === null ? 0 : Number(range[1]);
    if (start > bytes.length) {
      response.writeHead(416, { 'content-range': `bytes */${bytes.length}` });
      response.end();
      return;
    }
    const part = bytes.subarray(start);
    response.writeHead(range === null ? 200 : 206, {
      ...headers,
      'content-length': String(part.length),
      'accept-ranges': 'bytes',
      ...(range === null ? {} : { 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` }),
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    if (cut?.file === file.path) {
      const keep = cut.bytes;
      cut = undefined;
      // Destroyed a moment after the bytes leave, so the client has them (as a dropped connection would).
      response.write(part.subarray(0, keep), () => setTimeout(() => response.destroy(), 50));
      return;
    }
    response.end(part);
  }

  function handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const path = decodeURIComponent(url.pathname);
    requests.push({ method: request.method ?? 'GET', path, range: request.headers.range, authorization: request.headers.authorization });
    const lfs = /^\/lfs\/([0-9a-f]{64})$/.exec(url.pathname);
    if (lfs !== null) {
      // The "CDN": its own ETag, not the Hub's, as real storage answers.
      const file = bySha256.get(lfs[1] ?? '');
      if (file === undefined) notFound(response, 'EntryNotFound', 'no such object');
      else sendBody(request, response, file, { etag: `"cdn-${file.sha256.slice(0, 16)}"` });
      return;
    }
    if (options.token !== undefined && request.headers.authorization !== `Bearer ${options.token}`) {
      response.writeHead(401, { 'content-type': 'application/json', 'x-error-code': 'GatedRepo' });
      response.end(JSON.stringify({ error: `Access to model ${repo} is restricted. You must have access to it and be authenticated to access it.` }));
      return;
    }
    const api = /^\/api\/models\/(.+)\/revision\/([^/]+)$/.exec(path);
    if (api !== null) {
      if (api[1] !== repo) { notFound(response, 'RepoNotFound', 'Repository not found'); return; }
      if (!revisions.has(api[2] ?? '')) { notFound(response, 'RevisionNotFound', 'Invalid rev id'); return; }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ id: repo, sha: commit, siblings: files.map((file) => ({ rfilename: file.path })) }));
      return;
    }
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (resolve === null || resolve[1] !== repo) { notFound(response, 'RepoNotFound', 'Repository not found'); return; }
    if (!revisions.has(resolve[2] ?? '')) { notFound(response, 'RevisionNotFound', 'Invalid rev id'); return; }
    const file = byPath.get(resolve[3] ?? '');
    if (file === undefined) { notFound(response, 'EntryNotFound', 'Entry not found'); return; }
    if (file.bytes.length >= lfsThreshold) {
      response.writeHead(302, {
        location: `/lfs/${file.sha256}`,
        'x-repo-commit': commit,
        'x-linked-etag': `"${file.sha256}"`,
        'x-linked-size': String(file.bytes.length),
        etag: `"${file.gitSha1}"`,
      });
      response.end();
      return;
    }
    sendBody(request, response, file, { 'x-repo-commit': commit, etag: `"${file.gitSha1}"` });
  }

  const latencyMs = options.latencyMs ?? 0;
  const server = createServer(latencyMs === 0 ? handle : (request, response) => { setTimeout(() => { handle(request, response); }, latencyMs); });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    repo,
    commit,
    files,
    requests,
    cutNextBody: (file, bytes) => { cut = { file, bytes }; },
    corrupt: (file) => { corrupted = file; },
    close: () => new Promise<void>((resolveClose) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => { resolveClose(); });
    }),
  };
}
