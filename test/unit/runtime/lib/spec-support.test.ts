/**
 * Every Linux field of runtime-spec 1.3's config.json is handled, refused with a reason, or marked
 * as another platform's (issue #13: never a silent no-op). The walk covers upstream's schemas (the
 * reference copy on this machine) and ours (schemas/runtime), so a field either adds fails here.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { HANDLED, NOT_LINUX, REFUSED, matchPointers, refusedFieldIssues } from "../../../../runtime/lib/spec-support.ts";
import { semanticIssues } from "../../../../runtime/lib/config.ts";
import { defaultSpec } from "../../../../runtime/lib/default-spec.ts";

const UPSTREAM = "/work/shared/oci-reference/runtime-spec-v1.3.0";
const OURS = join(import.meta.dir, "../../../../schemas/runtime");
/** Other platforms' sections of config.json. */
const OTHER_PLATFORMS = /^\/(solaris|windows|vm|zos|freebsd)(\/|$)/;

/** Every property pointer the schema defines below the root, `*` for array items and map values. */
function schemaPointers(dir: string, rootFile: string): string[] {
  const files = new Map<string, any>();
  const load = (f: string) => files.get(f) ?? files.set(f, JSON.parse(readFileSync(join(dir, f), "utf8"))).get(f);
  const out = new Set<string>();
  const seen = new Set<string>();
  const walk = (file: string, node: any, ptr: string) => {
    if (!node || typeof node !== "object") return;
    if (node.$ref) {
      const [f, frag = ""] = String(node.$ref).split("#");
      const target = f || file;
      const key = `${target}#${frag}@${ptr}`;
      if (seen.has(key)) return;
      seen.add(key);
      let n = load(target);
      for (const k of frag.split("/").filter(Boolean)) n = n[k];
      walk(target, n, ptr);
    }
    for (const k of ["allOf", "anyOf", "oneOf"]) for (const s of node[k] ?? []) walk(file, s, ptr);
    for (const [k, v] of Object.entries(node.properties ?? {})) {
      out.add(`${ptr}/${k}`);
      walk(file, v, `${ptr}/${k}`);
    }
    if (node.items) walk(file, node.items, `${ptr}/*`);
    if (node.additionalProperties && typeof node.additionalProperties === "object") walk(file, node.additionalProperties, `${ptr}/*`);
  };
  walk(rootFile, load(rootFile), "");
  return [...out].filter((p) => !OTHER_PLATFORMS.test(p)).sort();
}

/** pattern covers pointer when it is the pointer or one of its ancestors, `*` matching any segment. */
function covers(pattern: string, pointer: string): boolean {
  const a = pattern.split("/");
  const b = pointer.split("/");
  return a.length <= b.length && a.every((seg, i) => seg === "*" || b[i] === "*" || seg === b[i]);
}

const ALL = [...Object.keys(HANDLED), ...Object.keys(NOT_LINUX), ...Object.keys(REFUSED)];
/** Containers of covered fields: a parent object whose every child is classified need not be. */
const uncovered = (pointers: string[]) => pointers.filter((p) => !ALL.some((pattern) => covers(pattern, p)) && !pointers.some((q) => q.startsWith(`${p}/`)));

describe("runtime-spec fields: handled, refused or not Linux", () => {
  test.skipIf(!existsSync(UPSTREAM))("upstream's config-schema.json + config-linux.json + defs*.json", () => {
    const pointers = schemaPointers(UPSTREAM, "config-schema.json");
    expect(pointers.length).toBeGreaterThan(200);
    expect(uncovered(pointers)).toEqual([]);
  });

  test("our schemas/runtime/config.json", () => {
    const pointers = schemaPointers(OURS, "config.json");
    expect(pointers.length).toBeGreaterThan(200);
    expect(uncovered(pointers)).toEqual([]);
  });

  test("no field is in two lists", () => {
    expect(ALL.length).toBe(new Set(ALL).size);
  });

  test("linux.intelRdt is handled, not refused: the config passes, the host check is create's (linux/resctrl.ts)", () => {
    const s = defaultSpec();
    s.linux!.intelRdt = { closID: "x", schemata: ["L3:0=f"], enableMonitoring: true };
    expect(semanticIssues(s)).toEqual([]);
    expect(refusedFieldIssues(s)).toEqual([]);
    expect(HANDLED["/linux/intelRdt"]).toContain("resctrl");
  });

  test("matchPointers: * for indexes and keys, RFC 6901 escapes", () => {
    expect(matchPointers({ a: [{ b: 1 }, { c: 2 }, { b: 3 }] }, "/a/*/b")).toEqual(["/a/0/b", "/a/2/b"]);
    expect(matchPointers({ m: { "x/y": 1 } }, "/m/*")).toEqual(["/m/x~1y"]);
  });
});
