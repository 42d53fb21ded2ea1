/**
 * iptables rules bocker owns, each tagged with a comment (`-m comment --comment bocker:<bridge>`
 * for the bridge's NAT and forwarding, `bocker:<bridge>:<container>` for a container's ports),
 * so removal finds exactly ours by reading `iptables -S` back, and never needs a record of
 * what was added (a run that died half-way leaves nothing we cannot find).
 */
import { attempt, run } from "../exec.ts";

export type Table = "nat" | "filter";
export interface Rule {
  readonly table: Table;
  readonly chain: string;
  readonly spec: readonly string[];
}

const iptables = (table: Table, ...args: string[]) => ["iptables", "-w", "-t", table, ...args];
const tagged = (rule: Rule, tag: string) => [...rule.spec, "-m", "comment", "--comment", tag];

/** Adds the rule unless an identical one is there (callers hold the network lock). */
export function ensureRule(rule: Rule, tag: string, position: "append" | "insert" = "append"): void {
  const spec = tagged(rule, tag);
  if (attempt(iptables(rule.table, "-C", rule.chain, ...spec)).code === 0) return;
  run(iptables(rule.table, position === "insert" ? "-I" : "-A", rule.chain, ...spec));
}

/** Splits an `iptables -S` line into argv; iptables-nft prints comments in double quotes. */
export function splitRuleLine(line: string): string[] {
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2]!));
}

/** Every rule (as `iptables -S` prints it) whose tag is `tag` or starts with `tag:`. */
export function taggedRules(tag: string): Array<{ table: Table; words: string[] }> {
  return (["nat", "filter"] as const).flatMap((table) =>
    run(iptables(table, "-S"))
      .split("\n")
      .map((line) => ({ table, words: splitRuleLine(line) }))
      .filter(({ words }) => {
        const at = words.indexOf("--comment");
        const comment = at < 0 ? "" : (words[at + 1] ?? "");
        return words[0] === "-A" && (comment === tag || comment.startsWith(`${tag}:`));
      }),
  );
}

/** Deletes every rule `taggedRules(tag)` finds; returns how many it removed. */
export function deleteTagged(tag: string): number {
  let removed = 0;
  for (const { table, words } of taggedRules(tag)) {
    // A rule that vanished meanwhile (a concurrent rm of the same container) is not an error.
    if (attempt(iptables(table, "-D", ...words.slice(1))).code === 0) removed++;
  }
  return removed;
}
