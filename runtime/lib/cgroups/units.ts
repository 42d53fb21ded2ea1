/**
 * The two value syntaxes runc's command line borrows from Go: sizes as docker/go-units RAMInBytes
 * reads them (`update --memory 50M`) and durations as time.ParseDuration reads them
 * (`events --interval 100ms`). Pure, so the CLI's exact acceptance is unit-tested.
 */
import { RuntimeError } from "../errors.ts";

const BINARY: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/**
 * go-units RAMInBytes: a decimal number, an optional space, an optional k/m/g/t/p prefix (binary,
 * any case), an optional "i" and an optional "b": "50M", "1.5g", "512 KiB", "100". The product is
 * truncated to an integer as Go's int64(float) does.
 */
export function ramInBytes(text: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(text);
  if (!m) throw new RuntimeError("USAGE", `invalid size: '${text}'`);
  return Math.trunc(Number(m[1]) * BINARY[(m[2] ?? "").toLowerCase()]!);
}

const NANOS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, "μs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go time.ParseDuration, in milliseconds: "100ms", "1m30s", "1.5h", "-2s"; a bare "0" is zero. */
export function goDurationMs(text: string): number {
  const bad = () => new RuntimeError("USAGE", `time: invalid duration "${text}"`);
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    sign = rest[0] === "-" ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw bad();
  let nanos = 0;
  while (rest !== "") {
    const m = /^(\d*(?:\.\d*)?)([a-zµμ]+)/.exec(rest);
    if (!m || m[1] === "" || m[1] === ".") throw bad();
    const unit = NANOS[m[2]!];
    if (unit === undefined) throw new RuntimeError("USAGE", `time: unknown unit "${m[2]}" in duration "${text}"`);
    nanos += Number(m[1]) * unit;
    rest = rest.slice(m[0].length);
  }
  return (sign * nanos) / 1e6;
}
