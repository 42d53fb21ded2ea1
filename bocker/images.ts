/**
 * Images: each img_N is a name in the imagetool's store (BOCKER_ROOT/content) plus the
 * original's img.source file. pull and init make one, commit replaces one, rm deletes one.
 */
import { existsSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import type { Context } from "./context.ts";
import { BockerError } from "./errors.ts";
import { withLock } from "./lock.ts";
import { Store } from "./store.ts";

/** `pull centos 7` → centos:7 on Docker Hub, or <BOCKER_REGISTRY>/centos:7. */
export function pullReference(registry: string, name: string, tag: string): string {
  return registry ? `${registry.replace(/\/+$/, "")}/${name}:${tag}` : `${name}:${tag}`;
}

export async function pullImage(ctx: Context, name: string, tag: string): Promise<string> {
  const ref = pullReference(ctx.settings.registry, name, tag);
  // Pull under the image's own name, name it img_N, then drop the pulled name so that img_N is
  // all that holds the content (rm img_N frees it). Serialized so a concurrent pull of the same
  // reference cannot untag it between our pull and our tag.
  return withLock(join(ctx.store.root, "pull.lock"), async () => {
    const pull = Bun.spawn(ctx.tools.imagetoolArgv("pull", ref), { stdin: "ignore", stdout: "ignore", stderr: "inherit" });
    if ((await pull.exited) !== 0) throw new BockerError(`pull of ${ref} failed`);
    return ctx.store.allocate("img", (dir) => {
      ctx.tools.imagetool("--quiet", "tag", ref, basename(dir));
      ctx.tools.imagetool("--quiet", "rmi", "--no-prune", ref);
      Store.writeImageSource(dir, `${name}:${tag}`);
    });
  });
}

export async function initImage(ctx: Context, dir: string): Promise<string> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new BockerError(`No directory named '${dir}' exists`);
  // The id is taken (and its source written) under the id lock; the import, which takes as long
  // as the directory is big, runs outside it.
  const id = await ctx.store.allocate("img", (imageDir) => Store.writeImageSource(imageDir, dir));
  try {
    ctx.tools.imagetool("--quiet", "init", dir, "--name", id);
  } catch (err) {
    ctx.store.remove("img", id);
    throw err;
  }
  return id;
}

export function listImages(ctx: Context): Array<{ id: string; source: string }> {
  return ctx.store.list("img").map((id) => ({ id, source: ctx.store.imageSource(id) }));
}

/** Replaces image `imageId` by the container's current filesystem (its image plus its changes). */
export function commitContainer(ctx: Context, containerId: string, imageId: string): void {
  const { store, tools } = ctx;
  const id = store.resolveContainer(containerId);
  store.requireImage(imageId);
  tools.imagetool("--quiet", "commit", store.bundleDir(id), imageId);
  // As in the original, where the snapshot of the container brought its image's img.source along.
  const fromImage = store.readContainer(id).image;
  if (fromImage !== imageId && store.imageExists(fromImage)) store.setImageSource(imageId, store.imageSource(fromImage));
  collectGarbage(ctx);
}

export function removeImage(ctx: Context, id: string): void {
  ctx.store.requireImage(id);
  ctx.tools.imagetool("--quiet", "rmi", "--no-prune", id);
  ctx.store.remove("img", id);
  collectGarbage(ctx);
}

/**
 * Frees blobs no image names any more. Only when no container exists: a container's bundle
 * still points at its image's manifest and config (commit reads them), which a replaced or
 * removed img_N may have been the last name of. The last `rm` of a container collects then.
 */
export function collectGarbage(ctx: Context): void {
  if (ctx.store.list("ps").length === 0 && existsSync(join(ctx.store.root, "content"))) ctx.tools.imagetool("--quiet", "gc");
}
