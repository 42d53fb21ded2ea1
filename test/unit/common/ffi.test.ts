/** The tools' one libc binding: shared calls, a tool's own symbols, errno after a failure. */
import { afterAll, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cString, errno, flock, ioctl, libcSymbols, LOCK_EX, LOCK_NB, LOCK_UN } from "../../../common/ffi.ts";

const tmp = mkdtempSync(join(tmpdir(), "bocker-ffi-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test("a failed call leaves its errno for errno() (EBADF for a closed fd)", () => {
  expect(flock(987_654, LOCK_EX | LOCK_NB)).toBe(false);
  expect(errno()).toBe(9);
});

test("a tool's own symbols, bound through libcSymbols, fail with an errno errno() reads", () => {
  const own = libcSymbols({ access: { args: ["ptr", "i32"], returns: "i32" } } as const);
  expect(own().access(cString(join(tmp, "missing")), 0)).toBe(-1);
  expect(errno()).toBe(2);
  expect(own().access(cString(tmp), 0)).toBe(0);
});

test("flock on a file; ioctl with a buffer (TIOCGWINSZ on /dev/null is refused: ENOTTY)", () => {
  const fd = openSync(join(tmp, "f"), "w");
  try {
    expect(flock(fd, LOCK_EX | LOCK_NB)).toBe(true);
    expect(flock(fd, LOCK_UN)).toBe(true);
    const devNull = openSync("/dev/null", "r");
    try {
      expect(ioctl(devNull, 0x5413n, new Uint16Array(4))).toBe(-1);
      expect(errno()).toBe(25);
    } finally {
      closeSync(devNull);
    }
  } finally {
    closeSync(fd);
  }
});

test("cString ends with one NUL", () => {
  expect([...cString("ab")]).toEqual([97, 98, 0]);
});
