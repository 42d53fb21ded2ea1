/** The one flag parser: spellings, kinds, aliases, repeats, `--`, stops, and every problem reported to the tool. */
import { describe, expect, test } from "bun:test";
import { parseFlags, type FlagProblem, type FlagRules, type FlagSpec } from "../../../common/flags.ts";

const spec: FlagSpec = {
  bundle: { kind: "string", alias: "b" },
  detach: { kind: "boolean", alias: "d" },
  env: { kind: "list", alias: "e" },
  jobs: { kind: "number" },
  format: { kind: "string", choices: ["json", "table"] },
};

class Problem extends Error {
  constructor(readonly problem: FlagProblem) {
    super(problem.kind);
  }
}
const fail = (problem: FlagProblem): never => {
  throw new Problem(problem);
};
const parse = (argv: string[], rules: Partial<FlagRules> = {}, s: FlagSpec = spec) => parseFlags(argv, s, { fail, ...rules });
function problemOf(argv: string[], rules: Partial<FlagRules> = {}, s: FlagSpec = spec): FlagProblem {
  try {
    parse(argv, rules, s);
  } catch (err) {
    if (err instanceof Problem) return err.problem;
    throw err;
  }
  throw new Error("no problem reported");
}

describe("parseFlags", () => {
  test("--flag value, --flag=value, -flag value and aliases", () => {
    expect(parse(["--bundle", "/b", "id"])).toEqual({ flags: { bundle: "/b" }, positionals: ["id"] });
    expect(parse(["--bundle=/b"]).flags.bundle).toBe("/b");
    expect(parse(["-bundle", "/b"]).flags.bundle).toBe("/b");
    expect(parse(["-b", "/b", "-d"]).flags).toEqual({ bundle: "/b", detach: true });
  });

  test("kinds: booleans take =true/=false, numbers are numbers, lists repeat", () => {
    expect(parse(["--detach=false"]).flags.detach).toBe(false);
    expect(parse(["--jobs", "3"]).flags.jobs).toBe(3);
    expect(parse(["-e", "A=1", "--env", "B=2", "--env=C=3"]).flags.env).toEqual(["A=1", "B=2", "C=3"]);
    expect(parse(["--format", "json"]).flags.format).toBe("json");
  });

  test("--no-NAME turns a boolean off only where the tool allows it", () => {
    expect(parse(["--no-detach"], { negatable: true }).flags.detach).toBe(false);
    expect(parse(["--no-detach=false"], { negatable: true }).flags.detach).toBe(true);
    expect(problemOf(["--no-detach"])).toEqual({ kind: "unknown", arg: "--no-detach" });
    expect(problemOf(["--no-bundle"], { negatable: true })).toEqual({ kind: "unknown", arg: "--no-bundle" });
  });

  test("`--` ends the flags where the tool says so, and is an unknown flag elsewhere", () => {
    expect(parse(["id", "--", "-d"], { endOfFlags: true })).toEqual({ flags: {}, positionals: ["id", "-d"] });
    expect(problemOf(["--"])).toEqual({ kind: "unknown", arg: "--" });
    expect(parse(["-"]).positionals).toEqual(["-"]);
  });

  test("stops after N positionals: the rest belongs to the command", () => {
    expect(parse(["-d", "img", "sh", "-c", "-d"], { stopAfterPositionals: 1 })).toEqual({ flags: { detach: true }, positionals: ["img", "sh", "-c", "-d"] });
    expect(parse(["a", "-d", "b"])).toEqual({ flags: { detach: true }, positionals: ["a", "b"] });
  });

  test("a halting word ends parsing at once, mistakes after it unread", () => {
    expect(parse(["-d", "--help", "--bogus"], { haltOn: ["--help", "-h"] })).toEqual({ flags: { detach: true }, positionals: [], halted: "--help" });
    expect(problemOf(["--bogus", "--help"], { haltOn: ["--help"] })).toEqual({ kind: "unknown", arg: "--bogus" });
  });

  test("every mistake goes to the tool's fail", () => {
    expect(problemOf(["--nope=1"])).toEqual({ kind: "unknown", arg: "--nope=1" });
    expect(problemOf(["--detach=maybe"])).toEqual({ kind: "not-boolean", arg: "--detach=maybe", name: "detach", value: "maybe" });
    expect(problemOf(["-b"])).toEqual({ kind: "no-value", arg: "-b", name: "bundle" });
    expect(problemOf(["--format", "xml"])).toEqual({ kind: "not-a-choice", arg: "--format", name: "format", value: "xml", choices: ["json", "table"] });
    expect(problemOf(["--jobs", " "])).toEqual({ kind: "not-a-number", arg: "--jobs", name: "jobs", value: " " });
    expect(problemOf(["-d", "-b", "x"], { conflicts: [["detach", "bundle"]] })).toEqual({ kind: "conflict", names: ["detach", "bundle"] });
    expect(parse(["--detach=false", "-b", "x"], { conflicts: [["detach", "bundle"]] }).flags.bundle).toBe("x");
    expect(problemOf([], {}, { out: { kind: "string", required: true } })).toEqual({ kind: "required", name: "out" });
  });
});
