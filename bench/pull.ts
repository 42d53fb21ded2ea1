/**
 * bench/pull: pull + unpack to a bundle with bocker-imagetool, against skopeo copy + umoci unpack
 * of the same image from the same local docker-registry, in the same run, for a small (~1 MiB),
 * a medium (~20 MiB) and a larger (~100 MiB compressed) image, and for a debian:bookworm-sized
 * one (one layer, ~110 MiB and ~6,300 entries unpacked) with gzip and with zstd; prints the ratios.
 * For the debian-sized images, also against GNU tar extracting the same layer blob from disk
 * (`tar -xzf`, `tar --zstd -xf`), the limit of decompress + write with the network on loopback. Then
 * container-rootfs creation time (a second bundle of an already unpacked image) against image size,
 * and each command's peak memory from one more run of each under /usr/bin/time (Debian's `time`):
 * measured apart from the timed runs, and not with Bun's resourceUsage(), whose maxRSS counts the
 * child's pages before exec, a copy of this benchmark's own (hundreds of MiB once images are built).
 *
 *   bun bench/pull.ts [--runs N] [--only small,medium,large,debian,debian-zstd] [--evict-layers | --drop-caches]
 *   (root; BOCKER_IMAGETOOL=path picks the binary). Before each timed command, --evict-layers drops
 *   the layer blobs (the registry's and the file tar reads) from the page cache, so every side
 *   reads its layers from disk while the programs stay cached, as on a machine that ran them
 *   before; --drop-caches empties the whole page cache, programs included (a fresh boot: it costs
 *   our 113 MB executable ~0.15 s of page-ins per command, against GNU tar's 0.5 MB).
 *
 * As root, `pull` also unpacks the layers into snapshots while it downloads (as `docker pull`
 * does), so the unpack is counted in "pull" and "bundle" is what is left (container snapshot,
 * mount, config.json); the pair is what compares with skopeo copy + umoci unpack.
 *
 * Method: the two sides alternate which goes first in each run, and nothing either side made is
 * deleted until the end. Deleting a tree just before the other side unpacks makes the other side
 * pay for it: on an ext4 without a journal (this machine's), inode allocation skips every inode
 * freed in the last 60 s (360 s while its inode-table block is still dirty) with a lookup each
 * (ext4 find_inode_bit → recently_deleted), which made a file creation cost ~0.5–1 ms instead of
 * ~35 µs after a test run or an earlier bench had removed its trees. Leave the filesystem quiet
 * for 6 minutes before measuring, or set TMPDIR to a tmpfs (e.g. /dev/shm) to take inode
 * allocation out of the comparison; both sides always work in the same directory.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { buildBusyboxImage, imagetoolArgv, sh, startRegistry, tarLayer } from "../test/fixtures/registry.ts";
import { ContentStore } from "../imagetool/lib/content/store.ts";
import { setImageRef } from "../imagetool/lib/image/refs.ts";
import { OCI_CONFIG, OCI_LAYER_GZIP, OCI_LAYER_ZSTD, OCI_MANIFEST } from "../imagetool/lib/image/mediatype.ts";
import type { Descriptor } from "../imagetool/lib/image/types.ts";

const flag = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const RUNS = Number(flag("--runs") ?? 5);
const ONLY = (flag("--only") ?? "small,medium,large,debian,debian-zstd").split(",");
const DROP_CACHES = process.argv.includes("--drop-caches");
const EVICT_LAYERS = process.argv.includes("--evict-layers");
/** Directories whose files --evict-layers drops from the page cache (the registry's storage, the source store). */
const evictDirs: string[] = [];
const tool = imagetoolArgv();

/** Host directories that make realistic layers: many small files (python, perl) and larger ones (gcc, locales). */
const IMAGES: Record<string, string[]> = {
  small: [],
  medium: ["/usr/lib/python3.11", "/usr/share/zoneinfo", "/usr/share/perl"],
  large: ["/usr/lib/python3.11", "/usr/share/zoneinfo", "/usr/share/perl", "/usr/lib/gcc", "/usr/share/locale"],
};

/**
 * debian:bookworm is one layer (117 MB, 6.7k entries, 49 MB gzip); these host directories make one
 * of about its size and entry count (~110 MiB, ~6,300 entries; it compresses better: ~34 MB gzip).
 */
