/**
 * Unpacks an image's layers into a snapshotter, one committed snapshot per layer named by its
 * chain ID (image-spec config.md "Layer ChainID"), so each layer is unpacked once and shared by
 * every image and container built on it. A layer is applied to a temporary active snapshot and
 * committed only once its content has been verified against its diffID (layer/plain-tar.ts).
 */
import { applyLayerBlob } from "../layer/unpack-blob.ts";
import { writableTarget, type Snapshotter } from "./snapshotter.ts";
import { trace } from "../trace.ts";
import { digestOf, randomHex } from "../content/digest.ts";
import { ImagetoolError } from "../errors.ts";

export interface LayerSource {
  layers: Array<{ mediaType: string; digest: string; size: number }>;
  diffIDs: string[];
  /** Layer i's blob bytes; may wait (a pull hands each layer over once it is downloaded and verified). */
  blob(index: number): Promise<AsyncIterable<Uint8Array>>;
}

/** chainID(L0) = diffID(L0); chainID(L0..n) = sha256(chainID(L0..n-1) + " " + diffID(Ln)). */
export function chainIDs(diffIDs: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIDs) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? d : digestOf(`${prev} ${d}`));
  }
  return out;
}

async function exists(sn: Snapshotter, key: string): Promise<boolean> {
  try {
    await sn.stat(key);
    return true;
  } catch {
    return false;
  }
}

export interface UnpackHooks {
  /** The names of the snapshots this call commits are pushed here as it goes (a failed pull removes them). */
  committed?: string[];
  /** Layer `index` is being applied, was applied (`entries` tar entries), or was unpacked already. */
  onLayer?(index: number, event: { phase: "applying" } | { phase: "applied"; entries: number } | { phase: "exists" }): void;
}

/** Returns the chain ID of the top layer (the parent for a container's snapshot). */
export async function unpackImage(sn: Snapshotter, src: LayerSource, hooks: UnpackHooks = {}): Promise<string> {
  if (src.layers.length !== src.diffIDs.length) {
    throw new ImagetoolError("INVALID_IMAGE", `image has ${src.layers.length} layers but its config lists ${src.diffIDs.length} diff_ids (config.md rootfs.diff_ids)`);
  }
  if (src.layers.length === 0) throw new ImagetoolError("INVALID_IMAGE", "image has no layers");
  const chain = chainIDs(src.diffIDs);
  let parent: string | undefined;
  for (const [i, layer] of src.layers.entries()) {
    const name = chain[i]!;
    if (await exists(sn, name)) {
      hooks.onLayer?.(i, { phase: "exists" });
    } else {
      const key = `extract-${randomHex(6)}-${name}`;
      const target = writableTarget(await sn.prepare(key, parent, { "bocker.layer.digest": layer.digest }));
      try {
        const blob = await src.blob(i);
        trace(`unpack: layer ${i} (${layer.digest}) starts`);
        hooks.onLayer?.(i, { phase: "applying" });
        const entries = await applyLayerBlob(blob, layer, src.diffIDs[i], {
          root: target.dir,
          format: sn.whiteoutFormat,
          lowerDirs: target.lowerDirs,
        });
        await sn.commit(name, key, { "bocker.layer.diffid": src.diffIDs[i]! });
        hooks.committed?.push(name);
        trace(`unpack: layer ${i} applied (${entries} entries) and committed`);
        hooks.onLayer?.(i, { phase: "applied", entries });
      } catch (e) {
        await sn.remove(key).catch(() => {});
        if (!(await exists(sn, name))) throw e; // someone else committed it meanwhile: fine
      }
    }
    parent = name;
  }
  return parent!;
}
