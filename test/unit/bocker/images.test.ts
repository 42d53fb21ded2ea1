import { describe, expect, test } from "bun:test";
import { helpText } from "../../../bocker/commands.ts";
import { loadSettings } from "../../../bocker/config.ts";
import { pullReference } from "../../../bocker/images.ts";
import { splitRuleLine } from "../../../bocker/network/iptables.ts";
import { resolveVolume } from "../../../bocker/volumes.ts";

describe("pull references", () => {
  test("Docker Hub by default, BOCKER_REGISTRY when set", () => {
    expect(pullReference("", "centos", "7")).toBe("centos:7");
    expect(pullReference("127.0.0.1:5000", "centos", "7")).toBe("127.0.0.1:5000/centos:7");
    expect(pullReference("registry.example/", "library/centos", "7")).toBe("registry.example/library/centos:7");
  });
});

describe("settings", () => {
  test("the original's defaults", () => {
    const s = loadSettings({});
    expect(s).toMatchObject({ root: "/var/bocker", registry: "", cpuShares: 512, memLimitMb: 512, bridge: "bridge0", cgroupParent: "" });
  });

  test("bad values are refused by name", () => {
    expect(() => loadSettings({ BOCKER_MEM_LIMIT: "lots" })).toThrow("BOCKER_MEM_LIMIT=lots: expected a positive integer");
    expect(() => loadSettings({ BOCKER_CPU_SHARE: "0" })).toThrow("BOCKER_CPU_SHARE=0: expected a positive integer");
    expect(() => loadSettings({ BOCKER_BRIDGE: "a-very-long-bridge-name" })).toThrow(/not a valid interface name/);
    expect(() => loadSettings({ BOCKER_SUBNET: "10.0.0.1/24" })).toThrow(/host bits are set/);
  });
});

describe("iptables -S lines", () => {
  test("split into argv, with iptables-nft's quoted comments unquoted", () => {
    expect(splitRuleLine('-A POSTROUTING -s 10.0.0.0/24 ! -o bridge0 -m comment --comment "bocker:bridge0" -j MASQUERADE')).toEqual([
      "-A", "POSTROUTING", "-s", "10.0.0.0/24", "!", "-o", "bridge0", "-m", "comment", "--comment", "bocker:bridge0", "-j", "MASQUERADE",
    ]);
    expect(splitRuleLine('-A X --comment "a \\"b\\" c"')).toEqual(["-A", "X", "--comment", 'a "b" c']);
  });
});

describe("volumes", () => {
  test("malformed specs are refused before any directory is made", () => {
    expect(() => resolveVolume("/a", "/nonexistent")).toThrow(/expected \/host\/dir:\/container\/dir\[:ro\]/);
    expect(() => resolveVolume("/a:rel", "/nonexistent")).toThrow(/expected/);
    expect(() => resolveVolume("/a:/b:rx", "/nonexistent")).toThrow(/expected/);
    expect(() => resolveVolume("../x:/b", "/nonexistent")).toThrow(/neither an absolute path nor a volume name/);
  });
});

describe("help", () => {
  test("the original's layout: description, then a tab and the usage, then a blank line", () => {
    expect(helpText()).toStartWith("Create an image from a directory:\n\tbocker init <directory>\n\nPull an image");
    expect(helpText()).toContain("Commit a container to an image:\n\tbocker commit <container_id> <image_id>\n\n");
    expect(helpText()).toContain("in the background):\n\tbocker run [-d] [--name <name>] [-v <src>:<dst>[:ro]] [-p <host_port>:<port>[/udp]] <image_id> <command>\n\nExecute a command");
    expect(helpText()).toContain("Display this message:\n\tbocker help\n\nRun with Docker's run-time options"); // the first of bocker's own
    for (const flag of ["--rm", "-it", "-e", "--env-file", "-w", "-u", "--memory", "--cpus", "--pids-limit", "--read-only"]) expect(helpText()).toContain(`[${flag}`);
  });
});
