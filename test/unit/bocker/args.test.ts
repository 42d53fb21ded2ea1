import { describe, expect, test } from "bun:test";
import { parseSince } from "../../../bocker/logs.ts";
import { parseLogsArgs, parseRunArgs } from "../../../bocker/args.ts";
import { processArgs } from "../../../bocker/run.ts";

/** What a run without any of Docker's run-time flags carries. */
const PLAIN = { env: [], envFiles: [], readOnly: false, remove: false, tty: false };

describe("bocker run arguments", () => {
  test("the original form: image then command, nothing else", () => {
    expect(parseRunArgs(["img_42150", "cat", "/etc/centos-release"])).toEqual({
      image: "img_42150",
      command: ["cat", "/etc/centos-release"],
      detach: false,
      volumes: [],
      ports: [],
      ...PLAIN,
    });
  });

  test("options before the image; everything after it belongs to the command", () => {
    const req = parseRunArgs(["-d", "--name=web", "-v", "/srv:/www:ro", "--volume", "data:/data", "-p", "8080:80", "--publish=53:53/udp", "img_1", "httpd", "-f", "-p", "80"]);
    expect(req).toEqual({
      image: "img_1",
      command: ["httpd", "-f", "-p", "80"],
      detach: true,
      name: "web",
      volumes: ["/srv:/www:ro", "data:/data"],
      ports: [
        { hostPort: 8080, containerPort: 80, protocol: "tcp" },
        { hostPort: 53, containerPort: 53, protocol: "udp" },
      ],
      ...PLAIN,
    });
  });

  test("Docker's run-time flags; -it splits up to the image, not after it", () => {
    const req = parseRunArgs(["-it", "--rm", "-e", "A=1", "--env=B", "--env-file", "/e.env", "-w", "/tmp", "-u", "nobody:nogroup", "--memory", "512m", "--cpus", "1.5", "--pids-limit", "20", "--read-only", "img_1", "ls", "-it"]);
    expect(req).toEqual({
      image: "img_1",
      command: ["ls", "-it"],
      detach: false,
      volumes: [],
      ports: [],
      env: ["A=1", "B"],
      envFiles: ["/e.env"],
      workdir: "/tmp",
      user: "nobody:nogroup",
      memoryBytes: 512 * 1024 * 1024,
      cpus: 1.5,
      pidsLimit: 20,
      readOnly: true,
      remove: true,
      tty: true,
    });
    // A value that looks like bundled switches stays a value.
    expect(parseRunArgs(["-w", "-dit", "img_1"]).workdir).toBe("-dit");
    expect(parseRunArgs(["-m", "2g", "img_1"]).memoryBytes).toBe(2 * 1024 ** 3);
  });

  test("mistakes are reported with the usage", () => {
    expect(() => parseRunArgs([])).toThrow(/run needs an image\nusage: bocker run/);
    expect(() => parseRunArgs(["--name"])).toThrow(/--name needs a value/);
    expect(() => parseRunArgs(["--rmx", "img_1"])).toThrow(/unknown option --rmx/);
    expect(() => parseRunArgs(["--memory", "lots", "img_1"])).toThrow("--memory lots: expected a size such as 512m or 2g");
    expect(() => parseRunArgs(["--cpus", "0", "img_1"])).toThrow("--cpus 0: expected a positive number");
    expect(() => parseRunArgs(["--pids-limit", "1.5", "img_1"])).toThrow("--pids-limit 1.5: expected a positive integer");
    expect(() => parseRunArgs(["-dt", "img_1"])).toThrow("-d and -t cannot be combined");
    expect(parseRunArgs(["-d", "--rm", "img_1"])).toMatchObject({ detach: true, remove: true }); // its monitor removes it
    expect(() => parseRunArgs(["--name", "-bad", "img_1"])).toThrow(/--name -bad: expected/);
    expect(() => parseRunArgs(["-p", "80", "img_1"])).toThrow(/expected hostPort:containerPort/);
  });
});

describe("bocker logs arguments", () => {
  test("-f anywhere, exactly one container", () => {
    const plain = { timestamps: false };
    expect(parseLogsArgs(["ps_1"])).toEqual({ id: "ps_1", follow: false, query: plain });
    expect(parseLogsArgs(["ps_1", "-f"])).toEqual({ id: "ps_1", follow: true, query: plain });
    expect(parseLogsArgs(["--follow", "web"])).toEqual({ id: "web", follow: true, query: plain });
    const usage = "usage: bocker logs [-f] [-t] [--tail N] [--since WHEN] <container_id>";
    expect(() => parseLogsArgs([])).toThrow(usage);
    expect(() => parseLogsArgs(["a", "b"])).toThrow(usage);
  });

  test("-t, --tail N|all, --since as a duration, a Unix time or a date", () => {
    expect(parseLogsArgs(["-t", "--tail", "3", "ps_1"]).query).toEqual({ timestamps: true, tail: 3 });
    expect(parseLogsArgs(["--tail", "all", "ps_1"]).query).toEqual({ timestamps: false });
    expect(() => parseLogsArgs(["--tail", "x", "ps_1"])).toThrow("--tail x: expected a number of lines or all");
    const since = parseLogsArgs(["--since", "10m", "ps_1"]).query.sinceMs!;
    expect(Math.abs(since - (Date.now() - 600_000))).toBeLessThan(5_000);
    expect(parseSince("1h30m", 10_000_000)).toBe(10_000_000 - 5_400_000);
    expect(parseSince("1700000000.5")).toBe(1_700_000_000_500);
    expect(parseSince("2026-12-07T16:00:00Z")).toBe(Date.UTC(2026, 11, 7, 16));
    expect(() => parseSince("yesterday")).toThrow("--since yesterday: expected a duration");
  });
});

describe("bocker run --restart and --log-opt", () => {
  test("policies, sizes, and what is refused", () => {
    expect(parseRunArgs(["-d", "--restart", "on-failure:3", "img_1", "true"]).restart).toEqual({ name: "on-failure", maxRetries: 3 });
    expect(parseRunArgs(["-d", "--restart", "always", "img_1", "true"]).restart).toEqual({ name: "always" });
    expect(() => parseRunArgs(["--restart", "always", "img_1", "true"])).toThrow("--restart always needs -d");
    expect(() => parseRunArgs(["-d", "--restart", "sometimes", "img_1"])).toThrow("--restart sometimes: expected no, on-failure[:max-retries] or always");
    expect(parseRunArgs(["--log-opt", "max-size=10m,max-file=3", "img_1"]).logOptions).toEqual({ maxSize: 10_000_000, maxFile: 3 });
    expect(parseRunArgs(["--log-opt", "max-size=1.5k", "--log-opt", "max-file=2", "img_1"]).logOptions).toEqual({ maxSize: 1500, maxFile: 2 });
    expect(() => parseRunArgs(["--log-opt", "max-file=3", "img_1"])).toThrow("--log-opt max-file needs max-size");
    expect(() => parseRunArgs(["--log-opt", "max-size=lots", "img_1"])).toThrow("--log-opt max-size=lots: expected a positive size");
    expect(() => parseRunArgs(["--log-opt", "mode=non-blocking", "img_1"])).toThrow("--log-opt mode=non-blocking: unknown option");
  });
});

describe("the container's process", () => {
  test("one argument with a space is a shell command line, as in the original; several are argv", () => {
    expect(processArgs(["sleep 5 && ps aux"])).toEqual(["/bin/sh", "-c", "sleep 5 && ps aux"]);
    expect(processArgs(["uname"])).toEqual(["uname"]);
    expect(processArgs(["echo", "a  b"])).toEqual(["echo", "a  b"]);
  });
});
