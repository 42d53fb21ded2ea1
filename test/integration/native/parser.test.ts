/** The helper's parser refuses any malformed plan before the first step runs (runc nl_parse style). */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { encodePlan } from "../../../runtime/lib/plan/encode.ts";
import { runHelper, s } from "./helper-driver.ts";

let dir = "";
let marker = "";

/** A plan whose PARENT step writes stage1's pid into `marker`; byte offset of host[1] for mutations. */
function basePlan(): { bytes: Uint8Array; step1: number } {
  writeFileSync(marker, "");
  const bytes = encodePlan({
    host: [s("OOM_SCORE_ADJ", 0), s("OOM_SCORE_ADJ", 0)],
    parent: [s("CGROUP_ENTER", marker)],
    child: [],
    init: [],
  });
  const step1 = 16 + 8 + 9;
  return { bytes, step1 };
}

function withTotal(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(8, bytes.length - 12, true);
  return bytes;
}

const cases: Array<[string, (b: Uint8Array, step1: number) => Uint8Array, RegExp]> = [
  ["bad magic", (b) => ((b[0] = 0), b), /bad magic/],
  ["unknown version", (b) => ((b[4] = 2), b), /unsupported plan version 2/],
  ["unknown opcode", (b, o) => (new DataView(b.buffer).setUint16(o, 999, true), b), /unknown opcode 999 at host\[1\]/],
  ["op in the wrong section", (b, o) => (new DataView(b.buffer).setUint16(o, 89, true), b), /UMASK at host\[1\] is not allowed in that section/],
  ["wrong arg kind", (b, o) => ((b[o + 8] = 0x73), b), /OOM_SCORE_ADJ at host\[1\]: arg 0 must be 'i'/],
  ["wrong arity", (b, o) => (new DataView(b.buffer).setUint16(o + 2, 2, true), b), /OOM_SCORE_ADJ at host\[1\]: 2 args, spec "i" takes 1/],
  ["truncated", (b) => withTotal(b.slice(0, b.length - 5)), /truncated/],
  ["trailing bytes", (b) => withTotal(new Uint8Array([...b, 1, 2, 3])), /3 trailing bytes/],
  ["oversized", (b) => (new DataView(b.buffer).setUint32(8, 17 << 20, true), b), /exceeds/],
];

describeRoot("bocker-init: plan parser", () => {
  beforeAll(() => {
    dir = mkdtempSync("/tmp/bocker-parser-");
    marker = join(dir, "marker");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("the unmodified plan runs (control)", async () => {
    const r = await runHelper(null, { raw: basePlan().bytes });
    expect(r.exitCode).toBe(0);
    expect(readFileSync(marker, "utf8")).toMatch(/^\d+$/);
  });

  for (const [name, mutate, message] of cases) {
    test(`${name}: one error line, exit 1, nothing executed`, async () => {
      const { bytes, step1 } = basePlan();
      const r = await runHelper(null, { raw: mutate(bytes, step1) });
      expect(r.exitCode).toBe(1);
      expect(r.lines).toHaveLength(1);
      expect(r.lines[0]).toStartWith("error - 22 invalid plan: ");
      expect(r.lines[0]).toMatch(message);
      expect(readFileSync(marker, "utf8")).toBe("");
    });
  }

  test("FORK_INIT must end the CHILD section", async () => {
    const raw = encodePlan({ host: [], parent: [], child: [s("FORK_INIT"), s("AWAIT_RELEASE")], init: [] });
    const r = await runHelper(null, { raw });
    expect(r.exitCode).toBe(1);
    expect(r.lines).toEqual(["error - 22 invalid plan: FORK_INIT must be the last CHILD step"]);
  });

  test("stage0/stage1 handshakes must pair up (else both would wait for ever)", async () => {
    const raw = encodePlan({ host: [], parent: [], child: [s("AWAIT_RELEASE")], init: [] });
    const r = await runHelper(null, { raw });
    expect(r.lines).toEqual(["error - 22 invalid plan: 1 AWAIT_RELEASE step(s) in CHILD but 0 RELEASE_CHILD in PARENT"]);
    const maps = encodePlan({ host: [], parent: [s("AWAIT_CHILD_USERNS"), s("RESUME_CHILD")], child: [], init: [] });
    expect((await runHelper(null, { raw: maps })).lines).toEqual(["error - 22 invalid plan: 0 REQUEST_IDMAPS step(s) in CHILD but 1 AWAIT_CHILD_USERNS in PARENT"]);
    // The mount source fds stage0 sends must be as many as stage1 takes.
    const sources = encodePlan({ host: [], parent: [s("SEND_MOUNT_SOURCES", ["/a", "/b"])], child: [s("RECEIVE_MOUNT_SOURCES", [0])], init: [] });
    expect((await runHelper(null, { raw: sources })).lines).toEqual(["error - 22 invalid plan: SEND_MOUNT_SOURCES sends 2 fds but RECEIVE_MOUNT_SOURCES takes 1"]);
    // linux.netDevices: stage0 moves the devices only when stage1 asks (AWAIT_NET_DEVICES).
    const netdev = encodePlan({ host: [], parent: [s("MOVE_NET_DEVICES", ["eth1"], ["eth0"])], child: [], init: [] });
    expect((await runHelper(null, { raw: netdev })).lines).toEqual(["error - 22 invalid plan: 0 AWAIT_NET_DEVICES step(s) in CHILD but 1 MOVE_NET_DEVICES in PARENT"]);
  });

  test("bad invocation is refused", () => {
    const r = Bun.spawnSync([join(import.meta.dir, "../../../dist/bocker-init"), "x"]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.toString()).toContain("usage: bocker-init <sync-fd> <preserve-fds>");
  });
});
