/**
 * init: an image from a directory, like bocker's `init`: one layer holding the directory's tree,
 * a config with sane defaults (Cmd /bin/sh, PATH), an OCI manifest, stored and named.
 */
import { lstatSync } from "node:fs";
import { storeForRoot } from "../content/store.ts";
import { resolve } from "node:path";
import { tarTree } from "../layer/diff.ts";
import { storeLayer } from "../layer/store-layer.ts";
import { DEFAULT_PATH_ENV } from "./defaults.ts";
import { writeImage, type NewImage } from "./image-writer.ts";
import { ImagetoolError } from "../errors.ts";

export async function initImage(opts: { root: string; dir: string; name: string }): Promise<NewImage> {
  const dir = resolve(opts.dir);
  if (!lstatSync(dir).isDirectory()) throw new ImagetoolError("INVALID_ARGUMENT", `${dir} is not a directory`, { context: { path: dir } });
  const store = storeForRoot(opts.root);
  const layer = await storeLayer(store, tarTree(dir));
  return writeImage(store, undefined, layer, { created_by: `bocker-imagetool init ${dir}` }, opts.name, {
    Env: [DEFAULT_PATH_ENV],
    Cmd: ["/bin/sh"],
  });
}
