import { describe, expect, test } from "bun:test";
import { hostPlatform, parsePlatform, platformMatches, selectPlatformManifest } from "../../../../../imagetool/lib/image/platform.ts";
import type { Descriptor, Platform } from "../../../../../imagetool/lib/image/types.ts";

const entry = (platform: Platform, c: string): Descriptor => ({ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: `sha256:${c.repeat(64)}`, size: 1, platform });
const list = [
  entry({ os: "linux", architecture: "amd64" }, "a"),
  entry({ os: "linux", architecture: "arm", variant: "v6" }, "b"),
  entry({ os: "linux", architecture: "arm", variant: "v7" }, "c"),
  entry({ os: "linux", architecture: "arm64", variant: "v8" }, "d"),
  entry({ os: "unknown", architecture: "unknown" }, "e"),
];

describe("platforms", () => {
  test("parse os/arch[/variant], with Go-style aliases", () => {
    expect(parsePlatform("linux/amd64")).toEqual({ os: "linux", architecture: "amd64" });
    expect(parsePlatform("linux/arm/v7")).toEqual({ os: "linux", architecture: "arm", variant: "v7" });
    expect(parsePlatform("linux/x86_64")).toEqual({ os: "linux", architecture: "amd64" });
    expect(() => parsePlatform("linux")).toThrow(/os\/arch/);
    expect(() => parsePlatform("linux/amd64/v1/x")).toThrow(/os\/arch/);
  });
  test("host platform is linux/<arch>", () => expect(hostPlatform().os).toBe("linux"));
  test("arm64 without a variant is v8", () => {
    expect(platformMatches({ os: "linux", architecture: "arm64" }, { os: "linux", architecture: "arm64", variant: "v8" })).toBe(true);
    expect(platformMatches({ os: "linux", architecture: "arm64", variant: "v8" }, { os: "linux", architecture: "arm64" })).toBe(true);
  });
  test("selects by os, arch and variant", () => {
    expect(selectPlatformManifest(list, { os: "linux", architecture: "amd64" }, "x").digest).toBe(list[0]!.digest);
    expect(selectPlatformManifest(list, { os: "linux", architecture: "arm", variant: "v7" }, "x").digest).toBe(list[2]!.digest);
    expect(selectPlatformManifest(list, { os: "linux", architecture: "arm64" }, "x").digest).toBe(list[3]!.digest);
  });
  test("no match: the error lists what is available (not the attestation entries)", () => {
    expect(() => selectPlatformManifest(list, { os: "linux", architecture: "s390x" }, "img:1")).toThrow(
      "image 'img:1' has no manifest for platform linux/s390x; available: linux/amd64, linux/arm/v6, linux/arm/v7, linux/arm64/v8",
    );
  });
});
