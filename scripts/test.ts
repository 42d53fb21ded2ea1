/**
 * The README's test command: runs `bun test` over test/ (root integration tests enabled when we
 * are root) and ends with the plain closing line CI reads: `tests: N passed, N failed`.
 */
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const env = { ...process.env };
if (process.getuid?.() === 0 && env.BOCKER_TEST_ROOT === undefined) env.BOCKER_TEST_ROOT = "1";

const args = [process.execPath, "test", "--timeout", "120000", ...process.argv.slice(2)];
if (process.argv.length <= 2) args.push("./test/", "./schemas/", "./runtime/", "./imagetool/");
const proc = Bun.spawn(args, { cwd: root, env, stdout: "inherit", stderr: "pipe" });

// bun test prints its summary on stderr; echo everything and keep the counts.
let pass = 0, fail = 0, text = "";
const decoder = new TextDecoder();
for await (const chunk of proc.stderr) {
  const s = decoder.decode(chunk, { stream: true });
  process.stderr.write(s);
  text += s;
}
const code = await proc.exited;
pass = Number(/^\s*(\d+) pass$/m.exec(text)?.[1] ?? 0);
fail = Number(/^\s*(\d+) fail$/m.exec(text)?.[1] ?? 0);
if (code !== 0 && fail === 0) fail = 1; // a crash or load error counts as a failure
console.log(`tests: ${pass} passed, ${fail} failed`);
process.exit(code === 0 && fail === 0 && pass > 0 ? 0 : 1);
