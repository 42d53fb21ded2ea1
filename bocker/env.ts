/**
 * `run -e` and `--env-file` as Docker reads them: files first, in order, then each -e, later
 * ones overriding earlier ones (the image tool merges by key). A file holds KEY=VALUE lines, taken
 * verbatim (no quotes, no expansion); blank lines and lines starting with # are skipped. A bare
 * KEY, in a file or after -e, takes bocker's own value of KEY, and is dropped when that is unset.
 */
import { readFileSync } from "node:fs";
import { BockerError } from "./errors.ts";

function entry(text: string, where: string, env: NodeJS.ProcessEnv): string | undefined {
  const eq = text.indexOf("=");
  const key = eq < 0 ? text : text.slice(0, eq);
  if (key === "" || /\s/.test(key)) throw new BockerError(`${where}: '${text}' is not KEY=VALUE (a variable name, no spaces)`);
  if (eq >= 0) return text;
  const value = env[key];
  return value === undefined ? undefined : `${key}=${value}`;
}

export function readEnvFile(path: string, env: NodeJS.ProcessEnv = process.env): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new BockerError(`--env-file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return text.split("\n").flatMap((raw, i) => {
    const line = raw.replace(/\r$/, "").trimStart();
    if (line === "" || line.startsWith("#")) return [];
    return entry(line, `--env-file ${path} line ${i + 1}`, env) ?? [];
  });
}

/** The container's extra environment, in the order the image tool applies it. */
export function containerEnv(envFiles: readonly string[], flags: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  return [...envFiles.flatMap((f) => readEnvFile(f, env)), ...flags.flatMap((e) => entry(e, `-e ${e}`, env) ?? [])];
}
