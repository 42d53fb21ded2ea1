import { expect, test } from "bun:test";
import { decodeOwner, encodeOwner } from "../../../../../imagetool/lib/layer/rootless-owner.ts";

test("user.rootlesscontainers: proto3 varints, fields equal to 0 (root) left out", () => {
  expect([...encodeOwner(1000, 1000)]).toEqual([0x08, 0xe8, 0x07, 0x10, 0xe8, 0x07]);
  expect([...encodeOwner(0, 0)]).toEqual([]);
  expect([...encodeOwner(0, 5)]).toEqual([0x10, 0x05]);
  expect([...encodeOwner(127, 128)]).toEqual([0x08, 0x7f, 0x10, 0x80, 0x01]);
});

test("decode reads back what encode wrote, up to 2^32-2, and refuses what is not a Resource", () => {
  for (const [uid, gid] of [[0, 0], [1000, 0], [0, 65534], [3_000_000, 3_000_000], [4294967294, 1]] as const) {
    expect(decodeOwner(encodeOwner(uid, gid))).toEqual({ uid, gid });
  }
  expect(() => decodeOwner(Uint8Array.of(0x08, 0x80))).toThrow("truncated varint");
  expect(() => decodeOwner(Uint8Array.of(0x18, 0x01))).toThrow("unexpected field key 0x18");
});
