/** What `images` shows for each name in the store: repository, tag, digest, id, size, created. */
import type { ContentStore } from "../content/store.ts";
import { familiarName, parseReference } from "../reference.ts";
import { listImages, resolveImage } from "./refs.ts";

export interface ImageSummary {
  /** Full stored name (docker.io/library/busybox:latest), or "" for an unnamed entry. */
  name: string;
  repository: string;
  tag: string;
  /** Digest of the index.json entry (what `pull name@digest` would fetch). */
  digest: string;
  /** Config digest, as Docker shows image ids. */
  id: string;
  /** Compressed bytes: manifest + config + layers. */
  size: number;
  created?: string;
  /** Set when the image's content is incomplete or invalid. */
  error?: string;
}

function splitName(name: string): { repository: string; tag: string } {
  try {
    const ref = parseReference(name);
    const repo = familiarName({ domain: ref.domain, path: ref.path });
    return { repository: repo, tag: ref.tag ?? "<none>" };
  } catch {
    return { repository: name || "<none>", tag: "<none>" };
  }
}

export async function describeImages(store: ContentStore): Promise<ImageSummary[]> {
  const out: ImageSummary[] = [];
  for (const entry of listImages(store)) {
    const base = { name: entry.name ?? "", ...splitName(entry.name ?? ""), digest: entry.descriptor.digest };
    try {
      const image = await resolveImage(store, entry.name ?? entry.descriptor.digest);
      const size = image.manifestDescriptor.size + image.configDescriptor.size + image.manifest.layers.reduce((n, l) => n + l.size, 0);
      out.push({ ...base, id: image.configDescriptor.digest, size, ...(image.config.created ? { created: image.config.created } : {}) });
    } catch (err) {
      out.push({ ...base, id: "", size: 0, error: (err as Error).message });
    }
  }
  return out;
}
