/** The index.json lock: serializes callers, takes over a dead owner's lock, times out on a live one. */
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withFileLock } from "../../../../../imagetool/lib/content/lock.ts";
import { ImagetoolError } from "../../../../../imagetool/lib/errors.ts";

const tmp = mkdtempSync(join(tmpdir(), "bocker-lock-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test("callers run one at a time and the lock file is removed", async () => {
  const path = join(tmp, "a.lock");
  let inside = 0;
  let maxInside = 0;
  await Promise.all(Array.from({ length: 10 }, () => withFileLock(path, async () => {
    maxInside = Math.max(maxInside, ++inside);
    await Bun.sleep(2);
    inside--;
  })));
  expect(maxInside).toBe(1);
  expect(existsSync(path)).toBe(false);
});

test("a lock left by a dead process is taken over", async () => {
  const path = join(tmp, "b.lock");
  const dead = Bun.spawnSync(["true"]).pid;
  writeFileSync(path, String(dead));
  expect(await withFileLock(path, async () => "ran", 2000)).toBe("ran");
});

test("an empty lock file nobody holds (its creator died before writing its pid) is taken over", async () => {
  const path = join(tmp, "f.lock");
  writeFileSync(path, "");
  expect(await withFileLock(path, async () => "ran", 300)).toBe("ran");
  expect(existsSync(path)).toBe(false);
});

test("a lock held by a live process times out with LOCKED", async () => {
  const path = join(tmp, "c.lock");
  writeFileSync(path, "1"); // pid 1 is always alive
  let err: unknown;
  await withFileLock(path, async () => "ran", 100).catch((e) => (err = e));
  expect(ImagetoolError.is(err, "LOCKED")).toBe(true);
  expect(existsSync(path)).toBe(true);
});

test("a failing callback releases the lock", async () => {
  const path = join(tmp, "d.lock");
  await expect(withFileLock(path, async () => { throw new Error("boom"); })).rejects.toThrow("boom");
  expect(existsSync(path)).toBe(false);
});

test("a lock another process holds times out with LOCKED; the holder's death (kill -9) frees it", async () => {
  const path = join(tmp, "e.lock");
  const module = join(import.meta.dir, "../../../../../imagetool/lib/content/lock.ts");
  const script = `const { withFileLock } = await import(${JSON.stringify(module)});
withFileLock(${JSON.stringify(path)}, () => { console.log("held"); return new Promise(() => setInterval(() => {}, 1000)); });`;
  const child = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "inherit" });
  try {
    const { value } = await child.stdout.getReader().read();
    expect(new TextDecoder().decode(value)).toContain("held");
    let err: unknown;
    await withFileLock(path, async () => "ran", 100).catch((e) => (err = e));
    expect(ImagetoolError.is(err, "LOCKED")).toBe(true);
    child.kill(9);
    await child.exited;
    expect(await withFileLock(path, async () => "ran", 2000)).toBe("ran");
    expect(existsSync(path)).toBe(false);
  } finally {
    child.kill(9);
  }
});
