/**
 * Resolving a reference for a pull across its sources (sources.ts: mirrors in order, then the
 * registry's location), as containers/image's docker image source does: the first source whose
 * manifest resolves serves the whole pull (manifests and blobs); when none does, every source's
 * failure is reported. Only the last source's manifest request is retried.
 */
import { ImagetoolError } from "../errors.ts";
import { formatReference, type Reference } from "../reference.ts";
import { trace } from "../trace.ts";
import { openRepository, type Repository, type RepositoryOptions } from "./repository.ts";
import { resolve, type ResolvedManifest } from "./resolver.ts";
import { pullSources } from "./sources.ts";

export async function resolvePullSource(ref: Reference, options: RepositoryOptions): Promise<{ repo: Repository; top: ResolvedManifest }> {
  const sources = pullSources(ref);
  if (sources.length === 1) {
    const repo = openRepository(sources[0]!.ref, options, sources[0]!.insecure);
    return { repo, top: await resolve(repo) };
  }
  const failures: string[] = [];
  let last: unknown;
  for (const [i, source] of sources.entries()) {
    const repo = openRepository(source.ref, options, source.insecure);
    try {
      // A source with another after it is asked once: retrying a mirror that is down only delays the next.
      const top = await resolve(repo, { retry: i === sources.length - 1 });
      trace(`pull: ${formatReference(ref)} from ${formatReference(source.ref)}${source.mirror ? " (mirror)" : ""}`);
      return { repo, top };
    } catch (err) {
      last = err;
      failures.push(`${formatReference(source.ref)}${source.mirror ? " (mirror)" : ""}: ${(err as Error).message}`);
    }
  }
  const code = ImagetoolError.is(last) ? last.code : "UNREACHABLE";
  throw new ImagetoolError(code, `${formatReference(ref)}: no source has it:\n  ${failures.join("\n  ")}`, { cause: last });
}
