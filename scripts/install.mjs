// npm's install hook runs under node; Bun arrives with `npm install` (a dependency), so hand over to it.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bun = join(root, "node_modules", ".bin", "bun");
const r = spawnSync(bun, [join(root, "scripts", "build.ts")], { stdio: "inherit", cwd: root });
process.exit(r.status ?? 1);
