/**
 * Crafted runtime documents, good and subtly bad: ours must agree with upstream's schema on every
 * one (for config.json, a disagreement means ours is wrong), and a rejection must point at the
 * changed location.
 */
import { describe, expect, test } from "bun:test";
import {
  validateRuntimeConfig,
  validateRuntimeFeatures,
  validateRuntimeState,
  type SchemaValidation,
} from "../../../schemas/index.ts";
import { applyMutation, expectedPointer, type Mutation } from "./mutations.ts";
import {
  CONFIG_MUTATIONS,
  FEATURES_MUTATIONS,
  FULL_CONFIG,
  GOOD_FEATURES,
  GOOD_STATE,
  STATE_MUTATIONS,
} from "./runtime-documents.ts";
import { upstream } from "./upstream-oracle.ts";

const SUITES: {
  name: string;
  base: unknown;
  mutations: Mutation[];
  ours: (doc: unknown) => SchemaValidation<unknown>;
  upstreamFile: string;
}[] = [
  { name: "config.json", base: FULL_CONFIG, mutations: CONFIG_MUTATIONS, ours: validateRuntimeConfig, upstreamFile: "config-schema.json" },
  { name: "state", base: GOOD_STATE, mutations: STATE_MUTATIONS, ours: validateRuntimeState, upstreamFile: "state-schema.json" },
  { name: "features.json", base: GOOD_FEATURES, mutations: FEATURES_MUTATIONS, ours: validateRuntimeFeatures, upstreamFile: "features-schema.json" },
];

for (const suite of SUITES) {
  describe(`crafted ${suite.name}`, () => {
    const theirs = (doc: unknown) => upstream("runtime", suite.upstreamFile)(doc) as boolean;

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

describe("documented differences from upstream", () => {
  // schemas/runtime/config.json OtherPlatform: bocker is Linux-only and, like runc, ignores the
  // other platforms' sections, so it checks only that they are objects. Upstream checks them.
  test("a non-Linux section's contents are not checked (looser on purpose)", () => {
    const doc = applyMutation(FULL_CONFIG, { name: "", set: "/windows", value: { layerFolders: [] }, valid: true });
    expect(validateRuntimeConfig(doc).ok).toBe(true);
    expect(upstream("runtime", "config-schema.json")(doc)).toBe(false);
  });

  test("a non-Linux section must still be an object, as upstream says", () => {
    const doc = applyMutation(FULL_CONFIG, { name: "", set: "/solaris", value: "zones", valid: false });
    expect(validateRuntimeConfig(doc).ok).toBe(false);
    expect(upstream("runtime", "config-schema.json")(doc)).toBe(false);
  });

  // schemas/runtime/defs.json Annotations: upstream's patternProperties ".{1,}" leaves the empty
  // key untyped; the spec says every value is a string.
  test("an annotation with an empty key must still map to a string (stricter on purpose)", () => {
    const doc = applyMutation(FULL_CONFIG, { name: "", set: "/annotations", value: { "": 1 }, valid: false });
    expect(validateRuntimeConfig(doc).ok).toBe(false);
    expect(upstream("runtime", "config-schema.json")(doc)).toBe(true);
  });

  // schemas/runtime/config-linux.json fileMode: config-linux.md says "fileMode (uint32)"; upstream's
  // schema caps it at 0o777. podman sends the file-type bits too (0o20666 for a char device) and runc
  // accepts them, so we follow the spec text and the clients, not the stricter schema.
  test("a device fileMode with file-type bits is accepted, as the spec text and runc do (looser on purpose)", () => {
    const doc = applyMutation(FULL_CONFIG, { name: "", set: "/linux/devices/0/fileMode", value: 0o20666, valid: true });
    expect(validateRuntimeConfig(doc).ok).toBe(true);
    expect(upstream("runtime", "config-schema.json")(doc)).toBe(false);
  });
});
