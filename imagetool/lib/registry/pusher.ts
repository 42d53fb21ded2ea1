/**
 * Pusher (distribution spec "Pushing blobs", "Pushing manifests"): for each blob a HEAD existence
 * check, then a cross-repository mount when the blob came from the same registry, else an upload:
 * monolithic (POST then one PUT) up to `chunkSize`, chunked (POST, PATCHes with Content-Range,
 * closing PUT) above it. Blobs are read from the store and sent as file slices, so a retry can
 * send them again. The manifest goes last, when every blob it names is there.
 */
import { ImagetoolError } from "../errors.ts";
import type { ContentStore } from "../content/store.ts";
import type { Descriptor } from "../image/types.ts";
import type { Repository } from "./repository.ts";

export const DEFAULT_CHUNK_SIZE = 32 * 1024 * 1024;

export async function blobExists(repo: Repository, digest: string): Promise<boolean> {
  const res = await repo.transport.request(`/v2/${repo.path}/blobs/${digest}`, { method: "HEAD", scope: repo.scope, expect: [404] });
  await res.body?.cancel().catch(() => {});
  return res.status !== 404;
}

function location(repo: Repository, res: Response, what: string): string {
  const loc = res.headers.get("location");
  if (!loc) throw new ImagetoolError("REGISTRY_ERROR", `${what}: registry ${repo.transport.host} sent no Location`);
  return new URL(loc, repo.transport.baseUrl).toString();
}

/** POST to start an upload, or to mount `digest` from `fromPath`; returns null when mounted. */
async function startUpload(repo: Repository, digest: string, fromPath?: string): Promise<string | null> {
  const query = fromPath ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(fromPath)}` : "";
  const res = await repo.transport.request(`/v2/${repo.path}/blobs/uploads/${query}`, {
    method: "POST",
    headers: { "content-length": "0" },
    scope: fromPath ? `${repo.scope} repository:${fromPath}:pull` : repo.scope,
  });
  await res.body?.cancel().catch(() => {});
  if (res.status === 201) return null;
  if (res.status !== 202) throw new ImagetoolError("REGISTRY_ERROR", `starting upload of ${digest}: unexpected HTTP ${res.status}`);
  return location(repo, res, `upload of ${digest}`);
}

function withDigest(url: string, digest: string): string {
  const u = new URL(url);
  u.searchParams.set("digest", digest);
  return u.toString();
}

async function finishUpload(repo: Repository, url: string, d: Descriptor, body: Blob | undefined): Promise<void> {
  const res = await repo.transport.request(withDigest(url, d.digest), {
    method: "PUT",
    headers: { "content-type": "application/octet-stream", "content-length": String(body?.size ?? 0) },
    ...(body ? { body } : {}),
    scope: repo.scope,
  });
  await res.body?.cancel().catch(() => {});
  if (res.status !== 201) throw new ImagetoolError("REGISTRY_ERROR", `finishing upload of ${d.digest}: unexpected HTTP ${res.status}`);
}

async function uploadChunked(repo: Repository, url: string, d: Descriptor, file: Blob, chunkSize: number, onBytes?: (n: number) => void): Promise<void> {
  let next = url;
  for (let offset = 0; offset < d.size; offset += chunkSize) {
    const end = Math.min(offset + chunkSize, d.size);
    const res = await repo.transport.request(next, {
      method: "PATCH",
      headers: { "content-type": "application/octet-stream", "content-range": `${offset}-${end - 1}`, "content-length": String(end - offset) },
      body: file.slice(offset, end),
      scope: repo.scope,
    });
    await res.body?.cancel().catch(() => {});
    if (res.status !== 202) throw new ImagetoolError("REGISTRY_ERROR", `uploading ${d.digest} bytes ${offset}-${end - 1}: unexpected HTTP ${res.status}`);
    next = location(repo, res, `upload of ${d.digest}`);
    onBytes?.(end - offset);
  }
  await finishUpload(repo, next, d, undefined);
}

export type PushOutcome = "exists" | "mounted" | "uploaded";

/** Makes sure the registry has blob `d`; `mountFrom` is a repository path on the same registry to try first. */
export async function pushBlob(
  store: ContentStore,
  repo: Repository,
  d: Descriptor,
  options: { mountFrom?: string; chunkSize?: number; onBytes?: (n: number) => void } = {},
): Promise<PushOutcome> {
  if (await blobExists(repo, d.digest)) return "exists";
  const mountFrom = options.mountFrom && options.mountFrom !== repo.path ? options.mountFrom : undefined;
  const url = await startUpload(repo, d.digest, mountFrom);
  if (url === null) return "mounted";
  const file = Bun.file(store.blobPath(d.digest));
  if (file.size !== d.size) throw new ImagetoolError("SIZE_MISMATCH", `blob ${d.digest} in the store has ${file.size} bytes, the descriptor says ${d.size}`);
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (d.size <= chunkSize) {
    await finishUpload(repo, url, d, file);
    options.onBytes?.(d.size);
  } else {
    await uploadChunked(repo, url, d, file, chunkSize, options.onBytes);
  }
  return "uploaded";
}

/** PUT the manifest bytes under `tagOrDigest`; returns the digest the registry reports. */
export async function pushManifest(repo: Repository, tagOrDigest: string, body: Uint8Array, mediaType: string): Promise<string | undefined> {
  const res = await repo.transport.request(`/v2/${repo.path}/manifests/${tagOrDigest}`, {
    method: "PUT",
    headers: { "content-type": mediaType },
    body,
    scope: repo.scope,
  });
  await res.body?.cancel().catch(() => {});
  return res.headers.get("docker-content-digest") ?? undefined;
}
