import { expect, test } from "bun:test";
import { COMMANDS, HELP, helpText } from "../../../bocker/commands.ts";

test("every command has a line in bocker help, the original's first and in its order", () => {
  const verbs = new Set(HELP.map(([, usage]) => usage.split(" ")[0]));
  for (const name of Object.keys(COMMANDS)) expect(verbs.has(name)).toBe(true);
  expect(HELP.slice(0, 11).map(([, usage]) => usage.split(" ")[0])).toEqual(["init", "pull", "rm", "images", "ps", "run", "exec", "logs", "commit", "stop", "help"]);
  for (const flag of ["--restart", "--log-opt", "max-size=", "max-file=", "[-t]", "--tail", "--since", "-t <seconds>", "-s <signal>", "--no-stream"]) expect(helpText()).toContain(flag);
});
