import { describe, expect, test } from "bun:test";
import { BACKOFF_MAX_MS, formatRestartPolicy, nextBackoff, parseRestartPolicy, shouldRestart } from "../../../bocker/restart.ts";

describe("--restart policies", () => {
  test("parse and print docker's words", () => {
    for (const text of ["no", "always", "on-failure", "on-failure:5"]) expect(formatRestartPolicy(parseRestartPolicy(text))).toBe(text);
    expect(() => parseRestartPolicy("unless-stopped")).toThrow("--restart unless-stopped: expected no, on-failure[:max-retries] or always");
    expect(() => parseRestartPolicy("on-failure:x")).toThrow("expected no, on-failure");
  });

  test("who restarts after which exit", () => {
    expect(shouldRestart({ name: "no" }, 1, 0)).toBe(false);
    expect(shouldRestart({ name: "always" }, 0, 100)).toBe(true);
    expect(shouldRestart({ name: "on-failure" }, 0, 0)).toBe(false);
    expect(shouldRestart({ name: "on-failure" }, 137, 50)).toBe(true);
    expect(shouldRestart({ name: "on-failure", maxRetries: 2 }, 3, 1)).toBe(true);
    expect(shouldRestart({ name: "on-failure", maxRetries: 2 }, 3, 2)).toBe(false);
  });

  test("back-off: 100 ms doubling to 10 s, back to 100 ms after a 10 s run", () => {
    const delays: number[] = [];
    let d: number | undefined;
    for (let i = 0; i < 10; i++) delays.push((d = nextBackoff(d, 5)));
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 6400, BACKOFF_MAX_MS, BACKOFF_MAX_MS, BACKOFF_MAX_MS]);
    expect(nextBackoff(6400, 10_000)).toBe(100);
  });
});
