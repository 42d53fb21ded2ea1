/** `list-tags REPOSITORY`: the repository's tags on its registry, as `skopeo list-tags` prints them. */
import type { Globals } from "./globals.ts";
import { parseReference, repositoryName } from "../lib/reference.ts";
import { openRepository } from "../lib/registry/repository.ts";
import { listTags } from "../lib/registry/tags.ts";
import { writeStdout } from "../../common/stdio.ts";
import { parseFlags, type CommandSpec } from "./flags.ts";
import { REGISTRY_FLAGS, registryOptions } from "./registry-flags.ts";
import { UsageError } from "../lib/errors.ts";

const SPEC: CommandSpec = {
  name: "bocker-imagetool list-tags",
  usage: ["REPOSITORY  (e.g. localhost:5000/app, docker://busybox)"],
  flags: { ...REGISTRY_FLAGS },
  positionals: { min: 1, max: 1, message: "list-tags needs exactly one REPOSITORY" },
};

export async function run(args: string[], _globals: Globals): Promise<number> {
  const parsed = parseFlags(args, SPEC);
  if (parsed === undefined) return 0;
  const given = parsed.positionals[0]!.replace(/^docker:\/\//, "");
  const ref = parseReference(given);
  // skopeo refuses a tag or digest here too: the command lists a repository's tags.
  if (ref.digest !== undefined || /:[^/]*$/.test(given.replace(/^[^/]*\//, ""))) {
    throw new UsageError(`list-tags: '${given}' names an image; give the repository alone (without :tag or @digest)`);
  }
  const tags = await listTags(openRepository(ref, registryOptions(parsed.flags)));
  writeStdout(`${JSON.stringify({ Repository: repositoryName(ref), Tags: tags }, null, 4)}\n`);
  return 0;
}
