/** The flock primitive across processes, and the in-process queue on top of it. */
import { afterAll, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lockFd, queued, unlockFd } from "../../../common/lock.ts";

const tmp = mkdtempSync(join(tmpdir(), "bocker-lock-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const LOCK_MODULE = join(import.meta.dir, "../../../common/lock.ts");

/** A child that holds the lock on `path` until killed; resolves once it holds it. */
async function holder(path: string): Promise<Bun.Subprocess<"ignore", "pipe", "inherit">> {
  const script = `const { lockFd } = await import(${JSON.stringify(LOCK_MODULE)});
const fd = require("node:fs").openSync(${JSON.stringify(path)}, "a");
lockFd(fd, true); console.log("held"); setInterval(() => {}, 1000);`;
  const child = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "inherit" });
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  expect(new TextDecoder().decode(value)).toContain("held");
  return child;
}

test("a lock held by another process is refused without waiting; its death releases it", async () => {
  const path = join(tmp, "a.lock");
  const child = await holder(path);
  const fd = openSync(path, "a");
  try {
    expect(lockFd(fd, false)).toBe(false);
    child.kill(9);
    await child.exited;
    expect(lockFd(fd, false)).toBe(true);
    expect(unlockFd(fd)).toBe(true);
  } finally {
    child.kill(9);
    closeSync(fd);
  }
});

test("queued runs one caller at a time per key, in order, past failures", async () => {
  const order: string[] = [];
  let inside = 0;
  let maxInside = 0;
  const step = (name: string, fail = false) => queued("k", async () => {
    maxInside = Math.max(maxInside, ++inside);
    await Bun.sleep(2);
    order.push(name);
    inside--;
    if (fail) throw new Error(name);
    return name;
  });
  const results = await Promise.allSettled([step("a"), step("b", true), step("c"), queued("other", () => "x")]);
  expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
  expect(order).toEqual(["a", "b", "c"]);
  expect(maxInside).toBe(1);
});
