/**
 * Crafted image-spec documents, good and subtly bad: ours must agree with upstream's image-spec
 * schemas on each, and a rejection must point at the changed location. The few places where ours
 * is stricter or looser on purpose are tested last, each with the reason.
 */
import { describe, expect, test } from "bun:test";
import {
  validateDescriptor,
  validateImageConfig,
  validateImageIndex,
  validateImageLayout,
  validateImageManifest,
  type SchemaValidation,
} from "../../../schemas/index.ts";
import {
  DESCRIPTOR_MUTATIONS,
  GOOD_DESCRIPTOR,
  GOOD_IMAGE_CONFIG,
  GOOD_INDEX,
  GOOD_MANIFEST,
  IMAGE_CONFIG_MUTATIONS,
  INDEX_MUTATIONS,
  LAYOUT_MUTATIONS,
  MANIFEST_MUTATIONS,
  SHA256,
} from "./image-documents.ts";
import { applyMutation, expectedPointer, type Mutation } from "./mutations.ts";
import { upstream } from "./upstream-oracle.ts";

type Ours = (doc: unknown) => SchemaValidation<unknown>;

const SUITES: { name: string; base: unknown; mutations: Mutation[]; ours: Ours; upstreamFile: string }[] = [
  { name: "manifest", base: GOOD_MANIFEST, mutations: MANIFEST_MUTATIONS, ours: validateImageManifest, upstreamFile: "image-manifest-schema.json" },
  { name: "index", base: GOOD_INDEX, mutations: INDEX_MUTATIONS, ours: validateImageIndex, upstreamFile: "image-index-schema.json" },
  { name: "image config", base: GOOD_IMAGE_CONFIG, mutations: IMAGE_CONFIG_MUTATIONS, ours: validateImageConfig, upstreamFile: "config-schema.json" },
  { name: "descriptor", base: GOOD_DESCRIPTOR, mutations: DESCRIPTOR_MUTATIONS, ours: validateDescriptor, upstreamFile: "content-descriptor.json" },
  { name: "oci-layout", base: { imageLayoutVersion: "1.0.0" }, mutations: LAYOUT_MUTATIONS, ours: validateImageLayout, upstreamFile: "image-layout-schema.json" },
];

for (const suite of SUITES) {
  describe(`crafted ${suite.name}`, () => {
    const theirs = (doc: unknown) => upstream("image", suite.upstreamFile)(doc) as boolean;

    test("the base document is valid for both", () => {
      expect(theirs(suite.base)).toBe(true);
      expect(suite.ours(suite.base)).toEqual({ ok: true, value: suite.base });
    });

    for (const mutation of suite.mutations) {
      test(`${mutation.valid ? "good" : "bad"}: ${mutation.name}`, () => {
        const doc = applyMutation(suite.base, mutation);
        const ours = suite.ours(doc);
        expect({ ours: ours.ok, upstream: theirs(doc) }).toEqual({ ours: mutation.valid, upstream: mutation.valid });
        if (!ours.ok) expect(ours.errors.map((issue) => issue.pointer)).toContain(expectedPointer(mutation));
      });
    }
  });
}

/** Ours rejects (stricter) or accepts (looser) where upstream does the opposite. */
const DIFFERENCES: { why: string; ours: Ours; upstreamFile: string; doc: unknown; oursAccepts: boolean }[] = [
  {
    why: "sha256 digest must have 64 hex digits (descriptor.md; digests become blob paths)",
    ours: validateDescriptor,
    upstreamFile: "content-descriptor.json",
    doc: applyMutation(GOOD_DESCRIPTOR, { name: "", set: "/digest", value: "sha256:abc", valid: false }),
    oursAccepts: false,
  },
  {
    why: "sha256 digest must be lower-case hex",
    ours: validateImageManifest,
    upstreamFile: "image-manifest-schema.json",
    doc: applyMutation(GOOD_MANIFEST, { name: "", set: "/config/digest", value: `sha256:${"A".repeat(64)}`, valid: false }),
    oursAccepts: false,
  },
  {
    why: "sha512 digest must have 128 hex digits",
    ours: validateImageManifest,
    upstreamFile: "image-manifest-schema.json",
    doc: applyMutation(GOOD_MANIFEST, { name: "", set: "/layers/0/digest", value: `sha512:${"b".repeat(64)}`, valid: false }),
    oursAccepts: false,
  },
  {
    why: "an index's manifest descriptors cannot have a negative size (upstream types it int64)",
    ours: validateImageIndex,
    upstreamFile: "image-index-schema.json",
    doc: applyMutation(GOOD_INDEX, { name: "", set: "/manifests/0/size", value: -1, valid: false }),
    oursAccepts: false,
  },
  {
    why: "a descriptor's platform is typed everywhere, not only inside an index",
    ours: validateImageManifest,
    upstreamFile: "image-manifest-schema.json",
    doc: applyMutation(GOOD_MANIFEST, { name: "", set: "/config/platform", value: "linux/amd64", valid: false }),
    oursAccepts: false,
  },
  {
    why: "descriptor data must be base64 (upstream's `media` keyword checks nothing)",
    ours: validateDescriptor,
    upstreamFile: "content-descriptor.json",
    doc: applyMutation(GOOD_DESCRIPTOR, { name: "", set: "/data", value: "not base64!", valid: false }),
    oursAccepts: false,
  },
  {
    why: "rootfs.diff_ids are digests (config.md)",
    ours: validateImageConfig,
    upstreamFile: "config-schema.json",
    doc: applyMutation(GOOD_IMAGE_CONFIG, { name: "", set: "/rootfs/diff_ids", value: ["abc"], valid: false }),
    oursAccepts: false,
  },
  {
    why: "an annotation with an empty key must still map to a string",
    ours: validateDescriptor,
    upstreamFile: "content-descriptor.json",
    doc: applyMutation(GOOD_DESCRIPTOR, { name: "", set: "/annotations", value: { "": 1 }, valid: false }),
    oursAccepts: false,
  },
  {
    why: "created is checked by an RFC 3339 pattern, which does not know month lengths (looser)",
    ours: validateImageConfig,
    upstreamFile: "config-schema.json",
    doc: applyMutation(GOOD_IMAGE_CONFIG, { name: "", set: "/created", value: "2024-02-31T00:00:00Z", valid: true }),
    oursAccepts: true,
  },
];

describe("documented differences from upstream", () => {
  for (const difference of DIFFERENCES) {
    test(difference.why, () => {
      expect(difference.ours(difference.doc).ok).toBe(difference.oursAccepts);
      expect(upstream("image", difference.upstreamFile)(difference.doc)).toBe(!difference.oursAccepts);
    });
  }

  test("a valid sha256 digest passes both", () => {
    const doc = { mediaType: "application/octet-stream", digest: SHA256, size: 1 };
    expect(validateDescriptor(doc).ok).toBe(true);
    expect(upstream("image", "content-descriptor.json")(doc)).toBe(true);
  });
});
