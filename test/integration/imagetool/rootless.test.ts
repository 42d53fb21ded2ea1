/**
 * The image tool run by an unprivileged user (issue 14): pull from the local registry into the
 * user's default store ($XDG_DATA_HOME/bocker), unpack, bundle, and the bundle run by
 * bocker-runtime as that user. Twice: as `nobody` (no /etc/subuid range: the single-id mode, owners
 * other than root kept in `user.rootlesscontainers`) and as a test user whom useradd gives
 * /etc/subuid and /etc/subgid ranges (the command runs in a user namespace mapping them: owners
 * applied as the container sees them). The image holds a root file, a uid-1000 file, a file owned
 * by an id no map holds, a setuid file, a character device and a trusted.* xattr.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { makeBusyboxRootfs } from "../../../common/busybox-rootfs.ts";
import { distBinary } from "../../fixtures/dist.ts";
import { sh, startRegistry, tarLayer, type TestRegistry } from "../../fixtures/registry.ts";
import { buildLayer, dir, file, type EntrySpec } from "../../fixtures/tar-builder.ts";
import { ContentStore } from "../../../imagetool/lib/content/store.ts";
import { setImageRef } from "../../../imagetool/lib/image/refs.ts";
import { OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST } from "../../../imagetool/lib/image/mediatype.ts";
import { lgetxattr } from "../../../imagetool/lib/sys/libc.ts";
import { decodeOwner, ROOTLESS_XATTR } from "../../../imagetool/lib/layer/rootless-owner.ts";
import { NOBODY, useraddTestUser, userdelTestUser, type TestUser } from "../userns/unprivileged.ts";
import { procStat } from "../../../runtime/lib/state.ts";

const SPECIAL: EntrySpec[] = [
  dir("data/", { uid: 0, gid: 0 }),
  file("data/root-file", "r\n", { uid: 0, gid: 0 }),
  file("data/user-file", "u\n", { uid: 1000, gid: 1000 }),
  file("data/far-file", "f\n", { uid: 3_000_000, gid: 3_000_000 }),
  file("data/suid", "s\n", { uid: 0, gid: 0, mode: 0o4755 }),
  { name: "data/null", type: "char", devmajor: 1, devminor: 3, mode: 0o666, uid: 0, gid: 0 },
  file("data/trusted", "t\n", { xattrs: new Map([["trusted.bocker-test", new TextEncoder().encode("x")]]) }),
  dir("data/ro/", { mode: 0o555 }),
  file("data/ro/f", "f\n"),
];
/** A later layer adds to a directory its owner may not write to (mode 0555). */
const LATER: EntrySpec[] = [file("data/ro/g", "g\n")];

/** What the container prints about /data, and what it is asked to print it with. */
const PROBE = "id -u; cd /data; stat -c '%n %u:%g %a %F' root-file user-file far-file suid null ro; cat root-file ro/f ro/g";

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

class RootlessUser {
  readonly home: string;
  readonly data: string;
  readonly runtimeDir: string;
  constructor(readonly user: TestUser, base: string) {
    this.home = join(base, user.name);
    this.data = join(this.home, "data");
    this.runtimeDir = join(this.home, "run");
    for (const d of [this.home, this.data, this.runtimeDir]) {
      mkdirSync(d, { mode: 0o700 });
      chownSync(d, user.uid, user.gid);
    }
  }

  get store(): string {
    return join(this.data, "bocker");
  }

  /** A command as the user: no capabilities, no supplementary groups (setpriv, as userns/unprivileged.ts). */
  async run(argv: string[]): Promise<RunResult> {
    const env = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", HOME: this.home, XDG_DATA_HOME: this.data, XDG_RUNTIME_DIR: this.runtimeDir };
    const proc = Bun.spawn(["setpriv", `--reuid=${this.user.uid}`, `--regid=${this.user.gid}`, "--clear-groups", "--inh-caps=-all", ...argv], {
      cwd: this.home, env, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 60_000,
    });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return { code, stdout, stderr };
  }

  imagetool(args: string[]): Promise<RunResult> {
    return this.run([distBinary("bocker-imagetool"), ...args]);
  }

  runtime(args: string[]): Promise<RunResult> {
    return this.run([distBinary("bocker-runtime"), ...args]);
  }

