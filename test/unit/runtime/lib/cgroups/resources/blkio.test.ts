import { describe, expect, test } from "bun:test";
import { blkioWeightToIoWeight, blkioWrites } from "../../../../../../runtime/lib/cgroups/resources/blkio.ts";
import { HYBRID, hostContext, pairs, V2 } from "../host-context.ts";

const full = {
  weight: 500,
  leafWeight: 300,
  weightDevice: [{ major: 8, minor: 0, weight: 600, leafWeight: 200 }],
  throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
  throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 2097152 }],
  throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 100 }],
  throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 200 }],
};

describe("blkio on cgroup v1", () => {
  test("CFQ files when BFQ is absent", () => {
    const ctx = hostContext({ versions: HYBRID, files: ["blkio.weight"] });
    expect(pairs(blkioWrites(full, ctx))).toEqual([
      ["blkio.weight", "500"],
      ["blkio.leaf_weight", "300"],
      ["blkio.weight_device", "8:0 600"],
      ["blkio.leaf_weight_device", "8:0 200"],
      ["blkio.throttle.read_bps_device", "8:0 1048576"],
      ["blkio.throttle.write_bps_device", "8:0 2097152"],
      ["blkio.throttle.read_iops_device", "8:0 100"],
      ["blkio.throttle.write_iops_device", "8:16 200"],
    ]);
  });
  test("BFQ files when the scheduler provides them", () => {
    const ctx = hostContext({ versions: HYBRID, files: ["blkio.bfq.weight"] });
    expect(pairs(blkioWrites({ weight: 100, weightDevice: [{ major: 8, minor: 0, weight: 50 }] }, ctx))).toEqual([
      ["blkio.bfq.weight", "100"],
      ["blkio.bfq.weight_device", "8:0 50"],
    ]);
  });
  test("nothing set, nothing written", () => {
    expect(blkioWrites({ weightDevice: [] }, hostContext({ versions: HYBRID }))).toEqual([]);
  });
});

describe("io on cgroup v2", () => {
  test("io.weight converted, io.max throttles", () => {
    const ctx = hostContext({ versions: V2, files: ["io.weight", "io.max"] });
    const { weightDevice: _w, leafWeight: _l, ...rest } = full;
    expect(pairs(blkioWrites(rest, ctx))).toEqual([
      ["io.weight", "4950"],
      ["io.max", "8:0 rbps=1048576"],
      ["io.max", "8:0 wbps=2097152"],
      ["io.max", "8:0 riops=100"],
      ["io.max", "8:16 wiops=200"],
    ]);
  });
  test("io.bfq.weight takes the blkio weight as is, and per-device weights", () => {
    const ctx = hostContext({ versions: V2, files: ["io.bfq.weight"] });
    expect(pairs(blkioWrites({ weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 600 }] }, ctx))).toEqual([
      ["io.bfq.weight", "500"],
      ["io.bfq.weight", "8:0 600"],
    ]);
  });
  test("per-device weight without BFQ, and leaf weights, are errors (runc drops them silently)", () => {
    const ctx = hostContext({ versions: V2, files: ["io.weight"] });
    expect(() => blkioWrites({ weightDevice: [{ major: 8, minor: 0, weight: 600 }] }, ctx)).toThrow(/BFQ.*weightDevice\/0\/weight/);
    expect(() => blkioWrites({ leafWeight: 10 }, ctx)).toThrow(/leaf weights are not supported/);
  });
  test("ConvertBlkIOToIOWeightValue", () => {
    expect([0, 10, 500, 1000].map(blkioWeightToIoWeight)).toEqual([0, 1, 4950, 10000]);
  });
});
