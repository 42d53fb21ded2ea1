import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { imageConfigToSpec, mergeEnv, parseVolume, VOLUMES_ANNOTATION } from "../../../../../imagetool/lib/bundle/convert.ts";
import type { ImageConfig } from "../../../../../imagetool/lib/image/types.ts";

let rootfs: string;
beforeAll(() => {
  rootfs = mkdtempSync(join(tmpdir(), "bocker-convert-"));
  mkdirSync(join(rootfs, "etc"));
  writeFileSync(join(rootfs, "etc/passwd"), "root:x:0:0::/root:/bin/sh\nweb:x:33:33::/var/www:/bin/sh\n");
  writeFileSync(join(rootfs, "etc/group"), "root:x:0:\nweb:x:33:\nlog:x:4:web\n");
});
afterAll(() => rmSync(rootfs, { recursive: true, force: true }));

const image: ImageConfig = {
  architecture: "amd64",
  os: "linux",
  created: "2024-01-02T03:04:05Z",
  author: "someone",
  config: {
    Entrypoint: ["/entry.sh"],
    Cmd: ["--serve"],
    Env: ["PATH=/custom/bin", "LANG=C.UTF-8"],
    WorkingDir: "/srv",
    User: "web",
    Labels: { "com.example.team": "infra", "org.opencontainers.image.os": "label-loses" },
    ExposedPorts: { "80/tcp": {}, "53/udp": {} },
    Volumes: { "/data": {}, "/cache": {} },
    StopSignal: "SIGQUIT",
  },
  rootfs: { type: "layers", diff_ids: [] },
};

describe("image config → runtime spec (conversion.md)", () => {
  test("args, env, cwd, user and annotations", () => {
    const spec = imageConfigToSpec(image, rootfs);
    expect(spec.process!.args).toEqual(["/entry.sh", "--serve"]);
    expect(spec.process!.env).toEqual(["PATH=/custom/bin", "LANG=C.UTF-8", "HOME=/var/www"]);
    expect(spec.process!.cwd).toBe("/srv");
    expect(spec.process!.user).toEqual({ uid: 33, gid: 33, additionalGids: [4] });
    expect(spec.annotations).toEqual({
      "com.example.team": "infra",
      "org.opencontainers.image.os": "linux",
      "org.opencontainers.image.architecture": "amd64",
      "org.opencontainers.image.author": "someone",
      "org.opencontainers.image.created": "2024-01-02T03:04:05Z",
      "org.opencontainers.image.stopSignal": "SIGQUIT",
      "org.opencontainers.image.exposedPorts": "53/udp,80/tcp",
      [VOLUMES_ANNOTATION]: "/cache,/data",
    });
  });

  test("overrides: command replaces Cmd only, env merges, cwd, user, hostname, mounts, limits, netns", () => {
    const spec = imageConfigToSpec(image, rootfs, {
      args: ["--debug"], env: ["LANG=fr_FR", "NEW=1"], cwd: "/tmp", user: "0:4", hostname: "h",
      volumes: ["/host/data:/data:ro", "/x:/y"], memory: 64 << 20, cpus: 1.5, netns: "/run/netns/n1",
    });
    expect(spec.process!.args).toEqual(["/entry.sh", "--debug"]);
    expect(spec.process!.env).toEqual(["PATH=/custom/bin", "LANG=fr_FR", "HOME=/root", "NEW=1"]);
    expect(spec.process!.cwd).toBe("/tmp");
    expect(spec.process!.user).toEqual({ uid: 0, gid: 4 });
    expect(spec.hostname).toBe("h");
    expect(spec.mounts!.slice(-2)).toEqual([
      { destination: "/data", type: "bind", source: "/host/data", options: ["rbind", "rprivate", "ro"] },
      { destination: "/y", type: "bind", source: "/x", options: ["rbind", "rprivate"] },
    ]);
    expect(spec.linux!.resources).toMatchObject({ memory: { limit: 64 << 20 }, cpu: { quota: 150000, period: 100000 } });
    expect(spec.linux!.namespaces).toContainEqual({ type: "network", path: "/run/netns/n1" });
  });

  test("an image without PATH gets the default one; an empty entrypoint override clears it", () => {
    const spec = imageConfigToSpec({ ...image, config: { Entrypoint: ["/e"], Cmd: ["sh"] } }, rootfs, { entrypoint: [] });
    expect(spec.process!.args).toEqual(["sh"]);
    expect(spec.process!.env![0]).toStartWith("PATH=/usr/local/sbin:");
    expect(spec.process!.user).toEqual({ uid: 0, gid: 0 });
  });

  test("no command at all is an error", () => {
    expect(() => imageConfigToSpec({ ...image, config: {} }, rootfs)).toThrow(/no Entrypoint or Cmd/);
  });

  test("bad overrides are errors", () => {
    expect(() => imageConfigToSpec(image, rootfs, { cwd: "relative" })).toThrow(/not absolute/);
    expect(() => imageConfigToSpec(image, rootfs, { memory: -1 })).toThrow(/invalid memory/);
    expect(() => parseVolume("rel:/x")).toThrow(/absolute/);
    expect(() => parseVolume("/a:/b:rx")).toThrow(/SRC:DST/);
  });

  test("mergeEnv replaces a key in place", () => expect(mergeEnv(["A=1", "B=2"], ["B=3", "C=4"])).toEqual(["A=1", "B=3", "C=4"]));
});
