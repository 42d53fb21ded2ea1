/**
 * Checking credentials before they are stored, as `skopeo login` does (containers/image
 * pkg/docker/config + docker.CheckAuth): GET /v2/ with the challenge flow of auth.ts, answered
 * with exactly these credentials and no others (none from the config file).
 */
import { ImagetoolError } from "../errors.ts";
import { Authorizer, type Credentials } from "./auth.ts";
import { openTransport } from "./repository.ts";
import type { TransportOptions } from "./transport.ts";

export async function checkLogin(host: string, credentials: Credentials, options: TransportOptions = {}): Promise<void> {
  const transport = openTransport(host === "docker.io" ? "registry-1.docker.io" : host, host, (t) => new Authorizer(() => credentials, ((url: string | URL, init?: RequestInit) => t().fetch(String(url), init)) as typeof fetch), options);
  let res: Response;
  try {
    res = await transport.request("/v2/", { scope: "" });
  } catch (err) {
    if (ImagetoolError.is(err, "UNAUTHORIZED") || ImagetoolError.is(err, "DENIED")) {
      throw new ImagetoolError("UNAUTHORIZED", `login to ${host} failed: the registry refused the credentials of '${credentials.username}'`, { cause: err });
    }
    throw err;
  }
  await res.body?.cancel().catch(() => {});
}
