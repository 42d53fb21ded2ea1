import { describe, expect, test } from "bun:test";
import { goDurationMs, ramInBytes } from "../../../../../runtime/lib/cgroups/units.ts";

describe("ramInBytes (docker/go-units RAMInBytes, runc update)", () => {
  test("binary prefixes in any case, with optional i and b, and an optional space", () => {
    expect(ramInBytes("100")).toBe(100);
    expect(ramInBytes("50M")).toBe(50 * 1024 * 1024);
    expect(ramInBytes("50m")).toBe(50 * 1024 * 1024);
    expect(ramInBytes("1g")).toBe(1024 ** 3);
    expect(ramInBytes("512 KiB")).toBe(512 * 1024);
    expect(ramInBytes("2kb")).toBe(2048);
    expect(ramInBytes("1.5k")).toBe(1536);
    expect(ramInBytes("1T")).toBe(1024 ** 4);
    expect(ramInBytes("10b")).toBe(10);
  });
  test("anything else is refused", () => {
    for (const bad of ["", "-1", "M", "1x", "1 2", "1.2.3M", " 1M", "1MM"]) expect(() => ramInBytes(bad)).toThrow(`invalid size: '${bad}'`);
  });
});

describe("goDurationMs (Go time.ParseDuration)", () => {
  test("every unit and combinations", () => {
    expect(goDurationMs("100ms")).toBe(100);
    expect(goDurationMs("5s")).toBe(5000);
    expect(goDurationMs("1m30s")).toBe(90_000);
    expect(goDurationMs("1h")).toBe(3_600_000);
    expect(goDurationMs("1.5s")).toBe(1500);
    expect(goDurationMs(".5s")).toBe(500);
    expect(goDurationMs("2000us")).toBe(2);
    expect(goDurationMs("3000000ns")).toBe(3);
    expect(goDurationMs("1µs")).toBe(0.001);
    expect(goDurationMs("0")).toBe(0);
    expect(goDurationMs("-2s")).toBe(-2000);
  });
  test("bare numbers (but 0), unknown units and junk are refused", () => {
    expect(() => goDurationMs("5")).toThrow('time: invalid duration "5"');
    expect(() => goDurationMs("")).toThrow("invalid duration");
    expect(() => goDurationMs("1d")).toThrow('time: unknown unit "d" in duration "1d"');
    expect(() => goDurationMs("s")).toThrow("invalid duration");
    expect(() => goDurationMs("1s ")).toThrow("invalid duration");
  });
});
