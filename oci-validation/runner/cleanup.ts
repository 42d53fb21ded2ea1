/**
 * A stack of undo actions: a test pushes what it creates (containers, dirs, netns, mounts) and the
 * stack runs whatever happens. The suite's own copy of bocker's test/fixtures/cleanup.ts: the
 * suite imports nothing from bocker's tests or tools, so it runs against any runtime on its own.
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
