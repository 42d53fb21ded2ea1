import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync, readdirSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createContainerDir, initAlive, lockContainer, ociState, procStat, readRecord, status, validateId, writeRecord, type ContainerRecord } from "../../../../runtime/lib/state.ts";

const root = mkdtempSync(join(tmpdir(), "bocker-state-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function record(over: Partial<ContainerRecord> = {}): ContainerRecord {
  return { ociVersion: "1.3.0", id: "c", pid: 0, starttime: "", bundle: "/b", rootfs: "/b/rootfs", created: "2026-01-01T00:00:00Z", phase: "created", paused: false, annotations: {}, config: { ociVersion: "1.3.0" }, ...over };
}

const self = { pid: process.pid, starttime: procStat(process.pid)!.starttime };

describe("status rules", () => {
  test("a live pid with the recorded start time and the FIFO is created, without it running", () => {
    const lock = createContainerDir(root, "s1");
    const rec = record({ ...self });
    writeRecord(lock.dir, rec);
    writeFileSync(join(lock.dir, "exec.fifo"), "");
    expect(status(lock.dir, rec)).toBe("created");
    rmSync(join(lock.dir, "exec.fifo"));
    expect(status(lock.dir, rec)).toBe("running");
    expect(status(lock.dir, { ...rec, paused: true })).toBe("paused");
    lock.release();
  });
  test("a recycled pid (other start time) or a dead pid reads as stopped", () => {
    expect(initAlive({ pid: process.pid, starttime: "1" })).toBe(false);
    expect(status(root, record({ pid: process.pid, starttime: "1" }))).toBe("stopped");
    expect(status(root, record({ pid: 2 ** 22 + 1, starttime: "5" }))).toBe("stopped");
    expect(ociState(root, record({ pid: 2 ** 22 + 1 })).pid).toBe(0);
  });
  test("creating until create finished; stopped if its init died", () => {
    expect(status(root, record({ phase: "creating" }))).toBe("creating");
    expect(status(root, record({ phase: "creating", ...self }))).toBe("creating");
    expect(status(root, record({ phase: "creating", pid: process.pid, starttime: "1" }))).toBe("stopped");
  });
  test("creating while the runtime running create lives; stopped once it died part-way", () => {
    expect(status(root, record({ phase: "creating", creator: self }))).toBe("creating");
    expect(status(root, record({ phase: "creating", ...self, creator: self }))).toBe("creating");
    const deadCreator = { pid: 2 ** 22 + 1, starttime: "5" };
    expect(status(root, record({ phase: "creating", creator: deadCreator }))).toBe("stopped");
    expect(status(root, record({ phase: "creating", ...self, creator: deadCreator }))).toBe("stopped");
    expect(status(root, record({ phase: "creating", creator: { pid: process.pid, starttime: "1" } }))).toBe("stopped");
  });
});

describe("state dir", () => {
  test("only one create of an id wins", () => {
    createContainerDir(root, "dup").release();
    expect(() => createContainerDir(root, "dup")).toThrow("container dup already exists");
  });
  test("state.json is replaced atomically, no temp files left", () => {
    const lock = createContainerDir(root, "atomic");
    writeRecord(lock.dir, record({ id: "atomic" }));
    writeRecord(lock.dir, record({ id: "atomic", pid: 7 }));
    expect(readRecord(lock.dir).pid).toBe(7);
    expect(readdirSync(lock.dir).sort()).toEqual(["state.json"]);
    lock.release();
  });
  test("an empty or truncated state.json is STATE_CORRUPT naming the file", () => {
    const lock = createContainerDir(root, "broken");
    writeFileSync(join(lock.dir, "state.json"), '{"id": "bro');
    expect(() => readRecord(lock.dir)).toThrow(`${lock.dir}/state.json: container state is damaged`);
    writeFileSync(join(lock.dir, "state.json"), "");
    try {
      readRecord(lock.dir);
    } catch (err) {
      expect((err as { code: string }).code).toBe("STATE_CORRUPT");
    }
    lock.release();
  });
  test("locking a missing container is CONTAINER_NOT_FOUND", () => {
    expect(() => lockContainer(root, "nope")).toThrow("container nope does not exist");
    expect(existsSync(join(root, "nope"))).toBe(false);
  });
  test("ids are checked like runc's", () => {
    for (const bad of ["", ".", "..", "a/b", "a b", "x\n"]) expect(() => validateId(bad)).toThrow("invalid container id");
    for (const good of ["a", "my-container_1.2+x"]) expect(() => validateId(good)).not.toThrow();
  });
});
