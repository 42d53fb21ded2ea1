/** Strict manifest/index parsing: CVE-2021-41190 checks, schema1 refusal, descriptor validation. */
import { describe, expect, test } from "bun:test";
import {
  DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_SCHEMA1_SIGNED, OCI_CONFIG, OCI_INDEX, OCI_LAYER_GZIP, OCI_MANIFEST,
  layerCompression, parseManifestBody, MANIFEST_ACCEPT,
} from "../../../../../imagetool/lib/image/mediatype.ts";
import { ImagetoolError, type ErrorCode } from "../../../../../imagetool/lib/errors.ts";

const D = (mediaType: string, c = "a") => ({ mediaType, digest: `sha256:${c.repeat(64)}`, size: 10 });
const manifest = { schemaVersion: 2, config: D(OCI_CONFIG), layers: [D(OCI_LAYER_GZIP, "b")] };
const index = { schemaVersion: 2, manifests: [{ ...D(OCI_MANIFEST), platform: { os: "linux", architecture: "amd64" } }] };

function code(fn: () => unknown): ErrorCode | undefined {
  try {
    fn();
  } catch (err) {
    if (ImagetoolError.is(err)) return err.code;
    throw err;
  }
  return undefined;
}

describe("parseManifestBody", () => {
  test("OCI manifest and index, body mediaType optional", () => {
    expect(parseManifestBody(JSON.stringify(manifest), OCI_MANIFEST, "t").kind).toBe("manifest");
    expect(parseManifestBody(JSON.stringify({ ...manifest, mediaType: OCI_MANIFEST }), OCI_MANIFEST, "t").kind).toBe("manifest");
    expect(parseManifestBody(JSON.stringify(index), OCI_INDEX, "t").kind).toBe("index");
  });
  test("Docker schema2 manifest and manifest list need their body mediaType", () => {
    expect(parseManifestBody(JSON.stringify({ ...manifest, mediaType: DOCKER_MANIFEST }), DOCKER_MANIFEST, "t").kind).toBe("manifest");
    expect(parseManifestBody(JSON.stringify({ ...index, mediaType: DOCKER_MANIFEST_LIST }), DOCKER_MANIFEST_LIST, "t").kind).toBe("index");
    expect(code(() => parseManifestBody(JSON.stringify(manifest), DOCKER_MANIFEST, "t"))).toBe("INVALID_MANIFEST");
  });
  test("CVE-2021-41190: body mediaType must equal the descriptor's", () => {
    expect(code(() => parseManifestBody(JSON.stringify({ ...manifest, mediaType: OCI_INDEX }), OCI_MANIFEST, "t"))).toBe("MEDIA_TYPE_MISMATCH");
    expect(code(() => parseManifestBody(JSON.stringify({ ...index, mediaType: OCI_MANIFEST }), OCI_INDEX, "t"))).toBe("MEDIA_TYPE_MISMATCH");
  });
  test("CVE-2021-41190: a body that is both manifest and index is rejected whatever the declared type", () => {
    const both = JSON.stringify({ ...manifest, manifests: index.manifests });
    expect(code(() => parseManifestBody(both, OCI_MANIFEST, "t"))).toBe("MEDIA_TYPE_MISMATCH");
    expect(code(() => parseManifestBody(both, OCI_INDEX, "t"))).toBe("MEDIA_TYPE_MISMATCH");
    expect(code(() => parseManifestBody(JSON.stringify({ schemaVersion: 2, manifests: [], layers: [] }), OCI_INDEX, "t"))).toBe("MEDIA_TYPE_MISMATCH");
  });
  test("an index served as a manifest (no config) is invalid, not silently reinterpreted", () => {
    expect(code(() => parseManifestBody(JSON.stringify(index), OCI_MANIFEST, "t"))).toBe("MEDIA_TYPE_MISMATCH");
    expect(code(() => parseManifestBody(JSON.stringify(manifest), OCI_INDEX, "t"))).toBe("MEDIA_TYPE_MISMATCH");
  });
  test("schema1 is refused with an explanation", () => {
    expect(() => parseManifestBody(JSON.stringify({ schemaVersion: 1, fsLayers: [] }), DOCKER_SCHEMA1_SIGNED, "t")).toThrow(/schema 1 is deprecated/);
    expect(code(() => parseManifestBody(JSON.stringify({ schemaVersion: 1 }), OCI_MANIFEST, "t"))).toBe("UNSUPPORTED");
  });
  test("descriptor fields are checked with a JSON path", () => {
    const badDigest = { ...manifest, layers: [{ ...D(OCI_LAYER_GZIP), digest: "sha256:../../etc" }] };
    expect(() => parseManifestBody(JSON.stringify(badDigest), OCI_MANIFEST, "m")).toThrow("m/layers/0/digest");
    const badSize = { ...manifest, config: { ...D(OCI_CONFIG), size: -1 } };
    expect(() => parseManifestBody(JSON.stringify(badSize), OCI_MANIFEST, "m")).toThrow("m/config/size");
    expect(() => parseManifestBody(JSON.stringify({ ...manifest, layers: "x" }), OCI_MANIFEST, "m")).toThrow("m/layers");
  });
  test("the rest of image-spec is checked by the generated schema validators", () => {
    const badType = { ...manifest, layers: [{ ...D(OCI_LAYER_GZIP), mediaType: "not a media type" }] };
    expect(() => parseManifestBody(JSON.stringify(badType), OCI_MANIFEST, "m")).toThrow(/m: \/layers\/0\/mediaType/);
  });
  test("not JSON, wrong schemaVersion, unknown media type", () => {
    expect(code(() => parseManifestBody("{", OCI_MANIFEST, "t"))).toBe("INVALID_MANIFEST");
    expect(code(() => parseManifestBody(JSON.stringify({ ...manifest, schemaVersion: 3 }), OCI_MANIFEST, "t"))).toBe("INVALID_MANIFEST");
    expect(code(() => parseManifestBody(JSON.stringify(manifest), "application/json", "t"))).toBe("UNSUPPORTED");
  });
});

describe("media type tables", () => {
  test("layer compression by media type; unknown types are errors", () => {
    expect(layerCompression(OCI_LAYER_GZIP)).toBe("gzip");
    expect(layerCompression("application/vnd.docker.image.rootfs.diff.tar.gzip")).toBe("gzip");
    expect(layerCompression("application/vnd.oci.image.layer.v1.tar+zstd")).toBe("zstd");
    expect(layerCompression("application/vnd.oci.image.layer.v1.tar")).toBe("none");
    expect(code(() => layerCompression("application/octet-stream"))).toBe("UNSUPPORTED");
  });
  test("Accept header offers OCI and Docker manifests and indexes, not schema1", () => {
    for (const t of [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST]) expect(MANIFEST_ACCEPT).toContain(t);
    expect(MANIFEST_ACCEPT).not.toContain("distribution.manifest.v1");
  });
});