  /** Force-deletes what the runtime left, kills recorded inits by PID, removes the user's dir. */
  async remove(): Promise<void> {
    const states = join(this.runtimeDir, "bocker-runtime");
    for (const id of existsSync(states) ? readdirNames(states) : []) {
      try {
        const { pid, starttime } = JSON.parse(readFileSync(join(states, id, "state.json"), "utf8"));
        await this.runtime(["delete", "--force", id]);
        if (pid > 0 && procStat(pid)?.starttime === starttime) process.kill(pid, "SIGKILL");
      } catch {}
    }
    rmSync(this.home, { recursive: true, force: true });
  }
}

function readdirNames(d: string): string[] {
  return (require("node:fs") as typeof import("node:fs")).readdirSync(d).filter((n) => !n.startsWith("."));
}

const keptOwner = (path: string) => {
  const v = lgetxattr(path, ROOTLESS_XATTR);
  return v === undefined ? undefined : decodeOwner(v);
};

describeRoot("rootless image tool", () => {
  const cleanup = new Cleanup();
  let tmp: string;
  let registry: TestRegistry;
  let ref: string;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "bocker-rootless-it-"));
    chmodSync(tmp, 0o755);
    cleanup.add("temp dir", () => rmSync(tmp, { recursive: true, force: true }));
    registry = await startRegistry("none");
    cleanup.add(`registry ${registry.host}`, () => registry.stop());
    const src = new ContentStore(join(tmp, "src"));
    const busybox = tarLayer(makeBusyboxRootfs(join(tmp, "busybox-rootfs")));
    const special = buildLayer(SPECIAL);
    const later = buildLayer(LATER);
    const layers = [
      { mediaType: OCI_LAYER_GZIP, ...(await src.writeBlob(busybox.gz)) },
      { mediaType: OCI_LAYER_GZIP, ...(await src.writeBlob(special.blob)) },
      { mediaType: OCI_LAYER_GZIP, ...(await src.writeBlob(later.blob)) },
    ];
    const arch = ({ x64: "amd64", arm64: "arm64" } as Record<string, string>)[process.arch] ?? process.arch;
    const config = {
      architecture: arch, os: "linux",
      config: { Cmd: ["/bin/sh"], Env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"] },
      rootfs: { type: "layers", diff_ids: [busybox.diffId, special.diffID, later.diffID] },
    };
    const configDesc = { mediaType: OCI_CONFIG, ...(await src.writeBlob(JSON.stringify(config))) };
    const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: configDesc, layers };
    await setImageRef(src, "rootless:1", { mediaType: OCI_MANIFEST, ...(await src.writeBlob(JSON.stringify(manifest))) });
    ref = `${registry.host}/test/rootless:1`;
    await sh(["skopeo", "copy", "--quiet", `oci:${src.root}:rootless:1`, `docker://${ref}`, "--dest-tls-verify=false"]);
  });
  afterAll(() => cleanup.run());

  describe("as nobody: one id, owners kept in user.rootlesscontainers", () => {
    let u: RootlessUser;
    beforeAll(() => {
      u = new RootlessUser(NOBODY, tmp);
      cleanup.add("nobody's dir", () => u.remove());
    });

    test("pull into $XDG_DATA_HOME/bocker, unpacked while pulling into the copy snapshotter", async () => {
      const r = await u.imagetool(["pull", ref]);
      expect(r.stderr).not.toContain("error");
      expect(r.code).toBe(0);
      expect(lstatSync(u.store).uid).toBe(NOBODY.uid);
      expect(existsSync(join(u.store, "snapshots", "copy"))).toBe(true);
      expect((await u.imagetool(["images"])).stdout).toContain(`${registry.host}/test/rootless `);
    });

    test("unpack: a rootless config.json; owners other than root are kept in the xattr; the device is an empty file", async () => {
      const dirOut = join(u.home, "unpacked");
      const r = await u.imagetool(["unpack", ref, dirOut]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const spec = JSON.parse(readFileSync(join(dirOut, "config.json"), "utf8"));
      expect(spec.linux.uidMappings).toEqual([{ containerID: 0, hostID: NOBODY.uid, size: 1 }]);
      expect(spec.linux.gidMappings).toEqual([{ containerID: 0, hostID: NOBODY.gid, size: 1 }]);
      expect(spec.linux.namespaces.map((n: { type: string }) => n.type)).toContain("user");
      expect(spec.linux.namespaces.map((n: { type: string }) => n.type)).not.toContain("network");
      expect(spec.linux.resources).toBeUndefined();
      const data = join(dirOut, "rootfs", "data");
      for (const f of ["root-file", "user-file", "far-file", "suid", "null"]) expect(lstatSync(join(data, f)).uid).toBe(NOBODY.uid);
      expect(keptOwner(join(data, "root-file"))).toBeUndefined();
      expect(keptOwner(join(data, "user-file"))).toEqual({ uid: 1000, gid: 1000 });
      expect(keptOwner(join(data, "far-file"))).toEqual({ uid: 3_000_000, gid: 3_000_000 });
      expect(lstatSync(join(data, "suid")).mode & 0o7777).toBe(0o4755);
      // kept u+rwx while the layers were applied (the later one adds ro/g), 0555 again afterwards
      expect(lstatSync(join(data, "ro")).mode & 0o7777).toBe(0o555);
      expect(readFileSync(join(data, "ro", "g"), "utf8")).toBe("g\n");
      const dev = lstatSync(join(data, "null"));
      expect([dev.isFile(), dev.size]).toEqual([true, 0]);
      expect(lgetxattr(join(data, "trusted"), "trusted.bocker-test")).toBeUndefined();
    });

    test("bundle (copy, nothing mounted) runs with bocker-runtime as the user: root inside, root's file is root's", async () => {
      const b = join(u.home, "bundle");
      const made = await u.imagetool(["bundle", "--snapshotter", "overlay", ref, b, "--", "sh", "-c", PROBE]);
      expect(made.stderr).toContain("note: rootless: the overlay snapshotter needs a mount");
      expect(made.code).toBe(0);
      expect(readlinkSync(join(b, "rootfs"))).toStartWith(join(u.store, "snapshots", "copy"));
      const r = await u.runtime(["run", "--bundle", b, `rl-img-${process.pid}`]);
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe(
        "0\nroot-file 0:0 644 regular file\nuser-file 0:0 644 regular file\nfar-file 0:0 644 regular file\nsuid 0:0 4755 regular file\nnull 0:0 666 regular empty file\nro 0:0 555 directory\nr\nf\ng\n",
      );
      expect(r.code).toBe(0);
      const removed = await u.imagetool(["bundle", "--remove", b]);
      expect(removed).toEqual({ code: 0, stdout: "", stderr: "" });
      expect(existsSync(b)).toBe(false);
    });

    test("commit as the user: the layer records the owners the container sees (root, and the kept ones)", async () => {
      const b = join(u.home, "bundle-commit");
      expect((await u.imagetool(["bundle", ref, b, "--", "sh", "-c", "echo new > /data/new; echo changed >> /data/user-file"])).code).toBe(0);
      expect((await u.runtime(["run", "--bundle", b, `rl-commit-${process.pid}`])).code).toBe(0);
      const committed = await u.imagetool(["commit", b, "rootless-commit:1"]);
      expect(committed.stderr).toBe("");
      expect(committed.code).toBe(0);
      const inspected = JSON.parse((await u.imagetool(["inspect", "rootless-commit:1"])).stdout);
      const layers = (inspected.manifest ?? inspected.Manifest).layers as Array<{ digest: string }>;
      const blob = join(u.store, "content", "blobs", "sha256", layers[layers.length - 1]!.digest.slice(7));
      const listing = (await sh(["tar", "-tvzf", blob, "--numeric-owner"])).stdout;
      const owners = Object.fromEntries(listing.trim().split("\n").map((l) => l.split(/\s+/)).map((f) => [f[5], f[1]]));
      expect(owners["data/new"]).toBe("0/0");
      expect(owners["data/user-file"]).toBe("1000/1000");
      expect(listing).not.toContain("65534");
      expect((await u.imagetool(["bundle", "--remove", b])).code).toBe(0);
      expect((await u.imagetool(["rmi", "rootless-commit:1"])).code).toBe(0);
    });

    test("rmi and gc as the user empty the store's snapshots", async () => {
      expect((await u.imagetool(["rmi", ref])).code).toBe(0);
      expect((await u.imagetool(["gc"])).code).toBe(0);
      expect(readdirNames(join(u.store, "snapshots", "copy")).filter((n) => /^\d+$/.test(n))).toEqual([]);
    });
  });

  describe("as a user with /etc/subuid ranges: a user namespace, owners applied", () => {
    let u: RootlessUser;
    let user: TestUser;
    beforeAll(() => {
      user = useraddTestUser(`bockerit${process.pid % 100000}`);
      cleanup.add(`user ${user.name}`, () => userdelTestUser(user));
      u = new RootlessUser(user, tmp);
      cleanup.add(`${user.name}'s dir`, () => u.remove());
    });

    test("pull, unpack, bundle and run: ids in the range have their owners inside; one outside is kept in the xattr", async () => {
      const sub = user.subuid!;
      const subg = user.subgid!;
      expect((await u.imagetool(["pull", ref])).code).toBe(0);
      const dirOut = join(u.home, "unpacked");
      const unpacked = await u.imagetool(["unpack", ref, dirOut]);
      expect(unpacked.stderr).toBe("");
      expect(unpacked.code).toBe(0);
      const spec = JSON.parse(readFileSync(join(dirOut, "config.json"), "utf8"));
      // unshare --map-auto --map-root-user: the user as 0, the range from 1 (its last id is the hole)
      expect(spec.linux.uidMappings).toEqual([{ containerID: 0, hostID: user.uid, size: 1 }, { containerID: 1, hostID: sub.start, size: sub.count - 1 }]);
      expect(spec.linux.gidMappings).toEqual([{ containerID: 0, hostID: user.gid, size: 1 }, { containerID: 1, hostID: subg.start, size: subg.count - 1 }]);
      const data = join(dirOut, "rootfs", "data");
      const owner = (f: string) => [lstatSync(join(data, f)).uid, lstatSync(join(data, f)).gid];
      expect(owner("root-file")).toEqual([user.uid, user.gid]);
      expect(owner("user-file")).toEqual([sub.start + 999, subg.start + 999]);
      expect(keptOwner(join(data, "user-file"))).toBeUndefined();
      expect(owner("far-file")).toEqual([user.uid, user.gid]);
      expect(keptOwner(join(data, "far-file"))).toEqual({ uid: 3_000_000, gid: 3_000_000 });

      const b = join(u.home, "bundle");
      expect((await u.imagetool(["bundle", ref, b, "--", "sh", "-c", PROBE])).code).toBe(0);
      const r = await u.runtime(["run", "--bundle", b, `rl-sub-${process.pid}`]);
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe(
        "0\nroot-file 0:0 644 regular file\nuser-file 1000:1000 644 regular file\nfar-file 0:0 644 regular file\nsuid 0:0 4755 regular file\nnull 0:0 666 regular empty file\nro 0:0 555 directory\nr\nf\ng\n",
      );
      expect(r.code).toBe(0);
      expect((await u.imagetool(["bundle", "--remove", b])).code).toBe(0);
      // trees owned by subordinate ids are removed from inside the namespace too
      expect((await u.imagetool(["rmi", ref])).code).toBe(0);
      expect(readdirNames(join(u.store, "snapshots", "copy")).filter((n) => /^\d+$/.test(n))).toEqual([]);
    });

    test("a signal to the command reaches its run inside the namespace: a hung pull stops, nothing is left", async () => {
      // a registry that accepts the connection and never answers
      const silent = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
      cleanup.add("silent listener", () => silent.stop(true));
      const env = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", HOME: u.home, XDG_DATA_HOME: u.data };
      const proc = Bun.spawn(["setpriv", `--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", "--inh-caps=-all", distBinary("bocker-imagetool"), "pull", `127.0.0.1:${silent.port}/x:1`], {
        env, stdin: "ignore", stdout: "ignore", stderr: "ignore",
      });
      const childrenOf = (pid: number) => {
        try {
          return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
        } catch {
          return [];
        }
      };
      let inner: number | undefined;
      for (let i = 0; i < 200 && inner === undefined; i++) {
        inner = childrenOf(proc.pid).find((c) => readFileSync(`/proc/${c}/uid_map`, "utf8").trim().split("\n").length === 2);
        if (inner === undefined) await Bun.sleep(25);
      }
      expect(inner).toBeDefined();
      // by PID, and only while it is still that process (its start time), before the user goes
      const started = procStat(inner!)?.starttime;
      cleanup.add("the pull inside the namespace", () => {
        if (started !== undefined && procStat(inner!)?.starttime === started) process.kill(inner!, "SIGKILL");
      });
      proc.kill("SIGTERM");
      expect(await proc.exited).toBe(143);
      expect(existsSync(`/proc/${inner}`)).toBe(false);
    });
  });
});
