/**
 * Accumulates a Plan and its origin table. Every step names where it came from in config.json
 * (a JSON pointer) and what it does in words; `explain` prints both, and a helper `error` line
 * carries the origin index so the runtime can say `mount proc on /proc: EPERM (config.json /mounts/0)`.
 */
import type { OpName, SectionName } from "./opcodes.ts";
import { step, type Plan, type PlanArg } from "./steps.ts";

export interface Origin {
  /** What the step does, for people: "mount proc on /proc". */
  description: string;
  /** JSON pointer into config.json, or "" for a runtime default / command-line flag. */
  pointer: string;
}

export interface CompiledPlan {
  plan: Plan;
  origins: Origin[];
  /** Things the config asks for that the runtime skips, as runc does, with a warning each. */
  warnings: string[];
  /**
   * Things runc skips silently (ambient capabilities the kernel would refuse): for --debug and
   * the --log file only, never the container's terminal.
   */
  notes: string[];
}

export class PlanBuilder {
  readonly plan: Plan = { host: [], parent: [], child: [], init: [] };
  readonly origins: Origin[] = [];
  readonly warnings: string[] = [];
  readonly notes: string[] = [];
  private slots = 0;

  /** The next free fd slot of the helper's HOST table (README: 0..63). */
  slot(): number {
    if (this.slots >= 64) throw new Error("plan needs more than 64 fd slots");
    return this.slots++;
  }

  /** Registers an origin; steps that belong to one config entry share it. */
  origin(description: string, pointer: string): number {
    this.origins.push({ description, pointer });
    return this.origins.length - 1;
  }

  add(section: SectionName, op: OpName, args: readonly PlanArg[], origin: number): this {
    this.plan[section].push(step(op, args, origin));
    return this;
  }

  /** One step with its own origin. */
  emit(section: SectionName, op: OpName, args: readonly PlanArg[], description: string, pointer: string): this {
    return this.add(section, op, args, this.origin(description, pointer));
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  note(message: string): void {
    this.notes.push(message);
  }

  build(): CompiledPlan {
    return { plan: this.plan, origins: this.origins, warnings: this.warnings, notes: this.notes };
  }
}

/** JSON pointer escaping (RFC 6901) for keys such as sysctl names or timeOffsets clocks. */
export function pointerKey(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}
