/** Everything a command needs, built once from the environment. */
import { loadSettings, type Settings } from "./config.ts";
import type { NetworkConfig } from "./network/index.ts";
import { Store } from "./store.ts";
import { Tools } from "./tools.ts";

export interface Context {
  readonly settings: Settings;
  readonly store: Store;
  readonly tools: Tools;
  readonly net: NetworkConfig;
}

export function makeContext(settings: Settings = loadSettings()): Context {
  const store = new Store(settings.root);
  return {
    settings,
    store,
    tools: new Tools(store),
    net: { bridge: settings.bridge, subnet: settings.subnet, stateDir: store.networkDir, dnsUpstreams: settings.dnsServers },
  };
}
