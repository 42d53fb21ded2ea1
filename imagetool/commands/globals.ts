/**
 * What main.ts hands every command: the global flags and the shape of a command's entry point.
 * A module of its own so that commands need not import main.ts (which imports every command).
 */
export interface Globals {
  /** Storage root: <root>/content is the OCI layout, <root>/snapshots the snapshotters'. */
  root: string;
  quiet: boolean;
  debug: boolean;
}

export type CommandRun = (args: string[], globals: Globals) => Promise<number>;
