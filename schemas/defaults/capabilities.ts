/** The capability set runc's `spec` gives process.capabilities (every set the same three). */
export const DEFAULT_CAPABILITIES = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"] as const;
