// Every key of Bolt's inventory v2 schema (schemas/bolt-inventory.schema.json, checked against it in
// bolt-schema.test.ts). A key Bolt knows but regen does not use is warned about and ignored, as Bolt
// does with options it does not know; a key in none of these lists is a typo and stays an error.

/** Bolt's transports; regen runs ssh, winrm and local. */
export const BOLT_TRANSPORTS = ['docker', 'jail', 'local', 'lxd', 'pcp', 'podman', 'remote', 'ssh', 'winrm'] as const;

/** Each Bolt transport's options, as the schema lists them. */
export const BOLT_TRANSPORT_OPTIONS: Record<(typeof BOLT_TRANSPORTS)[number], readonly string[]> = {
  docker: ['cleanup', 'host', 'interpreters', 'run-as', 'run-as-command', 'service-url', 'shell-command', 'sudo-executable', 'sudo-password', 'tmpdir', 'tty'],
  jail: ['cleanup', 'host', 'interpreters', 'run-as', 'run-as-command', 'shell-command', 'sudo-executable', 'sudo-password', 'tmpdir', 'user'],
  local: ['bundled-ruby', 'cleanup', 'extensions', 'interpreters', 'run-as', 'run-as-command', 'sudo-executable', 'sudo-password', 'tmpdir'],
  lxd: ['cleanup', 'interpreters', 'remote', 'run-as', 'run-as-command', 'shell-command', 'sudo-executable', 'sudo-password', 'tmpdir', 'tty'],
  pcp: ['cacert', 'host', 'job-poll-interval', 'job-poll-timeout', 'read-timeout', 'service-url', 'task-environment', 'token-file'],
  podman: ['cleanup', 'host', 'interpreters', 'run-as', 'run-as-command', 'shell-command', 'sudo-executable', 'sudo-password', 'tmpdir', 'tty'],
  remote: ['run-on'],
  ssh: [
    'batch-mode', 'cleanup', 'connect-timeout', 'copy-command', 'disconnect-timeout', 'encryption-algorithms', 'extensions', 'host',
    'host-key-algorithms', 'host-key-check', 'interpreters', 'kex-algorithms', 'load-config', 'login-shell', 'mac-algorithms',
    'native-ssh', 'password', 'port', 'private-key', 'proxyjump', 'run-as', 'run-as-command', 'script-dir', 'ssh-command',
    'sudo-executable', 'sudo-password', 'tmpdir', 'tty', 'user',
  ],
  winrm: [
    'basic-auth-only', 'cacert', 'cleanup', 'connect-timeout', 'extensions', 'file-protocol', 'host', 'interpreters', 'password',
    'port', 'realm', 'smb-port', 'ssl', 'ssl-verify', 'tmpdir', 'user',
  ],
};

/** Bolt's `remote` transport takes any key (its schema allows additional properties). */
export const OPEN_TRANSPORTS: readonly string[] = ['remote'];

/** Keys of the top level, a group or a target (Bolt: DATA_KEYS + name, alias, uri, groups, targets, version). */
export const BOLT_DATA_KEYS = ['alias', 'config', 'facts', 'features', 'groups', 'name', 'plugin_hooks', 'targets', 'uri', 'vars', 'version'] as const;

/** Every transport option of every Bolt transport: a key written at the wrong level is still Bolt's. */
export const ALL_BOLT_OPTIONS: ReadonlySet<string> = new Set(Object.values(BOLT_TRANSPORT_OPTIONS).flat());

export function isBoltTransport(v: unknown): v is (typeof BOLT_TRANSPORTS)[number] {
  return (BOLT_TRANSPORTS as readonly unknown[]).includes(v);
}

/** The warning every ignored Bolt key gets, worded once. */
export const IGNORED = 'Bolt option regen does not use; ignored';
