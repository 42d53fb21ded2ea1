import { expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRegistriesConf, registriesConfFiles } from "../../../../../imagetool/lib/registry/registries-conf.ts";
import { findRegistry, pullSources } from "../../../../../imagetool/lib/registry/sources.ts";
import { parseReference } from "../../../../../imagetool/lib/reference.ts";

const conf = (text: string) => ({ ...parseRegistriesConf(text, "test.conf"), files: ["test.conf"] });

test("the longest prefix decides; a prefix matches whole path components; wildcards match subdomains", () => {
  const c = conf(`
[[registry]]
location = "example.com"
[[registry]]
prefix = "example.com/team"
location = "internal.test:5000/mirror/team"
[[registry]]
prefix = "*.corp.test"
insecure = true
`);
  expect(findRegistry("example.com/team/app", c)?.prefix).toBe("example.com/team");
  expect(findRegistry("example.com/teams/app", c)?.prefix).toBe("example.com");
  expect(findRegistry("example.community/app", c)).toBeUndefined();
  expect(findRegistry("a.b.corp.test/x", c)?.insecure).toBe(true);
  expect(findRegistry("corp.test/x", c)).toBeUndefined();
  const [only] = pullSources(parseReference("example.com/team/app:1"), c);
  expect(only).toEqual({ ref: { domain: "internal.test:5000", path: "mirror/team/app", tag: "1" }, insecure: false, mirror: false });
  expect(pullSources(parseReference("a.corp.test/x:1"), c)[0]!.ref.domain).toBe("a.corp.test");
});

test("mirrors come first, filtered by pull-from-mirror and mirror-by-digest-only", () => {
  const digest = `sha256:${"a".repeat(64)}`;
  const c = conf(`
[[registry]]
location = "docker.io"
[[registry.mirror]]
location = "m1.test"
pull-from-mirror = "digest-only"
[[registry.mirror]]
location = "m2.test/hub"
insecure = true
pull-from-mirror = "tag-only"
[[registry.mirror]]
location = "m3.test"
[[registry]]
location = "q.test"
mirror-by-digest-only = true
[[registry.mirror]]
location = "qm.test"
`);
  const hosts = (ref: string) => pullSources(parseReference(ref), c).map((s) => `${s.ref.domain}/${s.ref.path}${s.insecure ? " insecure" : ""}${s.mirror ? " mirror" : ""}`);
  expect(hosts("busybox:1")).toEqual(["m2.test/hub/library/busybox insecure mirror", "m3.test/library/busybox mirror", "docker.io/library/busybox"]);
  expect(hosts(`busybox@${digest}`)).toEqual(["m1.test/library/busybox mirror", "m3.test/library/busybox mirror", "docker.io/library/busybox"]);
  expect(hosts("q.test/app:1")).toEqual(["q.test/app"]);
  expect(hosts(`q.test/app@${digest}`)).toEqual(["qm.test/app mirror", "q.test/app"]);
  expect(hosts("elsewhere.test/app:1")).toEqual(["elsewhere.test/app"]);
});

test("blocked refuses; bad entries name the file and entry", () => {
  const c = conf(`[[registry]]\nlocation = "bad.test"\nblocked = true\n`);
  expect(() => pullSources(parseReference("bad.test/app:1"), c)).toThrow("bad.test/app is blocked by test.conf: [[registry]] #1");
  expect(() => conf(`[[registry]]\nprefix = "*.x.test"\nlocation = "y.test"\n`)).toThrow("a wildcard prefix (*.x.test) takes no location");
  expect(() => conf(`[[registry]]\nprefix = "x.test/app:1"\nlocation = "y.test"\n`)).toThrow("without a tag or digest");
  expect(() => conf(`[[registry]]\ninsecure = true\n`)).toThrow("test.conf: [[registry]] #1: needs a location or a prefix");
  expect(() => conf(`[[registry]]\nlocation = "x.test"\n[[registry.mirror]]\ninsecure = true\n`)).toThrow("[[registry]] #1.mirror[0]: a mirror needs a location");
});

test("the files: $CONTAINERS_REGISTRIES_CONF, else the user's file (with the user's drop-ins only), drop-ins in name order", () => {
  const home = mkdtempSync(join(tmpdir(), "bocker-regconf-unit-"));
  try {
    const dir = join(home, "d");
    mkdirSync(dir);
    for (const f of ["20-b.conf", "10-a.conf", "notes.txt"]) writeFileSync(join(dir, f), "");
    writeFileSync(join(home, "main.conf"), "");
    expect(registriesConfFiles({ CONTAINERS_REGISTRIES_CONF: join(home, "main.conf"), BOCKER_REGISTRIES_CONF_DIR: dir }, home)).toEqual([join(home, "main.conf"), join(dir, "10-a.conf"), join(dir, "20-b.conf")]);
    expect(registriesConfFiles({ CONTAINERS_REGISTRIES_CONF: join(home, "missing.conf"), BOCKER_REGISTRIES_CONF_DIR: "" }, home)).toEqual([]);
    mkdirSync(join(home, ".config/containers/registries.conf.d"), { recursive: true });
    writeFileSync(join(home, ".config/containers/registries.conf"), "");
    writeFileSync(join(home, ".config/containers/registries.conf.d/x.conf"), "");
    expect(registriesConfFiles({}, home)).toEqual([join(home, ".config/containers/registries.conf"), join(home, ".config/containers/registries.conf.d/x.conf")]);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
