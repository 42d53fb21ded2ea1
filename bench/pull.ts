/**
 * bench/pull: pull + unpack to a bundle with bocker-imagetool, against skopeo copy + umoci unpack
 * of the same image from the same local docker-registry, in the same run; prints the ratio. Then
 * container-rootfs creation time (a second bundle of an unpacked image) for a small and a large image.
 *
 *   bun bench/pull.ts [--runs N]     (root; BOCKER_IMAGETOOL=path picks the binary)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBusyboxImage, imagetoolArgv, sh, startRegistry, tarLayer } from "../test/fixtures/registry.ts";
import { ContentStore } from "../imagetool/lib/content/store.ts";
import { setImageRef } from "../imagetool/lib/image/refs.ts";
import { OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST } from "../imagetool/lib/image/mediatype.ts";
import type { Descriptor } from "../imagetool/lib/image/types.ts";

const runsFlag = process.argv.indexOf("--runs");
const RUNS = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 3;
const tool = imagetoolArgv();

/** Host directories that make a realistic image: many small files (python) plus larger ones. */
const LARGE_LAYER_DIRS = ["/usr/lib/python3.11", "/usr/share/zoneinfo", "/usr/share/perl"];

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;

/** busybox rootfs + one layer per LARGE_LAYER_DIRS entry (tarred at its own path). */
async function buildLargeImage(store: ContentStore, name: string, tmp: string): Promise<number> {
  const base = await buildBusyboxImage(store, `${name}-base`, tmp);
  const baseConfig = JSON.parse(await Bun.file(store.blobPath(base.config.digest)).text());
  const layers: Descriptor[] = [...base.layers];
  const diffIds: string[] = [...baseConfig.rootfs.diff_ids];
  for (const dir of LARGE_LAYER_DIRS) {
    const staging = join(tmp, `layer${layers.length}`);
    await sh(["mkdir", "-p", join(staging, dir)]);
    await sh(["cp", "-a", `${dir}/.`, join(staging, dir)]);
    const { gz, diffId } = tarLayer(staging);
    layers.push({ mediaType: OCI_LAYER_GZIP, ...(await store.writeBlob(gz)) });
    diffIds.push(diffId);
  }
  const config = { ...baseConfig, rootfs: { type: "layers", diff_ids: diffIds }, history: diffIds.map(() => ({ created_by: "bench" })) };
  const configDesc = { mediaType: OCI_CONFIG, ...(await store.writeBlob(JSON.stringify(config))) };
  const manifest = { mediaType: OCI_MANIFEST, ...(await store.writeBlob(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: configDesc, layers }))) };
  await setImageRef(store, name, manifest);
  return layers.reduce((n, l) => n + l.size, 0);
}

const tmp = mkdtempSync(join(tmpdir(), "bocker-bench-"));
const registry = await startRegistry("none");
try {
  const src = new ContentStore(join(tmp, "src"));
  const smallBytes = (await buildBusyboxImage(src, "small:1", tmp)).layers[0]!.size;
  const largeBytes = await buildLargeImage(src, "large:1", tmp);
  for (const n of ["small", "large"]) {
    await sh(["skopeo", "copy", "--quiet", `oci:${src.root}:${n}:1`, `docker://${registry.host}/bench/${n}:1`, "--dest-tls-verify=false"]);
  }
  console.log(`bocker-imagetool: ${tool.join(" ")}; registry ${registry.host}; ${RUNS} runs, medians`);

  for (const [n, bytes] of [["small", smallBytes], ["large", largeBytes]] as const) {
    const ref = `${registry.host}/bench/${n}:1`;
    const t = { pull: [] as number[], bundle: [] as number[], copy: [] as number[], unpack: [] as number[], rootfs: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      const root = join(tmp, `root-${n}-${i}`);
      const bundle = join(tmp, `bundle-${n}-${i}`);
      t.pull.push(await timed(() => sh([...tool, "--root", root, "--quiet", "pull", ref])));
      t.bundle.push(await timed(() => sh([...tool, "--root", root, "--quiet", "bundle", ref, bundle])));
      // Container rootfs from an image already unpacked: should not depend on image size.
      const second = join(tmp, `bundle2-${n}-${i}`);
      t.rootfs.push(await timed(() => sh([...tool, "--root", root, "--quiet", "bundle", ref, second])));
      for (const b of [second, bundle]) await sh([...tool, "--root", root, "bundle", "--remove", b]);
      rmSync(root, { recursive: true, force: true });

      const layout = join(tmp, `layout-${n}-${i}`);
      const ubundle = join(tmp, `umoci-${n}-${i}`);
      t.copy.push(await timed(() => sh(["skopeo", "copy", "--quiet", "--src-tls-verify=false", `docker://${ref}`, `oci:${layout}:img`])));
      t.unpack.push(await timed(() => sh(["umoci", "unpack", "--image", `${layout}:img`, ubundle])));
      rmSync(layout, { recursive: true, force: true });
      rmSync(ubundle, { recursive: true, force: true });
    }
    const ours = median(t.pull.map((p, i) => p + t.bundle[i]!));
    const theirs = median(t.copy.map((c, i) => c + t.unpack[i]!));
    console.log(`${n} image (${(bytes / 1048576).toFixed(1)} MiB compressed):`);
    console.log(`  pull ${ms(median(t.pull))} vs skopeo copy ${ms(median(t.copy))} (${(median(t.copy) / median(t.pull)).toFixed(2)}x)`);
    console.log(`  bundle ${ms(median(t.bundle))} vs umoci unpack ${ms(median(t.unpack))} (${(median(t.unpack) / median(t.bundle)).toFixed(2)}x)`);
    console.log(`  pull+bundle ${ms(ours)} vs skopeo+umoci ${ms(theirs)}: ${(theirs / ours).toFixed(2)}x faster`);
    console.log(`  container rootfs from the unpacked image (second bundle): ${ms(median(t.rootfs))}`);
  }
} finally {
  await registry.stop();
  rmSync(tmp, { recursive: true, force: true });
}
