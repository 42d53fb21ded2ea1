/** The wording of schema issues: pointer, what was expected, what was found. */
import { describe, expect, test } from "bun:test";
import type { ErrorObject } from "ajv";
import {
  formatSchemaIssues,
  validateImageManifest,
  validateRuntimeConfig,
  validateRuntimeState,
} from "../../../schemas/index.ts";
import { DOCUMENT_KINDS } from "../../../schemas/documents.ts";
import { toSchemaIssues } from "../../../schemas/issues.ts";
import { GOOD_MANIFEST } from "./image-documents.ts";
import { applyMutation } from "./mutations.ts";
import { FULL_CONFIG } from "./runtime-documents.ts";

function configReport(set: string, value: unknown): string {
  const result = validateRuntimeConfig(applyMutation(FULL_CONFIG, { name: "", set, value, valid: false }));
  if (result.ok) throw new Error(`expected ${set} = ${JSON.stringify(value)} to be rejected`);
  return formatSchemaIssues("config.json", result.errors);
}

describe("formatSchemaIssues", () => {
  test("type: names the expected shape and the found type", () => {
    expect(configReport("/process/args", 5)).toBe("config.json: /process/args: must be an array of strings (found a number)");
    expect(configReport("/process/args/0", null)).toBe("config.json: /process/args/0: must be a string (found null)");
    expect(configReport("/linux/resources/memory/limit", "1G")).toBe(
      "config.json: /linux/resources/memory/limit: must be an integer from -9223372036854775808 to 9223372036854775807 (found a string)",
    );
    expect(configReport("/linux/resources/cpu/idle", 0.5)).toBe(
      "config.json: /linux/resources/cpu/idle: must be an integer from -9223372036854775808 to 9223372036854775807 (found the non-integer 0.5)",
    );
  });

  test("required: the parent pointer, the missing name and what it must be", () => {
    const result = validateRuntimeConfig({ ociVersion: "1.3.0", process: { args: ["sh"] }, linux: { seccomp: {} } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(formatSchemaIssues("config.json", result.errors).split("\n")).toEqual([
      'config.json: /process: missing required property "cwd" (a string)',
      'config.json: /linux/seccomp: missing required property "defaultAction" (one of "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY")',
    ]);
  });

  test("enum: lists the allowed values and quotes the found one", () => {
    expect(configReport("/linux/rootfsPropagation", "rprivate")).toBe(
      'config.json: /linux/rootfsPropagation: must be one of "private", "shared", "slave", "unbindable" (found "rprivate")',
    );
  });

  test("ranges print exact 64-bit bounds", () => {
    expect(configReport("/process/user/uid", -1)).toBe("config.json: /process/user/uid: must be an integer from 0 to 4294967295 (found -1)");
    expect(configReport("/process/rlimits/0/soft", -1)).toBe(
      "config.json: /process/rlimits/0/soft: must be an integer from 0 to 18446744073709551615 (found -1)",
    );
    expect(configReport("/hooks/poststop/0/timeout", 0)).toBe("config.json: /hooks/poststop/0/timeout: must be an integer >= 1 (found 0)");
  });

  test("patterns are explained in words where the schema says how", () => {
    expect(configReport("/linux/resources/hugepageLimits/0/pageSize", "64kB")).toBe(
      'config.json: /linux/resources/hugepageLimits/0/pageSize: must be a page size such as 2MB or 1GB (found "64kB")',
    );
    const manifest = validateImageManifest(applyMutation(GOOD_MANIFEST, { name: "", set: "/config/digest", value: "sha256:abc", valid: false }));
    expect(manifest.ok ? "" : formatSchemaIssues("manifest.json", manifest.errors)).toBe(
      'manifest.json: /config/digest: must be a digest such as sha256: followed by 64 lower-case hex digits (found "sha256:abc")',
    );
  });

  test("minItems, const and the whole document", () => {
    expect(configReport("/linux/seccomp/syscalls/0/names", [])).toBe(
      "config.json: /linux/seccomp/syscalls/0/names: must have at least 1 item (found 0)",
    );
    const manifest = validateImageManifest({ ...GOOD_MANIFEST, schemaVersion: 1 });
    expect(manifest.ok ? "" : formatSchemaIssues("manifest.json", manifest.errors)).toBe("manifest.json: /schemaVersion: must be 2 (found 1)");
    const state = validateRuntimeState([]);
    expect(state.ok ? "" : formatSchemaIssues("state.json", state.errors)).toBe("state.json: must be an object (found an empty array)");
  });

  test("pointers escape / and ~ (RFC 6901) and still find the value", () => {
    expect(configReport("/linux/sysctl/a~1b~0c", 1)).toBe("config.json: /linux/sysctl/a~1b~0c: must be a string (found a number)");
  });

  test("long found values are shortened", () => {
    const line = configReport("/linux/rootfsPropagation", "x".repeat(200));
    expect(line).toEndWith(`(found "${"x".repeat(56)}...")`);
  });

  test("one line per issue, in document order; none gives an empty string", () => {
    const report = configReport("/process/user", { uid: "0", gid: -1 });
    expect(report.split("\n")).toEqual([
      "config.json: /process/user/uid: must be an integer from 0 to 4294967295 (found a string)",
      "config.json: /process/user/gid: must be an integer from 0 to 4294967295 (found -1)",
    ]);
    expect(formatSchemaIssues("config.json", [])).toBe("");
  });

  test("additionalProperties names the property and the allowed ones", () => {
    // None of our schemas forbids unknown properties (the specs say to ignore them), so the
    // wording is checked on an error as ajv would report it.
    const error: ErrorObject = {
      keyword: "additionalProperties",
      instancePath: "",
      schemaPath: "#/additionalProperties",
      params: { additionalProperty: "pidd" },
    };
    const issues = toSchemaIssues(DOCUMENT_KINDS.runtimeState, [error], { pidd: 1 });
    expect(formatSchemaIssues("state.json", issues)).toBe(
      'state.json: unknown property "pidd" is not allowed (allowed: ociVersion, id, status, pid, bundle, annotations)',
    );
  });
});
