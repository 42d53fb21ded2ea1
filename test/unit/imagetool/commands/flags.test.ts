/** The imagetool's flag parser (every command uses it; yargs cost each ~15–20 ms of start-up). */
import { describe, expect, test } from "bun:test";
import { helpText, parseFlags, type CommandSpec } from "../../../../imagetool/commands/flags.ts";
import { UsageError } from "../../../../imagetool/lib/errors.ts";
import { OVERRIDE_FLAGS, overridesFrom, splitCommand } from "../../../../imagetool/commands/bundle-flags.ts";

const SPEC: CommandSpec = {
  name: "bocker-imagetool test",
  usage: ["IMAGE DIR"],
  flags: {
    "tls-verify": { kind: "boolean", describe: "verify" },
    concurrency: { kind: "number", describe: "n" },
    snapshotter: { kind: "string", choices: ["overlay", "copy"], describe: "which" },
    ...OVERRIDE_FLAGS,
  },
  positionals: { min: 1, max: 2, message: "needs IMAGE and DIR" },
};

const sink = () => {
  let text = "";
  return { write: (s: string) => void (text += s), text: () => text };
};

describe("parseFlags", () => {
  test("--flag value, --flag=value, aliases, lists and positionals in any order", () => {
    const r = parseFlags(["img", "-e", "A=1", "--env=B=2", "dir", "--concurrency", "3", "-t", "--snapshotter=copy"], SPEC)!;
    expect(r.positionals).toEqual(["img", "dir"]);
    expect(r.flags).toEqual({ env: ["A=1", "B=2"], concurrency: 3, tty: true, snapshotter: "copy" });
  });

  test("booleans: --x, --x=false, --no-x", () => {
    expect(parseFlags(["i", "--tls-verify=false"], SPEC)!.flags["tls-verify"]).toBe(false);
    expect(parseFlags(["i", "--no-tls-verify"], SPEC)!.flags["tls-verify"]).toBe(false);
    expect(parseFlags(["i", "--tls-verify"], SPEC)!.flags["tls-verify"]).toBe(true);
    expect(() => parseFlags(["i", "--tls-verify=maybe"], SPEC)).toThrow(/expected true or false/);
  });

  test("unknown flags, missing values, bad numbers, bad choices and positional counts are usage errors", () => {
    expect(() => parseFlags(["i", "--bogus"], SPEC)).toThrow(UsageError);
    expect(() => parseFlags(["i", "--bogus"], SPEC)).toThrow(/unknown flag --bogus/);
    expect(() => parseFlags(["i", "--workdir"], SPEC)).toThrow(/--workdir needs a value/);
    expect(() => parseFlags(["i", "--concurrency", "x"], SPEC)).toThrow(/needs a number/);
    expect(() => parseFlags(["i", "--snapshotter", "zfs"], SPEC)).toThrow(/must be one of overlay, copy/);
    expect(() => parseFlags([], SPEC)).toThrow(/needs IMAGE and DIR/);
    expect(() => parseFlags(["a", "b", "c"], SPEC)).toThrow(/needs IMAGE and DIR/);
  });

  test("--help prints every flag and returns undefined", () => {
    const out = sink();
    expect(parseFlags(["--help"], SPEC, out.write)).toBeUndefined();
    expect(out.text()).toBe(helpText(SPEC));
    for (const f of ["--tls-verify", "--concurrency N", "-e, --env VALUE", "(overlay, copy)", "--help"]) expect(out.text()).toContain(f);
  });

  test("the container command after -- is never parsed, and overrides map as before", () => {
    const { args, command } = splitCommand(["img", "dir", "-m", "512m", "--cpus", "1.5", "--entrypoint=", "--", "sh", "--bogus"]);
    const r = parseFlags(args, SPEC)!;
    expect(command).toEqual(["sh", "--bogus"]);
    expect(overridesFrom(r.flags, command)).toEqual({ args: ["sh", "--bogus"], memory: 512 * 1024 ** 2, cpus: 1.5, entrypoint: [] });
  });

  test("required flags and mutually exclusive pairs (what yargs' demandOption and conflicts did)", () => {
    const spec: CommandSpec = {
      name: "bocker-imagetool t",
      usage: ["[IMAGE...] -o FILE"],
      flags: {
        output: { kind: "string", alias: "o", required: true, describe: "file" },
        all: { kind: "boolean", describe: "all" },
        platform: { kind: "string", describe: "p" },
      },
      conflicts: [["all", "platform"]],
      positionals: { min: 0, max: Infinity, message: "" },
    };
    expect(() => parseFlags(["img"], spec)).toThrow(/--output is required/);
    expect(parseFlags(["a", "b", "-o", "f"], spec)).toEqual({ flags: { output: "f" }, positionals: ["a", "b"] });
    expect(() => parseFlags(["-o", "f", "--all", "--platform", "linux/amd64"], spec)).toThrow(/--all and --platform are mutually exclusive/);
    // A boolean given as false is not "given": --all=false with --platform is fine.
    expect(parseFlags(["-o", "f", "--all=false", "--platform", "linux/amd64"], spec)!.flags).toEqual({ output: "f", all: false, platform: "linux/amd64" });
    expect(helpText(spec)).toContain("(required)");
    // --help wins over a missing required flag.
    expect(parseFlags(["--help"], spec, () => {})).toBeUndefined();
  });
});