const DEBIAN_DIRS = ["/usr/lib/python3.11", "/usr/share/perl", "/usr/sbin", "/etc", "/usr/share/zoneinfo", "/usr/share/i18n"];
const SINGLE_LAYER: Record<string, "gzip" | "zstd"> = { debian: "gzip", "debian-zstd": "zstd" };
/** Debian 12's umoci (0.4.7) refuses zstd layers ("blob is not correct mediatype"): tar is the only peer there. */
const umociReads = (n: string) => SINGLE_LAYER[n] !== "zstd";

/** What --evict-layers or --drop-caches asks for before a timed command. */
async function makeCold(): Promise<void> {
  if (DROP_CACHES) {
    await sh(["sync"]);
    await Bun.write("/proc/sys/vm/drop_caches", "3");
  }
  if (EVICT_LAYERS) {
    // GNU dd's iflag=nocache with count=0 drops a file's cached pages (posix_fadvise DONTNEED).
    await sh(["sync"]);
    await sh(["sh", "-c", 'find "$@" -type f -size +64k -exec sh -c \'for f; do dd if="$f" iflag=nocache count=0 status=none; done\' sh {} +', "sh", ...evictDirs]);
  }
}

async function timed(argv: string[]): Promise<number> {
  await makeCold();
  const t = performance.now();
  await sh(argv);
  return performance.now() - t;
}

/**
 * Peak RSS of `argv` in KiB (GNU time's %M), and its peak anonymous memory (RssAnon of the command
 * under time, sampled every 5 ms): RSS counts the executable's code pages too, which are clean,
 * shared by every process running it, and about the same whatever the image (for our 113 MB Bun
 * executable ~40 MiB of it); the anonymous part is what the work itself uses. Undefined without
 * /usr/bin/time.
 */
