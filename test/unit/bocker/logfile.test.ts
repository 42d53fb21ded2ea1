import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseLines } from "../../../bocker/logs.ts";
import { LogWriter, logFiles, parseHumanSize, parseLogOpts, timestampNow, type LogEntry } from "../../../bocker/logfile.ts";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
function logPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "bocker-logfile-"));
  dirs.push(dir);
  return join(dir, "ps_1.log");
}
const entries = (path: string): LogEntry[] => readFileSync(path, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
const bytes = (s: string) => new TextEncoder().encode(s);

describe("json-file log writer", () => {
  test("one entry per line, streams apart, a line split across chunks (and inside a UTF-8 character) joined", () => {
    const path = logPath();
    const w = new LogWriter(path, { maxFile: 1 });
    const euro = bytes("€\n");
    w.write("stdout", bytes("hel"));
    w.write("stderr", bytes("oops\n"));
    w.write("stdout", bytes("lo\nwor"));
    w.write("stdout", euro.subarray(0, 1));
    w.write("stdout", euro.subarray(1));
    w.write("stdout", bytes("tail"));
    w.close();
    expect(entries(path).map(({ log, stream }) => [stream, log])).toEqual([
      ["stderr", "oops\n"],
      ["stdout", "hello\n"],
      ["stdout", "wor€\n"],
      ["stdout", "tail"],
    ]);
    expect(entries(path)[0]!.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  });

  test("rotates once the file reached max-size, keeping max-file files", () => {
    const path = logPath();
    const w = new LogWriter(path, { maxSize: 300, maxFile: 3 });
    for (let i = 0; i < 40; i++) w.write("stdout", bytes(`line ${i}\n`));
    w.close();
    expect(logFiles(path)).toEqual([`${path}.2`, `${path}.1`, path]);
    expect(existsSync(`${path}.3`)).toBe(false);
    for (const f of logFiles(path)) expect(statSync(f).size).toBeLessThan(300 + 80);
    const kept = logFiles(path).flatMap(entries).map((e) => Number(e.log.split(" ")[1]));
    expect(kept.at(-1)).toBe(39);
    kept.forEach((n, i) => expect(n).toBe(kept[0]! + i));
  });

  test("max-file=1 truncates in place; a reopened log keeps counting its size", () => {
    const path = logPath();
    let w = new LogWriter(path, { maxSize: 200, maxFile: 1 });
    for (let i = 0; i < 2; i++) w.write("stdout", bytes(`line ${i}\n`));
    w.close();
    w = new LogWriter(path, { maxSize: 200, maxFile: 1 }); // a restarted monitor
    for (let i = 2; i < 10; i++) w.write("stdout", bytes(`line ${i}\n`));
    w.close();
    expect(logFiles(path)).toEqual([path]);
    expect(entries(path).at(-1)!.log).toBe("line 9\n");
    expect(entries(path)[0]!.log).not.toBe("line 0\n");
  });

  test("sizes and options as docker reads them", () => {
    expect(parseHumanSize("10m", "x")).toBe(10_000_000);
    expect(parseHumanSize("10MB", "x")).toBe(10_000_000);
    expect(parseHumanSize("512", "x")).toBe(512);
    expect(parseHumanSize("1.5k", "x")).toBe(1500);
    expect(() => parseHumanSize("0", "x")).toThrow("x=0: expected a positive size");
    expect(parseLogOpts(["max-size=10m,max-file=3"])).toEqual({ maxSize: 10_000_000, maxFile: 3 });
    expect(parseLogOpts([])).toEqual({ maxFile: 1 });
    expect(timestampNow() <= timestampNow()).toBe(true);
  });
});

describe("reading a log", () => {
  test("json-file entries, and a log written before the format (plain output) line by line", () => {
    const entry = { log: "a\n", stream: "stderr", time: "2026-12-07T16:53:01.014889892Z" };
    expect(parseLines(`${JSON.stringify(entry)}\n`)).toEqual([entry as LogEntry]);
    expect(parseLines('CentOS Linux release 7.9.2009 (Core)\n{"json":"printed by the container"}\n')).toEqual([
      { log: "CentOS Linux release 7.9.2009 (Core)\n", stream: "stdout", time: "" },
      { log: '{"json":"printed by the container"}\n', stream: "stdout", time: "" },
    ]);
  });
});
