/**
 * Tag listing (distribution spec "Listing Tags"): GET /v2/<name>/tags/list, page after page. A
 * registry that pages its answer (`?n=`, or a limit of its own) sends the next page's URL in a
 * `Link: <url>; rel="next"` header (RFC 8288), as skopeo's list-tags and containers/image follow.
 */
import { ImagetoolError } from "../errors.ts";
import { readLimited } from "./resolver.ts";
import type { Repository } from "./repository.ts";

/** One page of tags is small; a registry sending more than this is refused, not buffered. */
const MAX_PAGE_BYTES = 4 * 1024 * 1024;
/** Bounds a registry whose Link headers loop. */
const MAX_PAGES = 10_000;

/** The `rel="next"` target of a Link header, or undefined. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (m && /;\s*rel="?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(m[2]!)) return m[1];
  }
  return undefined;
}

/** Every tag of the repository, in the registry's order; `pageSize` asks for pages of that many. */
export async function listTags(repo: Repository, pageSize?: number): Promise<string[]> {
  const tags: string[] = [];
  let path: string | undefined = `/v2/${repo.path}/tags/list${pageSize ? `?n=${pageSize}` : ""}`;
  const seen = new Set<string>();
  while (path !== undefined) {
    if (seen.has(path) || seen.size >= MAX_PAGES) throw new ImagetoolError("REGISTRY_ERROR", `tags of ${repo.transport.host}/${repo.path}: the registry's Link headers loop (${path})`);
    seen.add(path);
    const res = await repo.transport.request(path, { scope: repo.scope, expect: [404] });
    const url = repo.transport.url(path);
    if (res.status === 404) {
      await res.body?.cancel().catch(() => {});
      throw new ImagetoolError("IMAGE_NOT_FOUND", `No repository named '${repo.path}' exists on ${repo.transport.host}`);
    }
    const link = nextLink(res.headers.get("link"));
    const body = await readLimited(res, MAX_PAGE_BYTES, `tag list ${url}`);
    let page: { tags?: unknown };
    try {
      page = JSON.parse(new TextDecoder().decode(body));
    } catch {
      throw new ImagetoolError("REGISTRY_ERROR", `tag list ${url}: not JSON`);
    }
    if (page.tags !== null && page.tags !== undefined && (!Array.isArray(page.tags) || page.tags.some((t) => typeof t !== "string"))) {
      throw new ImagetoolError("REGISTRY_ERROR", `tag list ${url}: "tags" is not a list of strings`);
    }
    tags.push(...((page.tags as string[] | null | undefined) ?? []));
    // The next page's URL is relative to this one (it usually is an absolute path with a query).
    if (link === undefined) break;
    const next = new URL(link, url);
    // The registry's credentials go only to the registry.
    if (next.origin !== new URL(url).origin) throw new ImagetoolError("REGISTRY_ERROR", `tag list ${url}: the next page is on another server (${next.origin})`);
    path = `${next.pathname}${next.search}`;
  }
  return tags;
}