async function peakKiB(argv: string[]): Promise<{ rss: number; anon: number } | undefined> {
  if (!existsSync("/usr/bin/time")) return undefined;
  const proc = Bun.spawn(["/usr/bin/time", "-f", "maxrss=%M", ...argv], { stdout: "pipe", stderr: "pipe" });
  let anon = 0;
  const timer = setInterval(() => {
    try {
      const child = readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, "utf8").trim();
      const kib = child ? /RssAnon:\s+(\d+)/.exec(readFileSync(`/proc/${child}/status`, "utf8"))?.[1] : undefined;
      if (kib) anon = Math.max(anon, Number(kib));
    } catch {
      // the command exited between the two reads
    }
  }, 5);
  const [, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearInterval(timer);
  if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code}: ${stderr}`);
  return { rss: Number(/maxrss=(\d+)\s*$/.exec(stderr)?.[1]), anon };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;
const mib = (kib: number | undefined) => `${((kib ?? 0) / 1024).toFixed(0)} MiB`;
const mem = (p: { rss: number; anon: number } | undefined) => (p === undefined ? "-" : `${mib(p.rss)} (${mib(p.anon)} anonymous)`);
const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");

/** busybox rootfs + one layer per directory (tarred at its own path). Returns the compressed size. */
async function buildImage(store: ContentStore, name: string, dirs: string[], tmp: string): Promise<number> {
  const base = await buildBusyboxImage(store, `${name}-base`, tmp);
  const baseConfig = JSON.parse(await Bun.file(store.blobPath(base.config.digest)).text());
  const layers: Descriptor[] = [...base.layers];
  const diffIds: string[] = [...baseConfig.rootfs.diff_ids];
  for (const dir of dirs) {
    const staging = join(tmp, `layer-${name.replace(/\W/g, "")}-${layers.length}`);
    await sh(["mkdir", "-p", join(staging, dir)]);
    await sh(["cp", "-a", `${dir}/.`, join(staging, dir)]);
    const { gz, diffId } = tarLayer(staging);
    layers.push({ mediaType: OCI_LAYER_GZIP, ...(await store.writeBlob(gz)) });
    diffIds.push(diffId);
    // The staging copy stays until the end like everything else (see the top comment): removing
    // these ~10,000 files here made the small image's runs, which come next, pay for it.
  }
  const config = { ...baseConfig, rootfs: { type: "layers", diff_ids: diffIds }, history: diffIds.map(() => ({ created_by: "bench" })) };
  const configDesc = { mediaType: OCI_CONFIG, ...(await store.writeBlob(JSON.stringify(config))) };
  const manifest = { mediaType: OCI_MANIFEST, ...(await store.writeBlob(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: configDesc, layers }))) };
  await setImageRef(store, name, manifest);
  return layers.reduce((n, l) => n + l.size, 0);
}

/** One layer of DEBIAN_DIRS (tarred at their own paths, as a distribution's rootfs is), gzip or zstd. */
async function buildSingleLayerImage(store: ContentStore, name: string, compression: "gzip" | "zstd", tmp: string): Promise<{ size: number; blob: string }> {
  const tarFile = join(tmp, "debian-layer.tar");
  if (!existsSync(tarFile)) {
    await sh(["tar", "--sort=name", "--numeric-owner", "-C", "/", "-cf", tarFile, ...DEBIAN_DIRS.map((d) => d.slice(1))]);
  }
  const tar = new Uint8Array(await Bun.file(tarFile).arrayBuffer());
  const diffId = `sha256:${new Bun.CryptoHasher("sha256").update(tar).digest("hex")}`;
  const blob = compression === "gzip" ? Bun.gzipSync(tar) : Bun.zstdCompressSync(tar, { level: 3 });
  const layer: Descriptor = { mediaType: compression === "gzip" ? OCI_LAYER_GZIP : OCI_LAYER_ZSTD, ...(await store.writeBlob(blob)) };
  const arch = ({ x64: "amd64", arm64: "arm64" } as Record<string, string>)[process.arch] ?? process.arch;
  const config = { architecture: arch, os: "linux", config: { Cmd: ["/bin/sh"] }, rootfs: { type: "layers", diff_ids: [diffId] }, history: [{ created_by: "bench" }] };
  const configDesc = { mediaType: OCI_CONFIG, ...(await store.writeBlob(JSON.stringify(config))) };
  const manifest = { mediaType: OCI_MANIFEST, ...(await store.writeBlob(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: configDesc, layers: [layer] }))) };
  await setImageRef(store, name, manifest);
  return { size: layer.size, blob: store.blobPath(layer.digest) };
}

interface Times { pull: number[]; bundle: number[]; rootfs: number[]; copy: number[]; unpack: number[]; tar: number[] }

const tmp = mkdtempSync(join(tmpdir(), "bocker-bench-"));
const registry = await startRegistry("none");
const bundles: Array<[root: string, dir: string]> = [];
try {
  const src = new ContentStore(join(tmp, "src"));
  evictDirs.push(src.root, registry.dir);
  const sizes: Record<string, number> = {};
  const layerBlobs: Record<string, string> = {};
  for (const n of ONLY) {
    if (SINGLE_LAYER[n]) {
      const { size, blob } = await buildSingleLayerImage(src, `${n}:1`, SINGLE_LAYER[n]!, tmp);
      sizes[n] = size;
      layerBlobs[n] = blob;
    } else {
      sizes[n] = await buildImage(src, `${n}:1`, IMAGES[n]!, tmp);
    }
    await sh(["skopeo", "copy", "--quiet", `oci:${src.root}:${n}:1`, `docker://${registry.host}/bench/${n}:1`, "--dest-tls-verify=false"]);
  }
  console.log(`bocker-imagetool: ${tool.join(" ")}; registry ${registry.host}; ${RUNS} runs each, medians`);
  console.log(`load average at start: ${load()}`);

  const results: Record<string, Times> = {};
  for (const n of ONLY) {
    const ref = `${registry.host}/bench/${n}:1`;
    const t: Times = { pull: [], bundle: [], rootfs: [], copy: [], unpack: [], tar: [] };
    results[n] = t;
    for (let i = 0; i < RUNS; i++) {
      const ours = async () => {
        const root = join(tmp, `root-${n}-${i}`);
        const bundle = join(tmp, `bundle-${n}-${i}`);
        const second = join(tmp, `bundle2-${n}-${i}`);
        t.pull.push(await timed([...tool, "--root", root, "--quiet", "pull", ref]));
        t.bundle.push(await timed([...tool, "--root", root, "--quiet", "bundle", ref, bundle]));
        bundles.push([root, bundle]);
        // Container rootfs from an image already unpacked: should not depend on image size.
        t.rootfs.push(await timed([...tool, "--root", root, "--quiet", "bundle", ref, second]));
        bundles.push([root, second]);
      };
      const theirs = async () => {
        const layout = join(tmp, `layout-${n}-${i}`);
        t.copy.push(await timed(["skopeo", "copy", "--quiet", "--src-tls-verify=false", `docker://${ref}`, `oci:${layout}:img`]));
        if (umociReads(n)) t.unpack.push(await timed(["umoci", "unpack", "--image", `${layout}:img`, join(tmp, `umoci-${n}-${i}`)]));
        if (layerBlobs[n]) {
          const dir = join(tmp, `tar-${n}-${i}`);
          await sh(["mkdir", dir]);
          const decompress = SINGLE_LAYER[n] === "gzip" ? "-z" : "--zstd";
          t.tar.push(await timed(["tar", decompress, "-xf", layerBlobs[n]!, "-C", dir]));
        }
      };
      if (i % 2 === 0) {
        await ours();
        await theirs();
      } else {
        await theirs();
        await ours();
      }
    }
  }

  console.log(`load average at end: ${load()}`);
  for (const n of ONLY) {
    const t = results[n]!;
    const ours = median(t.pull.map((p, i) => p + t.bundle[i]!));
    const theirs = median(t.copy.map((c, i) => c + (t.unpack[i] ?? 0)));
    const layers = SINGLE_LAYER[n] ? `1 ${SINGLE_LAYER[n]} layer` : `${IMAGES[n]!.length + 1} layers`;
    console.log(`${n} image (${(sizes[n]! / 1048576).toFixed(1)} MiB compressed, ${layers}):`);
    console.log(`  pull (download + unpack) ${ms(median(t.pull))} vs skopeo copy ${ms(median(t.copy))}`);
    if (t.unpack.length > 0) {
      console.log(`  bundle (snapshot + mount + config) ${ms(median(t.bundle))} vs umoci unpack ${ms(median(t.unpack))}`);
      console.log(`  pull+bundle ${ms(ours)} vs skopeo+umoci ${ms(theirs)}: ${(theirs / ours).toFixed(2)}x faster`);
    } else {
      console.log(`  bundle (snapshot + mount + config) ${ms(median(t.bundle))}; umoci cannot unpack ${SINGLE_LAYER[n]} layers`);
    }
    if (t.tar.length > 0) {
      const tar = median(t.tar);
      console.log(`  pull+bundle ${ms(ours)} vs tar ${SINGLE_LAYER[n] === "gzip" ? "-xzf" : "--zstd -xf"} of the layer from disk ${ms(tar)}: ${(tar / ours).toFixed(2)}x faster`);
    }
  }
  console.log("container rootfs from an unpacked image (second bundle) vs image size:");
  for (const n of ONLY) console.log(`  ${n.padEnd(6)} ${(sizes[n]! / 1048576).toFixed(1).padStart(6)} MiB: ${ms(median(results[n]!.rootfs))}`);

  console.log("peak memory, RSS (anonymous part), one more run of each command:");
  const pullPeak: Record<string, number> = {};
  for (const n of ONLY) {
    const ref = `${registry.host}/bench/${n}:1`;
    const root = join(tmp, `root-${n}-mem`);
    const bundle = join(tmp, `bundle-${n}-mem`);
    const layout = join(tmp, `layout-${n}-mem`);
    const pull = await peakKiB([...tool, "--root", root, "--quiet", "pull", ref]);
    const made = await peakKiB([...tool, "--root", root, "--quiet", "bundle", ref, bundle]);
    bundles.push([root, bundle]);
    const copy = await peakKiB(["skopeo", "copy", "--quiet", "--src-tls-verify=false", `docker://${ref}`, `oci:${layout}:img`]);
    const unpack = umociReads(n) ? await peakKiB(["umoci", "unpack", "--image", `${layout}:img`, join(tmp, `umoci-${n}-mem`)]) : undefined;
    if (pull === undefined) {
      console.log("  (no /usr/bin/time: apt-get install time)");
      break;
    }
    pullPeak[n] = pull.rss;
    console.log(`  ${n.padEnd(11)} pull ${mem(pull)}, bundle ${mem(made)} vs skopeo copy ${mem(copy)}${unpack === undefined ? "" : `, umoci unpack ${mem(unpack)}`}`);
  }
  // The goal (issue 14): peak memory does not grow with the image: the largest image's pull within
  // 1.2x of the smallest's, and at most 48 MiB.
  const measured = ONLY.filter((n) => pullPeak[n] !== undefined);
  if (measured.length > 1) {
    const smallest = measured.reduce((a, b) => (sizes[a]! <= sizes[b]! ? a : b));
    for (const n of measured.filter((m) => m !== smallest)) {
      const ratio = pullPeak[n]! / pullPeak[smallest]!;
      const ok = ratio <= 1.2 && pullPeak[n]! <= 48 * 1024;
      console.log(`  pull peak ${n} / ${smallest}: ${ratio.toFixed(2)} (${mib(pullPeak[n])}; goal <= 1.20 and <= 48 MiB: ${ok ? "met" : "NOT met"})`);
    }
  }
} finally {
  for (const [root, dir] of bundles) await sh([...tool, "--root", root, "bundle", "--remove", dir], false);
  await registry.stop();
  rmSync(tmp, { recursive: true, force: true });
}
