/**
 * A stack of undo actions. The tests and the conformance suite (oci-validation/) push what they
 * create (mounts, cgroups, netns, processes, dirs, containers) and run the stack in
 * afterEach/afterAll, so nothing leaks even when an assertion fails.
 */
export class Cleanup {
  private readonly actions: Array<{ what: string; undo: () => unknown | Promise<unknown> }> = [];

  add(what: string, undo: () => unknown | Promise<unknown>): void {
    this.actions.push({ what, undo });
  }

  /** Runs every action, newest first; collects failures instead of stopping at the first. */
  async run(): Promise<void> {
    const errors: string[] = [];
    while (this.actions.length > 0) {
      const { what, undo } = this.actions.pop()!;
      try {
        await undo();
      } catch (err) {
        errors.push(`${what}: ${(err as Error).message}`);
      }
    }
    if (errors.length > 0) throw new Error(`cleanup failed:\n  ${errors.join("\n  ")}`);
  }
}
