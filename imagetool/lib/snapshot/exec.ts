import { ImagetoolError } from "../errors.ts";

/** Runs a helper program (cp, btrfs) and turns a failure into an error carrying its stderr. */
export async function run(argv: string[]): Promise<string> {
  const p = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new ImagetoolError("COMMAND_FAILED", `${argv.join(" ")}: exit ${code}: ${err.trim()}`, { context: { command: argv[0], status: code } });
  return out;
}
