import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pickFree, Store } from "../../../bocker/store.ts";

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});
function store(): Store {
  const root = mkdtempSync(join(tmpdir(), "bocker-store-"));
  roots.push(root);
  return new Store(root);
}

describe("id allocation", () => {
  test("ids look like the original's and never repeat", async () => {
    const s = store();
    const ids = await Promise.all(Array.from({ length: 200 }, () => s.allocate("ps", () => {})));
    for (const id of ids) expect(id).toMatch(/^ps_\d{5}$/);
    expect(new Set(ids).size).toBe(200);
    expect(s.list("ps")).toEqual([...ids].sort());
  });

  test("draws only among free numbers, so a nearly full range still terminates without conflict", () => {
    const used = new Set([1, 2, 3, 5, 6]);
    expect(pickFree(used, 1, 6, () => 0)).toBe(4);
    expect(pickFree(used, 1, 6, () => 0.999)).toBe(4);
    expect(pickFree(new Set([2, 4]), 1, 5, () => 0.99)).toBe(5);
    expect(pickFree(new Set([2, 4]), 1, 5, () => 0.4)).toBe(3);
    expect(pickFree(new Set([1, 2, 3]), 1, 3)).toBeUndefined();
  });

  test("a failing initializer releases the id", async () => {
    const s = store();
    await expect(s.allocate("img", () => { throw new Error("init failed"); })).rejects.toThrow("init failed");
    expect(readdirSync(s.imagesDir)).toEqual([]);
  });
});

describe("records", () => {
  test("images need their directory; unknown ones get the original's message", async () => {
    const s = store();
    const id = await s.allocate("img", (dir) => writeFileSync(join(dir, "img.source"), "centos:7\n"));
    expect(s.imageSource(id)).toBe("centos:7");
    expect(() => s.requireImage("img_00000")).toThrow("No image named 'img_00000' exists");
    expect(() => s.requireImage("../etc")).toThrow("No image named '../etc' exists");
  });

  test("containers resolve by id or by --name", async () => {
    const s = store();
    const id = await s.allocate("ps", (dir) =>
      s.writeContainer(dir, { id: dir.split("/").pop()!, image: "img_1", command: ["echo", "hi"], name: "web", ports: [], volumes: [], created: "now" }),
    );
    expect(s.resolveContainer(id)).toBe(id);
    expect(s.resolveContainer("web")).toBe(id);
    expect(s.containerCommand(id)).toBe("echo hi");
    expect(() => s.resolveContainer("db")).toThrow("No container named 'db' exists");
  });
});
