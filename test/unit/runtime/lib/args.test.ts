import { describe, expect, test } from "bun:test";
import { parseArgs } from "../../../../runtime/lib/args.ts";
import { parseSignal } from "../../../../runtime/lib/signals.ts";

const spec = { bundle: { kind: "string", alias: "b" }, detach: { kind: "bool", alias: "d" }, env: { kind: "list", alias: "e" } } as const;

describe("parseArgs", () => {
  test("runc's spellings: --flag value, --flag=value, -flag value, short aliases", () => {
    expect(parseArgs(["--bundle", "/b", "id"], spec)).toEqual({ flags: { bundle: "/b" }, positionals: ["id"] });
    expect(parseArgs(["--bundle=/b", "id"], spec).flags.bundle).toBe("/b");
    expect(parseArgs(["-bundle", "/b", "id"], spec).flags.bundle).toBe("/b");
    expect(parseArgs(["-b", "/b", "-d", "id"], spec).flags).toEqual({ bundle: "/b", detach: true });
    expect(parseArgs(["id", "--detach=false"], spec).flags.detach).toBe(false);
  });
  test("flags may follow the id; lists accumulate", () => {
    expect(parseArgs(["id", "-e", "A=1", "--env", "B=2"], spec)).toEqual({ flags: { env: ["A=1", "B=2"] }, positionals: ["id"] });
  });
  test("exec: after the id everything is the command", () => {
    expect(parseArgs(["-d", "id", "sh", "-c", "echo -d"], spec, { stopAfterPositionals: 1 })).toEqual({ flags: { detach: true }, positionals: ["id", "sh", "-c", "echo -d"] });
    expect(parseArgs(["id", "--", "-x"], spec).positionals).toEqual(["id", "-x"]);
  });
  test("global flags stop at the command name", () => {
    expect(parseArgs(["--bundle", "r", "kill", "--all", "x"], spec, { stopAtFirstPositional: true })).toEqual({ flags: { bundle: "r" }, positionals: ["kill", "--all", "x"] });
  });
  test("errors: unknown flag, missing value, bad bool", () => {
    expect(() => parseArgs(["--nope"], spec)).toThrow("unknown flag: --nope");
    expect(() => parseArgs(["--bundle"], spec)).toThrow("flag --bundle needs a value");
    expect(() => parseArgs(["--detach=maybe"], spec)).toThrow("expected true or false");
  });
});

describe("parseSignal", () => {
  test("names with or without SIG, numbers (0 the liveness probe), real-time", () => {
    expect(parseSignal("KILL")).toBe(9);
    expect(parseSignal("SIGTERM")).toBe(15);
    expect(parseSignal("usr1")).toBe(10);
    expect(parseSignal("9")).toBe(9);
    expect(parseSignal("SIGRTMIN+2")).toBe(36);
    expect(() => parseSignal("BOGUS")).toThrow("unknown signal");
    expect(parseSignal("0")).toBe(0);
    expect(() => parseSignal("65")).toThrow("unknown signal");
  });
});
